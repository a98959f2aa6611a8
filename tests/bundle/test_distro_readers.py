"""Readers on settings the supported distributions ship: rsyslog's legacy continuation lines
(Debian 11's rsyslog.conf), pam_tally2 in the account phase only, and the parsing of `sshd -T`."""

from __future__ import annotations

from pathlib import Path

from tests.bundle.test_libs import call, write

DEBIAN11_CATCH_ALL = (
    "auth,authpriv.*\t\t\t/var/log/auth.log\n"
    "*.=info;*.=notice;*.=warn;\\\n"
    "\tauth,authpriv.none;\\\n"
    "\tcron,daemon.none;\\\n"
    "\tmail,news.none\t\t-/var/log/messages\n"
    "*.emerg\t\t\t\t:omusrmsg:*\n"
)


def test_rsyslog_rules_join_backslash_continued_selectors(tmp_path: Path) -> None:
    write(tmp_path, "/etc/rsyslog.conf", DEBIAN11_CATCH_ALL)
    rules = call(tmp_path, "cce_rsyslog_rules /etc/rsyslog.conf").splitlines()
    assert rules[1] == (
        "*.=info;*.=notice;*.=warn;auth,authpriv.none;cron,daemon.none;mail,news.none"
        "\t-/var/log/messages\t/etc/rsyslog.conf:2"
    )
    assert rules[2].endswith("/etc/rsyslog.conf:6")


def test_rsyslog_coverage_reads_the_whole_continued_selector(tmp_path: Path) -> None:
    write(tmp_path, "/etc/rsyslog.conf", DEBIAN11_CATCH_ALL)
    coverage = call(
        tmp_path, 'cce_rsyslog_coverage "$(cce_rsyslog_rules /etc/rsyslog.conf)" user cron auth kern'
    ).splitlines()
    assert coverage == ["user\tyes", "cron\tno", "auth\tyes", "kern\tyes"]
