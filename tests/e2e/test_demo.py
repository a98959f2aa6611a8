"""``cce-scan local`` as a person runs it, on the Terraform as it is and on one that withholds a
permission the code needs: the functions run under the roles the Terraform declares."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from cce_scan.demo import DemoError, DemoResult, run_demo
from localworld.fleet import load_fleet
from localworld.world import TERRAFORM_MODULES
from scanner.config import load_config
from scanner.report import ScanSummary

ROOT = Path(__file__).resolve().parents[2]
REQUESTER = "U01REQUESTER"
APPROVER = "U02APPROVER"


def _demo(out: Path, modules: Path = TERRAFORM_MODULES, timeout: float = 240.0) -> DemoResult:
    return run_demo(
        load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml"),
        load_fleet(ROOT / "cce_scan" / "examples" / "fleet.yaml"),
        out,
        Console(file=(out / "console.txt").open("w", encoding="utf-8"), width=120),
        requester=REQUESTER,
        approver=APPROVER,
        timeout=timeout,
        terraform_modules=modules,
    )


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("demo")
    return _demo(out)


def test_the_demo_ends_with_its_summary_and_writes_the_report(demo: DemoResult) -> None:
    # `/cce-scan account prod`: the two prod accounts' eight hosts of the demo fleet.
    assert demo.hosts == 8
    assert demo.succeeded + demo.failed + demo.skipped == demo.hosts
    assert demo.succeeded > 0
    assert (demo.findings_dir / "reports" / demo.scan_id / "summary.json").is_file()
    assert demo.summary_line().startswith(f"scan {demo.scan_id}: 8 hosts")


def test_slack_jsonl_holds_exactly_one_final_report_with_its_files(demo: DemoResult) -> None:
    calls = _lines(demo.findings_dir / "slack.jsonl")
    broadcasts = [c for c in calls if c["method"] == "chat.postMessage" and c["args"].get("reply_broadcast")]
    assert len(broadcasts) == 1
    assert broadcasts[0]["ok"] is True
    completed = [c for c in calls if c["method"] == "files.completeUploadExternal" and c["ok"]]
    titles = {f.get("title") for c in completed for f in c["args"]["files"]}
    assert titles == {f"cce-{demo.scan_id}.{kind}" for kind in ("csv", "xlsx", "ocsf.jsonl")}
    assert all("token" not in c["args"] for c in calls)


def test_the_final_report_names_each_prod_accounts_running_instance_ssm_does_not_manage(
    demo: DemoResult,
) -> None:
    # cce_scan/examples/fleet.yaml: batch-1 (prod-web) and etl-1 (prod-db) run without SSM.
    summary = ScanSummary.model_validate_json(
        (demo.findings_dir / "reports" / demo.scan_id / "summary.json").read_bytes()
    )
    assert [(a.account_id, a.checked, a.running, a.not_covered) for a in summary.coverage] == [
        ("222222222222", True, 6, 1),  # web-1..4, web-win, batch-1
        ("333333333333", True, 4, 1),  # db-1..3 (db-3 offline, but running), etl-1; db-4 is stopped
    ]
    assert [(h.instance_id, h.hostname) for a in summary.coverage for h in a.instances] == [
        ("i-0a1b2c3d4e5f60006", "batch-1"),
        ("i-0b1c2d3e4f5a60005", "etl-1"),
    ]
    [report] = [
        c
        for c in _lines(demo.findings_dir / "slack.jsonl")
        if c["method"] == "chat.postMessage" and c["args"].get("reply_broadcast")
    ]
    blocks = report["args"]["blocks"]
    text = json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False)
    assert "점검하지 못한 실행 중 인스턴스 2대" in text
    assert "`batch-1` (`i-0a1b2c3d4e5f60006`)" in text
    assert "`etl-1` (`i-0b1c2d3e4f5a60005`)" in text


def test_every_aws_call_was_allowed_and_made_under_a_role_the_terraform_defines(demo: DemoResult) -> None:
    calls = _lines(demo.findings_dir / "aws-calls.jsonl")
    assert calls
    assert [c for c in calls if not c["allowed"]] == []
    functions = {c["function"] for c in calls}
    assert {"cce-scan-bot", "cce-scan-notifier", "cce-scan-worker", "cce-scan-analyzer"} <= functions
    roles = {c["role"] for c in calls if c["function"] != "setup"}
    terraform_roles = {
        f"arn:aws:iam::111111111111:role/cce-scan-{f}-ap-northeast-2"
        for f in ("bot", "notifier", "worker", "analyzer")
    } | {
        f"arn:aws:iam::{account}:role/CceScanMemberRole"
        for account in ("222222222222", "333333333333", "444444444444")
    }
    assert roles <= terraform_roles
    assert {c["function"] for c in calls if c["role"].endswith(":role/CceScanMemberRole")} == {
        "cce-scan-worker"
    }
    assert not [c for c in calls if c["action"] == "dynamodb:Scan"]


def test_a_terraform_without_update_item_fails_the_demo_naming_function_role_and_action(
    tmp_path: Path,
) -> None:
    modules = tmp_path / "modules"
    shutil.copytree(TERRAFORM_MODULES, modules)
    for path in (modules / "central").glob("*.tf"):
        text = path.read_text(encoding="utf-8")
        path.write_text(
            "\n".join(line for line in text.splitlines() if '"dynamodb:UpdateItem"' not in line) + "\n",
            encoding="utf-8",
        )
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DemoError) as refused:
        _demo(out, modules, timeout=60)
    message = str(refused.value)
    assert "dynamodb:UpdateItem" in message
    assert "role arn:aws:iam::111111111111:role/cce-scan-" in message
    assert "cce-scan-bot" in message or "cce-scan-worker" in message
    denied = [c for c in _lines(out / "failed-run" / "aws-calls.jsonl") if not c["allowed"]]
    assert {c["action"] for c in denied} == {"dynamodb:UpdateItem"}
