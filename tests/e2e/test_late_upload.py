"""A result forged after the host's own, through the path a member-account reader has: the upload
URL from ``ListCommands`` (it shows every command's parameters). The key takes one write, so the
forged upload gets 412 and the scan's report keeps what the host uploaded."""

from __future__ import annotations

import io
import json
import tarfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localworld.system import LocalSystem
from scanner.presign import result_key
from tests.e2e.system_support import REQUESTER, parents, replies, running_system, scan_id_of, wait_for

pytestmark = pytest.mark.e2e

DEV_APP = "444444444444"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSystem]:
    with running_system(Path(tmp_path_factory.mktemp("late"))) as running:
        yield running
        assert not running.denied_calls(), running.denied_summary()


def _put(url: str, body: bytes) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        url,
        data=body,
        method="PUT",
        headers={"Content-Type": "application/octet-stream", "If-None-Match": "*"},
    )
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8", errors="replace")


def _forged_tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        line = json.dumps({"code": "U-01", "status": "GOOD"}).encode()
        info = tarfile.TarInfo("results.jsonl")
        info.size = len(line)
        archive.addfile(info, io.BytesIO(line))
    return out.getvalue()


def _scanned(system: LocalSystem) -> str:
    """A finished scan of dev-app (no approval needed), its report posted; its ID."""
    before = len(parents(system))
    system.driver.command(REQUESTER, "account dev-app")
    parent = wait_for(
        lambda: parents(system)[before] if len(parents(system)) > before else None, what="parent"
    )
    wait_for(lambda: next((m for m in replies(system, parent) if m.reply_broadcast), None), 180, "the report")
    system.settle()
    return scan_id_of(parent)


def test_a_result_forged_from_list_commands_after_the_host_uploaded_gets_412_and_changes_no_report(
    system: LocalSystem,
) -> None:
    scan_id = _scanned(system)
    member = system.world.session_for(DEV_APP)
    ssm: Any = member.client("ssm", region_name=system.world.region, endpoint_url=system.world.endpoint_url)
    commands = [c for c in ssm.list_commands()["Commands"] if scan_id in c.get("Comment", "")]
    assert commands, "the member account's reader sees the scan's commands"
    central = system.world.session_for(system.config.central.account_id)
    s3: Any = central.client("s3", region_name=system.world.region, endpoint_url=system.world.endpoint_url)
    bucket = system.config.results_bucket
    summary_before = s3.get_object(Bucket=bucket, Key=f"reports/{scan_id}/summary.json")["Body"].read()
    for command in commands:
        url = command["Parameters"]["uploadUrl"][0]
        status, body = _put(url, _forged_tar())
        assert (status, "PreconditionFailed" in body) == (412, True)
        key = result_key(scan_id, DEV_APP, command["InstanceIds"][0])
        versions = s3.list_object_versions(Bucket=bucket, Prefix=key).get("Versions", [])
        assert len(versions) == 1  # the host's own upload, and nothing after it
    system.settle()
    assert (
        s3.get_object(Bucket=bucket, Key=f"reports/{scan_id}/summary.json")["Body"].read() == summary_before
    )
