"""The two-person rule against a compromised function, through the deployed roles of the local world.

Someone who took over the analyzer (it parses what hosts upload) or the worker tries to let a
production scan run without a second person: writing an approval is refused by IAM (only the bot
and the notifier may write the approvals table), and a scan forced into RUNNING with a dispatch job
queued is refused by the worker, which reads the approval itself before it enters an account.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localworld.system import LocalSystem
from scanner.jobs import DispatchJob, SqsJobQueue
from scanner.models import ScanStatus
from scanner.state import scan_partition
from tests.e2e.system_support import REQUESTER, approval_scan_id, request_approval, running_system, wait_for

pytestmark = pytest.mark.e2e

PROD_DB = "333333333333"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSystem]:
    with running_system(Path(tmp_path_factory.mktemp("forged"))) as running:
        yield running
        # The only calls IAM refused are the forged approval writes of the tests below.
        refused = {(c["function"], c["action"]) for c in running.denied_calls()}
        analyzer, worker = running.names.function("analyzer"), running.names.function("worker")
        assert refused <= {
            (analyzer, "dynamodb:PutItem"),
            (analyzer, "dynamodb:UpdateItem"),
            (worker, "dynamodb:UpdateItem"),
        }, running.denied_summary()


def _awaiting_scan(system: LocalSystem) -> str:
    """A production scan asked for in Slack, awaiting its approval; its ID."""
    _, request = request_approval(system, REQUESTER)
    return approval_scan_id(request)


def _approval_key(scan_id: str) -> dict[str, Any]:
    return {"pk": {"S": scan_partition(scan_id)}, "sk": {"S": "#APPROVAL"}}


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_the_analyzer_cannot_write_an_approval(system: LocalSystem) -> None:
    scan_id = _awaiting_scan(system)
    table = system.central.approvals_table
    analyzer = system.function_client("analyzer", "dynamodb")
    forged = {
        **_approval_key(scan_id),
        "scan_id": {"S": scan_id},
        "requester": {"S": REQUESTER},
        "status": {"S": "APPROVED"},
        "decided_by": {"S": "U09ACCOMPLICE"},
        "requested_at": {"N": "0"},
        "expires_at": {"N": "4102444800"},
    }
    with pytest.raises(ClientError) as put:
        analyzer.put_item(TableName=table, Item=forged)
    with pytest.raises(ClientError) as update:
        analyzer.update_item(
            TableName=table,
            Key=_approval_key(scan_id),
            UpdateExpression="SET #s = :a, decided_by = :u",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":a": {"S": "APPROVED"}, ":u": {"S": "U09ACCOMPLICE"}},
        )
    assert (_code(put), _code(update)) == ("AccessDeniedException", "AccessDeniedException")
    assert system.function_client("bot", "dynamodb").get_item(TableName=table, Key=_approval_key(scan_id))[
        "Item"
    ]["status"] == {"S": "PENDING"}


def test_the_worker_may_read_an_approval_but_not_write_one(system: LocalSystem) -> None:
    scan_id = _awaiting_scan(system)
    table = system.central.approvals_table
    worker = system.function_client("worker", "dynamodb")
    assert worker.get_item(TableName=table, Key=_approval_key(scan_id))["Item"]["status"] == {"S": "PENDING"}
    with pytest.raises(ClientError) as update:
        worker.update_item(
            TableName=table,
            Key=_approval_key(scan_id),
            UpdateExpression="SET #s = :a",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":a": {"S": "APPROVED"}},
        )
    assert _code(update) == "AccessDeniedException"


def test_a_scan_forced_into_running_is_not_dispatched_without_the_approval(system: LocalSystem) -> None:
    """The analyzer may write scan state: it moves the awaiting scan to RUNNING, with an approver,
    and a dispatch job is queued. The worker reads the approval (still PENDING), enters no account
    and sends no command; the account closes with the reason."""
    scan_id = _awaiting_scan(system)
    state = system.function_client("analyzer", "dynamodb")
    key = {"pk": {"S": scan_partition(scan_id)}}
    state.update_item(
        TableName=system.central.table,
        Key={**key, "sk": {"S": "#SCAN"}},
        UpdateExpression="SET #s = :running, approver = :u",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":running": {"S": ScanStatus.RUNNING.value}, ":u": {"S": "U09ACCOMPLICE"}},
    )
    state.put_item(
        TableName=system.central.table,
        Item={
            **key,
            "sk": {"S": f"ACCOUNT#{PROD_DB}#ap-northeast-2"},
            "account_id": {"S": PROD_DB},
            "alias": {"S": "prod-db"},
            "region": {"S": "ap-northeast-2"},
            "phase": {"S": "PENDING"},
        },
    )
    jobs = SqsJobQueue(system.function_client("worker", "sqs"), system.queue_urls["jobs"])
    jobs.submit(DispatchJob(scan_id=scan_id, account_id=PROD_DB, region="ap-northeast-2"))

    def closed() -> dict[str, Any] | None:
        item = state.get_item(
            TableName=system.central.table,
            Key={**key, "sk": {"S": f"ACCOUNT#{PROD_DB}#ap-northeast-2"}},
            ConsistentRead=True,
        )["Item"]
        return item if item["phase"]["S"] == "DONE" else None

    account = wait_for(closed, timeout=60, what="the dispatch to refuse the account")
    assert "needs a second person's approval" in account["reason"]["S"]
    # No scan of this module was approved: no command was sent to prod-db (the bot's host estimate
    # for the approval request does enter the account, to count its hosts).
    calls = system.world.calls.entries()
    sent = [c for c in calls if c["action"] == "ssm:SendCommand" and f":{PROD_DB}:" in c["resource"]]
    assert sent == []
