"""The analyzer entry on the local world after a real scan: findings for every SUCCEEDED host.

GIVEN one account of real hosts that ran the bundle through presigned URLs (one of them uploads a
forged tar naming another instance), WHEN the S3 notifications of ``results/`` reach the analyzer
(as SQS messages, twice), THEN ``findings/`` holds 67 OCSF findings for every host that SUCCEEDED,
each passing the OCSF server's validator (official 1.5.0 schema) with no error or warning, the
forged host becomes RESULT_INVALID with one corrected ``scan.host_outcome``, and the per-scan
summary adds up to the hosts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from localworld.fleet import FleetSpec
from localworld.world import World
from scanner.entries.analyzer import ObjectAnalyzer, ScanEventsAnnouncer, ScanStoreState, process_event
from scanner.events import HostOutcomeEvent
from scanner.local import InProcessScanner
from scanner.outcomes import HostOutcome
from scanner.report import HostSummary, summarize_scan
from tests.findings.ocsf_validator import ocsf_problems
from tests.findings.tarbuilder import build_tar
from tests.scanner.world_support import deployed_world, fast_config, real_fleet

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

ACCOUNT = "222222222222"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    config = fast_config()
    fleet = real_fleet(config, per_account=3)
    hosts = tuple(h for h in fleet.hosts if h.account_id == ACCOUNT)
    with deployed_world(config, FleetSpec(hosts=hosts), tmp_path_factory.mktemp("analyzer")) as started:
        yield started


def test_analyzer_after_a_world_scan_fills_findings_for_every_succeeded_host(world: World) -> None:
    """Every OCSF finding the analyzer Lambda writes passes the OCSF server's validator (official
    1.5.0 schema): no error, no warning."""
    scanner = InProcessScanner(
        world.config, world.central_session(), endpoint_url=world.endpoint_url, table="analyzer"
    )
    try:
        alias = next(a.alias for a in world.config.accounts if a.id == ACCOUNT)
        record = scanner.run(
            "account", [alias], requester="U01REQUESTER", approver="U02APPROVER", timeout=240
        )
        hosts = {h.instance_id: h for h in scanner.engine.hosts(record.scan_id)}
        succeeded = sorted(i for i, h in hosts.items() if h.outcome is HostOutcome.SUCCEEDED)
        assert len(succeeded) >= 2, {i: (h.outcome, h.detail) for i, h in hosts.items()}

        s3: Any = world.central_session().client("s3", endpoint_url=world.endpoint_url)
        bucket = world.config.results_bucket
        forged = succeeded[-1]
        s3.put_object(
            Bucket=bucket,
            Key=f"results/{record.scan_id}/{ACCOUNT}/{forged}.tar",
            Body=build_tar(),  # names i-0123456789abcdef0, not the host it was uploaded for
        )
        keys = [
            item["Key"]
            for item in s3.list_objects_v2(Bucket=bucket, Prefix=f"results/{record.scan_id}/")["Contents"]
        ]
        notification = {
            "Records": [
                {
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Put",
                    "s3": {"bucket": {"name": bucket}, "object": {"key": key}},
                }
                for key in keys
            ]
        }
        sqs_event = {
            "Records": [
                {"messageId": "1", "eventSource": "aws:sqs", "body": json.dumps(notification)},
                {"messageId": "2", "eventSource": "aws:sqs", "body": json.dumps(notification)},
            ]
        }
        store = scanner.runtime.store
        analyzer = ObjectAnalyzer(
            s3, state=ScanStoreState(store), events=ScanEventsAnnouncer(store, scanner.bus, world.config)
        )

        assert process_event(sqs_event, analyzer) == {"batchItemFailures": []}

        for instance in succeeded[:-1]:
            body = s3.get_object(
                Bucket=bucket, Key=f"findings/{record.scan_id}/{ACCOUNT}/{instance}.ocsf.jsonl"
            )
            lines = [json.loads(line) for line in body["Body"].read().splitlines()]
            assert len(lines) == 67
            assert ocsf_problems(lines) == []
            assert {line["device"]["instance_uid"] for line in lines} == {instance}
        listed = s3.list_objects_v2(
            Bucket=bucket, Prefix=f"findings/{record.scan_id}/{ACCOUNT}/{forged}.ocsf"
        )
        assert "Contents" not in listed

        after = {h.instance_id: h for h in scanner.engine.hosts(record.scan_id)}
        assert after[forged].outcome is HostOutcome.RESULT_INVALID
        corrections = [
            e
            for e in scanner.bus.log
            if isinstance(e, HostOutcomeEvent) and e.outcome is HostOutcome.RESULT_INVALID
        ]
        assert [(e.instance_id, e.account.alias) for e in corrections] == [(forged, alias)]

        summaries = [
            HostSummary.model_validate_json(
                s3.get_object(Bucket=bucket, Key=f"findings/{record.scan_id}/{ACCOUNT}/{i}.summary.json")[
                    "Body"
                ].read()
            )
            for i in succeeded
        ]
        scan = summarize_scan(record.scan_id, summaries)
        assert scan.outcomes == {HostOutcome.SUCCEEDED: len(succeeded) - 1, HostOutcome.RESULT_INVALID: 1}
        assert scan.accounts[0].succeeded == len(succeeded) - 1
    finally:
        scanner.close()
