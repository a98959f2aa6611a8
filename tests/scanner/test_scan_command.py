"""``cce-scan scan --local``: the command a person runs, on the local world with a fleet of our own.

GIVEN prod-web with one host that succeeds, one whose upload fails and one Windows host, THEN the
command prints the failure as it happens and a table by account and outcome, and exits 1; asked
for the good host alone, it exits 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cce_scan.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

PROD_WEB = "222222222222"
GOOD, BROKEN, WINDOWS = "i-0a00000000000c001", "i-0a00000000000c002", "i-0a00000000000c003"

FLEET = f"""\
hosts:
  - {{instance_id: {GOOD}, account_id: "{PROD_WEB}", name: good-1, private_ip: 10.20.9.1,
     synthetic: {{outcome: success}}}}
  - {{instance_id: {BROKEN}, account_id: "{PROD_WEB}", name: broken-1, private_ip: 10.20.9.2,
     synthetic: {{outcome: fail_upload}}}}
  - {{instance_id: {WINDOWS}, account_id: "{PROD_WEB}", name: win-1, private_ip: 10.20.9.3,
     platform_type: Windows, platform_name: Microsoft Windows Server 2022 Datacenter}}
"""


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "200")  # the table's columns unwrapped, as on a wide terminal
    path = tmp_path / "fleet.yaml"
    path.write_text(FLEET)
    return path


def _scan(fleet: Path, capsys: pytest.CaptureFixture[str], *targets: str) -> tuple[int, str]:
    """Run ``cce-scan scan TARGETS --local`` on ``fleet``; its exit code and what it printed."""
    code = main(
        ["scan", *targets, "--local", "--fleet", str(fleet), "--requester", "tester", "--timeout", "120"]
    )
    return code, capsys.readouterr().out


def test_an_account_with_a_failed_host_prints_it_and_the_table_and_exits_1(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _scan(fleet, capsys, "--account", "prod-web", "--approved-by", "approver")
    assert code == 1
    assert f"prod-web {BROKEN}: FAILED_UPLOAD at upload" in out
    header = next(line for line in out.splitlines() if "SUCCEEDED" in line)
    assert header.replace("┃", " ").split() == [
        "account",
        "SUCCEEDED",
        "FAILED_UPLOAD",
        "SKIPPED_PLATFORM",
        "total",
    ]
    rows = {line.split()[1]: line.split()[2:] for line in out.splitlines() if line.startswith("│")}
    assert [cell for cell in rows["prod-web"] if cell != "│"] == ["1", "1", "1", "3"]


def test_a_host_asked_for_by_name_that_succeeds_exits_0(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _scan(fleet, capsys, "--host", "good-1", "--approved-by", "approver")
    assert code == 0
    assert "FINISHED" in out
    assert "FAILED" not in out


def test_a_production_account_without_a_second_persons_approval_is_refused_before_any_scan(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["scan", "--account", "prod-web", "--local", "--fleet", str(fleet), "--requester", "tester"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "need a second person's approval: name who approved with --approved-by USER" in err
    assert "scan 2" not in out  # no scan was created


def test_the_requester_cannot_name_themselves_as_the_approver(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--local", "--fleet", str(fleet), "--requester", "tester", "--approved-by", "tester"]
    code = main(["scan", "--account", "prod-web", *args])
    assert code == 2
    assert "the requester cannot approve their own scan" in capsys.readouterr().err
