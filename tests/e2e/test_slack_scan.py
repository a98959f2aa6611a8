"""A scan from Slack to the report: the modal, progress in the parent, the broadcast report with files,
status and cancel, Slack's 429 on chat.update, and a Slack that fails every post while the scan
ends, all through the bot's, worker's and notifier's Lambda entries."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from localworld.lambdas import Invocation
from localworld.slack.render import message_text
from localworld.slack.server import Message
from localworld.system import LocalSystem
from scanner.deployment import Function
from tests.e2e.system_support import REQUESTER, STRANGER, parents, replies, scan_id_of, wait_for
from tests.findings.ocsf_validator import ocsf_problems
from tests.findings.workbook_reading import csv_rows, expected_matrix, matrix, open_workbook

pytestmark = pytest.mark.e2e


def _report(system: LocalSystem, parent: Message) -> Message | None:
    return next((m for m in replies(system, parent) if m.reply_broadcast), None)


def _report_files(system: LocalSystem, scan_id: str) -> set[str]:
    """The objects under reports/<scan>/, read as an operator would (not as one of the functions)."""
    session = system.world.session_for(system.config.central.account_id)
    s3: Any = session.client("s3", region_name=system.world.region, endpoint_url=system.world.endpoint_url)
    listing = s3.list_objects_v2(Bucket=system.config.results_bucket, Prefix=f"reports/{scan_id}/")
    return {item["Key"].rsplit("/", 1)[1] for item in listing.get("Contents", [])}


def _refused_event_deliveries(system: LocalSystem, scan_id: str) -> list[Invocation]:
    """The notifier's SQS deliveries of the scan's events that handed an event back to the queue: a
    partial batch failure, or an error when no event of the batch went through."""
    notifier = system.names.function("notifier")
    return [
        i
        for i in list(system.lambdas.invocations)
        if i.function == notifier
        and scan_id in json.dumps(i.payload)
        and (i.error is not None or (isinstance(i.result, dict) and i.result.get("batchItemFailures")))
    ]


def _output(system: LocalSystem, key: Function) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What a function printed (``<base>/lambda/<function>.log``, all its environments): its
    Powertools JSON log records, and its EMF objects."""
    path = system.lambdas.log_path(system.names.function(key))
    assert path is not None
    logs: list[dict[str, Any]] = []
    emf: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # the runtime's own lines
        if isinstance(record, dict):
            (emf if "_aws" in record else logs).append(record)
    return logs, emf


def _counted(emf: list[dict[str, Any]], name: str, **dimensions: str) -> float:
    return sum(
        sum(blob[name])
        for blob in emf
        if name in blob and all(blob.get(key) == value for key, value in dimensions.items())
    )


def _new_parent(system: LocalSystem, before: int) -> Message:
    return wait_for(lambda: parents(system)[before] if len(parents(system)) > before else None, what="parent")


def test_modal_validation_errors_come_back_in_the_ack(system: LocalSystem) -> None:
    system.driver.command(REQUESTER, "")
    view = system.slack.opened_views()[-1]
    empty = system.driver.submit(REQUESTER, view, {})
    assert empty.json()["response_action"] == "errors"
    assert "targets_accounts" in empty.json()["errors"]
    bad = system.driver.submit(
        REQUESTER, view, {"targets_hosts": {"hosts": {"type": "plain_text_input", "value": "i-nothex"}}}
    )
    assert "i-nothex" in bad.json()["errors"]["targets_hosts"]
    both = system.driver.submit(
        REQUESTER,
        view,
        {
            "targets_accounts": {
                "accounts": {
                    "type": "multi_static_select",
                    "selected_options": [{"value": "account:dev-app"}],
                }
            },
            "targets_hosts": {"hosts": {"type": "plain_text_input", "value": "web-1"}},
        },
    )
    assert "targets_hosts" in both.json()["errors"]


def test_a_scan_without_approval_runs_from_the_modal_to_the_broadcast_report(system: LocalSystem) -> None:
    before = len(parents(system))
    system.driver.command(REQUESTER, "")
    view = system.slack.opened_views()[-1]
    answer = system.driver.submit(
        REQUESTER,
        view,
        {
            "targets_accounts": {
                "accounts": {
                    "type": "multi_static_select",
                    "selected_options": [{"value": "account:dev-app"}],
                }
            }
        },
    )
    assert answer.status == 200
    assert answer.body in ("", "{}")  # accepted: the modal closes
    parent = _new_parent(system, before)
    try:
        report = wait_for(lambda: _report(system, parent), timeout=180, what="the report")
    except AssertionError as exc:
        kinds = [
            (i.function, i.kind, json.dumps(i.payload)[:120], str(i.result)[:80])
            for i in system.lambdas.invocations
            if i.function in ("cce-scan-notifier", "cce-scan-analyzer", "cce-scan-worker")
        ][-40:]
        raise AssertionError(f"{exc}: failures {system.lambdas.failures()} invocations {kinds}") from exc
    text = message_text(report.blocks, report.text)
    assert "점검 결과" in text
    assert "대상 3대" in text  # dev-app: three Linux hosts (cce_scan/examples/fleet.yaml)
    assert "성공 3" in text
    assert "취약 호스트가 가장 많은 항목" in text
    assert "실행 중인 EC2 인스턴스 3대 모두 SSM이 관리합니다." in text  # dev-app: no instance without SSM
    system.settle()
    final = system.slack.find(parent.channel, parent.ts)
    assert "완료" in message_text(final.blocks)
    assert "100%" in message_text(final.blocks)
    attached = {system.slack.files[f].filename for f in final.files}
    assert any(name.endswith(".csv") for name in attached)
    assert any(name.endswith(".ocsf.jsonl") for name in attached)
    csv = next(
        f for f in system.slack.files.values() if f.filename.endswith(".csv") and f.thread_ts == parent.ts
    )
    assert csv.content.startswith("\ufeff".encode())
    # The OCSF file attached to the thread is what a SIEM takes: every event passes the OCSF
    # server's validator against the official 1.5.0 schema.
    ocsf = next(
        f
        for f in system.slack.files.values()
        if f.filename.endswith(".ocsf.jsonl") and f.thread_ts == parent.ts
    )
    events = [json.loads(line) for line in ocsf.content.decode("utf-8").splitlines()]
    assert len(events) == 3 * 67
    assert ocsf_problems(events) == []
    # The audit workbook attached beside the CSV holds the CSV's findings in its matrix, cell by cell.
    workbook = next(
        f for f in system.slack.files.values() if f.filename.endswith(".xlsx") and f.thread_ts == parent.ts
    )
    assert matrix(open_workbook(workbook.content)) == expected_matrix(csv_rows(csv.content))
    # the parent was never edited more than once per 3 seconds (Tier 3, throttled per scan)
    edits = [c.at for c in system.slack.calls_to("chat.update") if c.args.get("ts") == parent.ts]
    assert len(edits) >= 2
    assert all(later - earlier >= 2.9 for earlier, later in itertools.pairwise(edits))
    # Each function logged as Powertools JSON, the scan's work under its ID, and counted it in EMF.
    scan_id = scan_id_of(parent)
    _, bot_emf = _output(system, "bot")
    assert _counted(bot_emf, "ScansStarted") >= 1
    worker_logs, worker_emf = _output(system, "worker")
    assert any(r["message"] == "job" and r.get("correlation_id") == scan_id for r in worker_logs)
    assert _counted(worker_emf, "HostsByOutcome", outcome="SUCCEEDED") >= 1
    assert _counted(worker_emf, "ScansFinished", status="FINISHED") >= 1
    analyzer_logs, _ = _output(system, "analyzer")
    assert any(r.get("correlation_id") == scan_id for r in analyzer_logs)  # S3's events, direct
    # The results bucket is versioned, as the Terraform has it: the analyzer read each host's result
    # as the version its S3 event named.
    read_versions = {
        c["resource"]
        for c in system.world.calls.entries()
        if c["function"] == "cce-scan-analyzer"
        and c["action"] == "s3:GetObjectVersion"
        and scan_id in c["resource"]
    }
    assert len(read_versions) == 3, read_versions


def test_a_second_scan_of_an_account_reports_first_what_changed_since_the_one_before(
    system: LocalSystem,
) -> None:
    def scan() -> tuple[str, Message]:
        before = len(parents(system))
        system.driver.command(REQUESTER, "account dev-app")
        parent = _new_parent(system, before)
        report = wait_for(lambda: _report(system, parent), timeout=180, what="the report")
        system.settle()
        return scan_id_of(parent), report

    scans = [scan(), scan()]
    (first, _), (_, second) = scans

    text = message_text(second.blocks, second.text)

    # The same three hosts with the same fixture roots: nothing changed, and the report says so
    # before its summary.
    assert f"이전 점검 `{first}` 대비: 새 취약 0 · 조치됨 0" in text
    assert "새로 취약하거나 조치된 항목, 새로 나타나거나 사라진 호스트가 없습니다." in text
    assert text.index("지난 점검 대비") < text.index("대상 3대") < text.index("취약 호스트가 가장 많은 항목")


def test_status_lists_recent_scans_and_cancel_needs_the_requester_or_an_approver(system: LocalSystem) -> None:
    system.driver.command(REQUESTER, "status")
    status = wait_for(
        lambda: [r for r in system.slack.responses if "최근 CCE 점검" in json.dumps(r, ensure_ascii=False)],
        what="status",
    )
    assert "dev-app" in json.dumps(status[-1], ensure_ascii=False)
    scan_id = json.dumps(status[-1]).split("*`", 1)[1].split("`", 1)[0]
    system.driver.command(STRANGER, f"cancel {scan_id}")
    system.settle()
    system.driver.command(REQUESTER, "cancel 20200101T000000-000000")
    wait_for(
        lambda: [r for r in system.slack.responses if "찾을 수 없습니다" in r.get("text", "")],
        what="unknown scan",
    )


def test_a_429_on_chat_update_is_waited_out_and_the_parent_still_ends_up_current(system: LocalSystem) -> None:
    before = len(parents(system))
    system.slack.force_429("chat.update", retry_after=1, times=2)
    system.driver.command(REQUESTER, "account dev-app")
    parent = _new_parent(system, before)
    wait_for(lambda: _report(system, parent), timeout=180, what="the report")
    system.settle()
    statuses = [c.status for c in system.slack.calls_to("chat.update")]
    assert statuses.count(429) == 2
    assert "완료" in message_text(system.slack.find(parent.channel, parent.ts).blocks)
    assert not system.lambdas.failures()


def test_with_slack_failing_every_post_the_report_is_still_written_and_posted_once_slack_answers(
    system: LocalSystem,
) -> None:
    before = len(parents(system))
    system.driver.command(REQUESTER, "account dev-app")
    parent = _new_parent(system, before)
    scan_id = scan_id_of(parent)
    system.slack.fail_next("chat.postMessage", status=503, error="service_unavailable", times=1000)
    try:
        written = wait_for(
            lambda: {"summary.json", "findings.csv", "findings.ocsf.jsonl"} <= _report_files(system, scan_id),
            timeout=180,
            what="reports/<scan>/ written by the worker",
        )
        assert written
        # Slack refused the report (the client's retries included): the notifier's event failed
        # and waits in the events queue to come again.
        wait_for(lambda: _refused_event_deliveries(system, scan_id), what="the notifier's event refused")
        refused = [
            c
            for c in system.slack.calls_to("chat.postMessage")
            if c.args.get("thread_ts") == parent.ts and c.args.get("reply_broadcast")
        ]
        assert refused
        assert all(c.status == 503 for c in refused)
        assert _report(system, parent) is None
    finally:
        system.slack.answer_again("chat.postMessage")
    # The refused event comes back after the events queue's visibility timeout.
    report = wait_for(lambda: _report(system, parent), timeout=200, what="the report once Slack answers")

    def attached() -> set[str]:
        return {f.filename for f in system.slack.files.values() if f.thread_ts == parent.ts and f.shared}

    wait_for(lambda: len(attached()) == 3, what="the report's files")
    system.settle()
    assert len([m for m in replies(system, parent) if m.reply_broadcast]) == 1
    assert attached() == {f"cce-{scan_id}.{kind}" for kind in ("csv", "xlsx", "ocsf.jsonl")}
    assert "대상 3대" in message_text(report.blocks, report.text)
    # The only failed invocations are the notifier's deliveries Slack refused.
    refused_deliveries = {id(i) for i in _refused_event_deliveries(system, scan_id)}
    assert {id(i) for i in system.lambdas.failures()} <= refused_deliveries
