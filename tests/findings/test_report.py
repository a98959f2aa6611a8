"""Host and scan summaries and the diff against the previous scan."""

from __future__ import annotations

from scanner.findings import ResultKey
from scanner.findings.analysis import analyze_tar, rejected
from scanner.outcomes import HostOutcome
from scanner.report import HostSummary, diff_scans, summarize_outcome, summarize_scan
from scanner.report.models import HOSTS_NAMED
from scanner.results import Severity, Status
from tests.findings.tarbuilder import build_tar, statuses, valid_files

SCAN = "20261126T120000-abc123"
A, B = "111122223333", "444455556666"


def host(account: str, instance: str, status_by_code: dict[str, str], scan: str = SCAN) -> HostSummary:
    key = ResultKey(scan, account, instance)
    analyzed = analyze_tar(build_tar(valid_files(status_by_code, instance_id=instance)), key)
    assert analyzed.analysis.outcome is HostOutcome.SUCCEEDED
    return analyzed.analysis.summary


def test_host_summary_counts_by_status_and_severity_and_lists_high_failures() -> None:
    summary = host(A, "i-00000000000000001", statuses(vulnerable=["U-01", "U-30", "U-07"], manual=["U-64"]))
    assert summary.counts == {Status.GOOD: 63, Status.VULNERABLE: 3, Status.MANUAL: 1}
    assert summary.by_severity[Severity.HIGH] == {Status.GOOD: 38, Status.VULNERABLE: 1, Status.MANUAL: 1}
    assert summary.by_severity[Severity.MEDIUM] == {Status.GOOD: 17, Status.VULNERABLE: 1}
    assert summary.by_severity[Severity.LOW] == {Status.GOOD: 8, Status.VULNERABLE: 1}
    assert summary.high_failures == ("U-01",)
    assert summary.hostname == "ip-10-0-0-12.ap-northeast-2.compute.internal"


def test_scan_summary_adds_up_outcomes_pass_rates_and_top_failing_items() -> None:
    hosts = [
        host(A, "i-00000000000000001", statuses(vulnerable=["U-01", "U-30"])),
        host(A, "i-00000000000000002", statuses(vulnerable=["U-01"])),
        host(B, "i-00000000000000003", statuses(vulnerable=["U-01", "U-30", "U-67"])),
        rejected(ResultKey(SCAN, B, "i-00000000000000004"), "the tar is truncated").analysis.summary,
        summarize_outcome(
            scan_id=SCAN, account_id=B, instance_id="i-00000000000000005", outcome=HostOutcome.TIMED_OUT
        ),
    ]
    scan = summarize_scan(SCAN, hosts, top=2)
    assert scan.hosts == 5
    assert scan.outcomes == {
        HostOutcome.SUCCEEDED: 3,
        HostOutcome.TIMED_OUT: 1,
        HostOutcome.RESULT_INVALID: 1,
    }
    assert sum(scan.outcomes.values()) == scan.hosts
    assert scan.counts == {Status.GOOD: 195, Status.VULNERABLE: 6}
    account_a, account_b = scan.accounts
    assert (account_a.account_id, account_a.hosts, account_a.succeeded) == (A, 2, 2)
    assert account_a.pass_rate == round(131 / 134, 4)
    assert (account_b.hosts, account_b.succeeded, account_b.pass_rate) == (3, 1, round(64 / 67, 4))
    assert [(item.code, item.hosts_failing) for item in scan.top_failing] == [("U-01", 3), ("U-30", 2)]
    assert scan.top_failing[0].title_ko == "root 계정 원격 접속 제한"
    assert scan.top_failing[0].title_en == "Restrict remote root login"


def test_scan_summary_of_only_failed_hosts_has_no_pass_rate() -> None:
    hosts = [
        summarize_outcome(
            scan_id=SCAN, account_id=A, instance_id="i-00000000000000009", outcome=HostOutcome.UNDELIVERABLE
        )
    ]
    scan = summarize_scan(SCAN, hosts)
    assert scan.accounts[0].pass_rate is None
    assert scan.top_failing == ()


def test_diff_finds_new_failures_fixed_unchanged_and_undecided() -> None:
    previous = [
        host(A, "i-00000000000000001", statuses(vulnerable=["U-01", "U-02", "U-03", "U-04"]), scan="old"),
        host(A, "i-00000000000000002", statuses(vulnerable=["U-05"]), scan="old"),
        host(A, "i-0000000000000000f", statuses(vulnerable=["U-05"]), scan="old"),
    ]
    current = [
        host(
            A,
            "i-00000000000000001",
            statuses(vulnerable=["U-01", "U-10"], manual=["U-03"], **{"U-04": "NOT_APPLICABLE"}),
        ),
        host(A, "i-00000000000000002", statuses(vulnerable=["U-05"])),
        host(B, "i-00000000000000003", statuses(vulnerable=["U-20"])),
    ]
    diff = diff_scans(current, previous, scan_id=SCAN, previous_scan_id="old")
    assert [(c.instance_id, c.code, c.before) for c in diff.new_failures] == [
        ("i-00000000000000001", "U-10", Status.GOOD),
        ("i-00000000000000003", "U-20", None),
    ]
    assert [(c.code, c.after) for c in diff.fixed] == [("U-02", Status.GOOD), ("U-04", Status.NOT_APPLICABLE)]
    assert [(c.code, c.after) for c in diff.undecided] == [("U-03", Status.MANUAL)]
    assert diff.unchanged == 2
    assert diff.unchanged_by_code == {"U-01": 1, "U-05": 1}
    assert (diff.hosts_compared, diff.hosts_new, diff.hosts_not_rescanned) == (2, 1, 1)


def test_diff_ignores_hosts_whose_result_was_rejected_this_time() -> None:
    previous = [host(A, "i-00000000000000001", statuses(vulnerable=["U-01"]), scan="old")]
    current = [rejected(ResultKey(SCAN, A, "i-00000000000000001"), "bad").analysis.summary]
    diff = diff_scans(current, previous, scan_id=SCAN)
    assert (diff.fixed, diff.new_failures, diff.hosts_not_rescanned) == ((), (), 1)


def test_diff_names_the_hosts_that_appeared_and_disappeared_the_first_few_only() -> None:
    kept = host(A, "i-00000000000000001", statuses(), scan="old")
    previous = [kept, *(host(B, f"i-1{n:016x}", statuses(), scan="old") for n in range(HOSTS_NAMED + 5))]
    current = [
        host(A, "i-00000000000000001", statuses()),
        host(A, "i-00000000000000002", statuses()),
        host(B, "i-00000000000000003", statuses()),
    ]
    diff = diff_scans(current, previous, scan_id=SCAN, previous_scan_id="old")
    assert (diff.hosts_new, diff.hosts_not_rescanned) == (2, HOSTS_NAMED + 5)
    assert [(h.account_id, h.instance_id) for h in diff.hosts_appeared] == [
        (A, "i-00000000000000002"),
        (B, "i-00000000000000003"),
    ]
    assert [h.instance_id for h in diff.hosts_disappeared] == [f"i-1{n:016x}" for n in range(HOSTS_NAMED)]
    assert previous[1].hostname is not None
    assert diff.hosts_disappeared[0].hostname == previous[1].hostname
