"""Write-once results through the world's S3 gate: the presigned result PUT signs
``If-None-Match: *``, so a key is written once, a second PUT (the same URL, or a fresh one from a
host running again) gets 412 PreconditionFailed and the first result stays, and a PUT that leaves
the signed header out fails the signature check as S3 does."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from localworld.fleet import FleetSpec
from localworld.world import World
from scanner.config import load_config
from scanner.presign import Presigner, result_key

REPO = Path(__file__).resolve().parents[2]
SCAN = "20261126T210000-once01"
INSTANCE = "i-0a000000000000009"

pytestmark = [pytest.mark.e2e]


def put(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=body, method="PUT", headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode("utf-8", errors="replace")


def test_presigned_result_put_signs_if_none_match() -> None:
    config = load_config(REPO / "cce_scan" / "examples" / "cce-scan.yaml")
    session = boto3.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )
    url = Presigner(config, session).result_put(SCAN, config.accounts[0].id, INSTANCE)
    assert parse_qs(urlsplit(url).query)["X-Amz-SignedHeaders"] == ["host;if-none-match"]


def test_a_presigned_result_key_is_written_once(tmp_path: Path) -> None:
    config = load_config(REPO / "cce_scan" / "examples" / "cce-scan.yaml")
    account = config.accounts[0].id
    with World.start(config, FleetSpec(hosts=()), base_dir=tmp_path / "world") as world:
        world.deploy_host_part(b"bundle")
        presigner = Presigner(world.config, world.central_session(), endpoint_url=world.endpoint_url)
        url = presigner.result_put(SCAN, account, INSTANCE)
        once = {"Content-Type": "application/octet-stream", "If-None-Match": "*"}

        # the signed header left out: the signature does not match, nothing is written
        status, body = put(url, b"no header", {"Content-Type": "application/octet-stream"})
        assert (status, "SignatureDoesNotMatch" in body) == (403, True)
        # the first upload is stored
        assert put(url, b"first result", once)[0] == 200
        # the same URL again, and a fresh URL (the host running again): 412, the first result stays
        for again in (url, presigner.result_put(SCAN, account, INSTANCE)):
            status, body = put(again, b"second result", once)
            assert (status, "PreconditionFailed" in body) == (412, True)
        s3 = world.central_session().client("s3", endpoint_url=world.endpoint_url)
        stored = s3.get_object(Bucket=world.config.results_bucket, Key=result_key(SCAN, account, INSTANCE))
        assert stored["Body"].read() == b"first result"
