"""The service, patch and log items (U-34..U-67) on small roots built per test, in a real shell.

Each test writes a minimal root (passwd plus the unit files, links and configuration under test)
into a temporary directory. Rule-by-rule tests run one check function with the bundle's libraries
sourced, as the runner does for each item (``check``); the tests about the result as a whole run
``script.sh`` with ``CCE_ITEMS`` limited to the items they assert and read the result tar
(``Root.run``). The golden fixture roots cover whole distributions; these pin one rule of a daemon's
configuration semantics at a time.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bundle.runner import BUNDLE_DIR, BundleRun, run_bundle

PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "ftp:x:14:50:FTP User:/var/ftp:/sbin/nologin\n"
    "alice:x:1000:1000::/home/alice:/bin/bash\n"
)
UNITS = "/usr/lib/systemd/system"
WANTS = "/etc/systemd/system/multi-user.target.wants"


class Root:
    """A scanned root under construction: files, unit files, enablement links."""

    def __init__(self, base: Path) -> None:
        self.path = base / "root"
        self.path.mkdir()
        self.stage = base / "stage"
        self.stage.mkdir()
        self.file("/etc/passwd", PASSWD)
        self.file("/etc/group", "root:x:0:\nftp:x:50:\nalice:x:1000:\n")

    def file(self, path: str, content: str | bytes, mode: int = 0o644) -> Path:
        target = self.path / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        target.chmod(mode)
        return target

    def link(self, path: str, target: str) -> None:
        where = self.path / path.lstrip("/")
        where.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, where)

    def unit(self, name: str, *, enabled: bool = True, wants: str = WANTS) -> None:
        self.file(f"{UNITS}/{name}", f"[Unit]\nDescription={name}\n")
        if enabled:
            self.link(f"{wants}/{name}", f"{UNITS}/{name}")

    def run(self, tmp: Path, *codes: str) -> BundleRun:
        run = run_bundle(
            self.path, tmp / f"work-{len(list(tmp.glob('work-*')))}", env={"CCE_ITEMS": " ".join(codes)}
        )
        assert run.returncode == 0, run.stderr
        return run


def status(run: BundleRun, code: str) -> str:
    return str(run.items[code]["status"])


@dataclass
class Verdict:
    status: str
    reason: str
    evidence: str


STATUS_WORDS = ("GOOD", "VULNERABLE", "MANUAL", "NOT_APPLICABLE", "ERROR")


def check(root: Root, code: str) -> Verdict:
    """Run one check function the way the runner's item process does, outside the runner."""
    fn = "check_" + code.replace("-", "_")
    script = f'for lib in "{BUNDLE_DIR}"/lib/*.sh; do . "$lib"; done; . "{BUNDLE_DIR}/checks/{code}.sh"; {fn}'
    proc = subprocess.run(
        ["sh", "-c", script],
        env={
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LC_ALL": "C",
            "CCE_ROOT": str(root.path),
            "CCE_STAGE": str(root.stage),
            "CCE_WORK": str(root.stage),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    decisions = [i for i, line in enumerate(lines) if line.split(":", 1)[0] in STATUS_WORDS]
    assert decisions, proc.stdout + proc.stderr
    first = lines[decisions[0]]
    word, _, reason = first.partition(": ")
    evidence = "\n".join(line for i, line in enumerate(lines) if i not in decisions)
    return Verdict(word, reason, evidence)


@pytest.fixture
def root(tmp_path: Path) -> Root:
    return Root(tmp_path)


def test_unit_enablement_links_masks_and_stale_links(root: Root, tmp_path: Path) -> None:
    # telnet: a socket linked in sockets.target.wants -> enabled
    root.unit("telnet.socket", wants="/etc/systemd/system/sockets.target.wants")
    # autofs: linked but masked in /etc -> not enabled
    root.unit("autofs.service")
    root.link("/etc/systemd/system/autofs.service", "/dev/null")
    # ypbind: a link left behind after the unit file was removed -> stale, not enabled
    root.link(f"{WANTS}/ypbind.service", f"{UNITS}/ypbind.service")
    # snmpd: unit installed but no link -> not enabled
    root.unit("snmpd.service", enabled=False)
    run = root.run(tmp_path, "U-41", "U-43", "U-52", "U-58")
    assert status(run, "U-52") == "VULNERABLE"
    assert "telnet.socket enabled" in run.items["U-52"]["reason"]
    assert status(run, "U-41") == "GOOD"
    assert "masked" in run.items["U-41"]["reason"]
    assert status(run, "U-43") == "GOOD"
    assert "stale link" in run.items["U-43"]["reason"]
    assert status(run, "U-58") == "GOOD"
    assert "installed, not enabled" in run.items["U-58"]["reason"]


def test_template_unit_instance_link_enables_the_service(root: Root) -> None:
    root.file(f"{UNITS}/vsftpd@.service", "[Unit]\nDescription=vsftpd %i\n")
    root.link(f"{WANTS}/vsftpd@site.service", f"{UNITS}/vsftpd@.service")
    root.file("/etc/vsftpd/vsftpd.conf", "local_enable=YES\n")
    verdict = check(root, "U-35")
    assert verdict.status == "VULNERABLE"
    assert "vsftpd@.service enabled" in verdict.evidence


def test_xinetd_services_follow_xinetd_semantics(root: Root) -> None:
    root.unit("xinetd.service")
    root.file(
        "/etc/xinetd.conf", "defaults\n{\n\tdisabled = echo-dgram\n}\nincludedir /etc/xinetd.d\n", 0o600
    )
    # no "disable" attribute: xinetd's default is enabled
    root.file("/etc/xinetd.d/finger", "service finger\n{\n\tsocket_type = stream\n}\n", 0o600)
    # a backup copy with a dot in its name is skipped by xinetd
    root.file("/etc/xinetd.d/telnet.rpmsave", "service telnet\n{\n\tdisable = no\n}\n", 0o600)
    # turned off by the defaults' disabled list (matched on the id)
    root.file("/etc/xinetd.d/echo-dgram", "service echo\n{\n\tid = echo-dgram\n\tdisable = no\n}\n", 0o600)
    root.file("/etc/xinetd.d/tftp", "service tftp\n{\n\tdisable\t= yes\n}\n", 0o600)
    assert [check(root, c).status for c in ("U-34", "U-38", "U-44", "U-52")] == [
        "VULNERABLE",
        "GOOD",
        "GOOD",
        "GOOD",
    ]


def test_xinetd_and_inetd_entries_do_not_count_while_their_daemon_is_disabled(root: Root) -> None:
    root.unit("xinetd.service", enabled=False)
    root.file("/etc/xinetd.d/telnet", "service telnet\n{\n\tdisable = no\n}\n", 0o600)
    root.unit("inetd.service", enabled=False)
    root.file(
        "/etc/inetd.conf",
        "#finger stream tcp nowait nobody /usr/sbin/in.fingerd in.fingerd\n"
        "shell stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.rshd\n",
    )
    assert check(root, "U-34").status == "GOOD"
    telnet, rsh = check(root, "U-52"), check(root, "U-36")
    assert (telnet.status, rsh.status) == ("GOOD", "GOOD")
    assert "xinetd is not enabled" in telnet.reason
    assert "inetd is not enabled" in rsh.reason


def test_sysv_script_with_s_link_is_enabled(root: Root) -> None:
    root.file("/etc/init.d/nis", "#!/bin/sh\n", 0o755)
    root.link("/etc/rc3.d/S20nis", "../init.d/nis")
    verdict = check(root, "U-43")
    assert verdict.status == "VULNERABLE"
    assert "sysv nis enabled" in verdict.reason


@pytest.mark.parametrize(
    ("conf", "expected"),
    [
        ("anonymous_enable=YES\nanonymous_enable=NO\n", "GOOD"),  # last assignment wins
        ("local_enable=YES\n", "VULNERABLE"),  # unset: vsftpd's built-in YES
        ("# anonymous_enable=NO\nanonymous_enable=yes\n", "VULNERABLE"),  # comment ignored, any case
        (" anonymous_enable=NO\n", "VULNERABLE"),  # vsftpd does not trim leading blanks
    ],
)
def test_vsftpd_anonymous_enable_is_read_as_vsftpd_reads_it(root: Root, conf: str, expected: str) -> None:
    root.unit("vsftpd.service")
    root.file("/etc/vsftpd/vsftpd.conf", conf)
    verdict = check(root, "U-35")
    assert verdict.status == expected, verdict.reason


@pytest.mark.parametrize(
    ("exports", "expected"),
    [
        ("/srv 10.0.0.0/24(rw)\n", "GOOD"),
        ("/srv 10.0.0.0/24 (rw)\n", "VULNERABLE"),  # the blank makes "(rw)" an export to the world
        ("/srv\n", "VULNERABLE"),  # no client at all: the world
        ("/srv 10.0.0.1(rw) \\\n  @admins(ro) # *(ro) removed\n", "GOOD"),  # continuation and comment
        ('"/srv/with space" -ro *\n', "VULNERABLE"),
    ],
)
def test_nfs_exports_are_read_as_exportfs_reads_them(root: Root, exports: str, expected: str) -> None:
    root.unit("nfs-server.service")
    root.file("/etc/exports", exports)
    verdict = check(root, "U-40")
    assert verdict.status == expected, verdict.reason


def test_nfs_export_file_mode_is_compared_as_bits(root: Root) -> None:
    root.unit("nfs-server.service")
    root.file("/etc/exports", "/srv 10.0.0.0/24(rw)\n", 0o077)
    verdict = check(root, "U-40")
    assert verdict.status == "VULNERABLE"
    assert "0077 exceeds 0644" in verdict.reason


NAMED_ZONE = 'zone "corp.example" IN {{ type master; file "corp.zone"; {extra} }};\n'


@pytest.mark.parametrize(
    ("options", "extra", "transfer", "update"),
    [
        ("", "", "VULNERABLE", "GOOD"),  # no allow-transfer: BIND's default any
        ("allow-transfer { none; };", "", "GOOD", "GOOD"),
        ("/* allow-transfer { any; }; */ allow-transfer { 10.0.0.2; };", "", "GOOD", "GOOD"),
        (
            "allow-transfer { none; };",
            "allow-transfer { any; }; allow-update { any; };",
            "VULNERABLE",
            "VULNERABLE",
        ),
        ("", 'allow-transfer { !10.0.0.1; wide; }; allow-update { key "k"; };', "VULNERABLE", "GOOD"),
        ("allow-transfer { none; };", "update-policy local; allow-transfer { key k; };", "GOOD", "GOOD"),
        # an open allow-update in options reaches every primary zone, the local ones included
        ("allow-transfer { none; }; allow-update { wide; };", "", "GOOD", "VULNERABLE"),
    ],
)
def test_named_conf_transfer_and_update_lists(
    root: Root, options: str, extra: str, transfer: str, update: str
) -> None:
    root.unit("named.service")
    root.file(
        "/etc/named.conf",
        "acl wide { any; };\n"
        f'options {{\n\tdirectory "/var/named"; // comment\n\t{options}\n}};\n'
        'include "/etc/named.zones";\n',
    )
    root.file(
        "/etc/named.zones",
        'zone "localhost" IN { type master; file "named.localhost"; };\n' + NAMED_ZONE.format(extra=extra),
    )
    assert check(root, "U-49").status == "MANUAL"
    verdict = check(root, "U-50")
    assert verdict.status == transfer, verdict.reason
    verdict = check(root, "U-51")
    assert verdict.status == update, verdict.reason


@pytest.mark.parametrize(
    ("version", "expected", "said"),
    [
        (
            "1:9.20.11-4",
            "GOOD",
            "absent allow-transfer means none: BIND 9.20.11 (bind9 1:9.20.11-4 per dpkg)",
        ),
        ("1:9.18.28-1~deb12u2", "VULNERABLE", "absent allow-transfer means any: BIND 9.18.28"),
        (None, "VULNERABLE", "BIND version unknown (no package database readable here)"),
    ],
)
def test_named_absent_allow_transfer_takes_the_installed_bind_default(
    root: Root, version: str | None, expected: str, said: str
) -> None:
    # BIND 9.20 refuses zone transfers unless allow-transfer is set; before it, the default is any
    root.unit("named.service")
    root.file("/etc/named.conf", 'options { directory "/var/named"; };\n' + NAMED_ZONE.format(extra=""))
    if version is not None:
        root.file(
            "/var/lib/dpkg/status", f"Package: bind9\nStatus: install ok installed\nVersion: {version}\n"
        )
    verdict = check(root, "U-50")
    assert verdict.status == expected, verdict.reason
    assert said in verdict.evidence


def test_postfix_main_cf_continuation_lines_and_last_definition(root: Root) -> None:
    root.unit("postfix.service")
    root.file(
        "/etc/postfix/main.cf",
        "disable_vrfy_command = no\n# disable_vrfy_command = no\ndisable_vrfy_command = yes\n"
        "smtpd_relay_restrictions =\nsmtpd_recipient_restrictions =\n    permit_mynetworks,\n"
        "    reject_unauth_destination\n",
    )
    assert check(root, "U-47").status == "GOOD"
    assert check(root, "U-48").status == "GOOD"


def test_postfix_permit_before_reject_is_an_open_relay(root: Root) -> None:
    root.unit("postfix.service")
    root.file(
        "/etc/postfix/main.cf",
        "smtpd_relay_restrictions = permit, defer_unauth_destination\nsmtpd_recipient_restrictions =\n",
    )
    assert check(root, "U-47").status == "VULNERABLE"


def test_sendmail_privacy_options_accumulate_over_lines(root: Root) -> None:
    root.unit("sendmail.service")
    root.file("/etc/mail/sendmail.cf", "O PrivacyOptions=novrfy\nO PrivacyOptions=noexpn, restrictqrun\n")
    assert check(root, "U-46").status == "GOOD"
    assert check(root, "U-48").status == "GOOD"


def test_snmp_community_never_appears_in_the_result(root: Root, tmp_path: Path) -> None:
    secret = "Zq9w-Secret-Community"
    root.unit("snmpd.service")
    root.file(
        "/etc/snmp/snmpd.conf",
        f"agentAddress udp:161\nrocommunity {secret} 10.0.0.0/8\nrocommunity public\n"
        f'com2sec local default {secret}x\ncreateUser ops SHA "{secret}y" AES\n',
        0o600,
    )
    run = root.run(tmp_path, "U-58", "U-59", "U-60", "U-61")
    assert [status(run, c) for c in ("U-58", "U-59", "U-60", "U-61")] == ["VULNERABLE"] * 4
    assert run.tar_path is not None
    assert secret.encode() not in run.tar_path.read_bytes()
    assert "public" not in run.evidence.get("U-60", "") + run.items["U-60"]["reason"]
    assert "a default name" in run.evidence["U-60"]


def test_snmp_agent_on_loopback_only_is_access_controlled(root: Root) -> None:
    root.unit("snmpd.service")
    root.file(
        "/etc/snmp/snmpd.conf", "agentaddress 127.0.0.1,[::1]\nrocommunity public default -V systemonly\n"
    )
    assert check(root, "U-61").status == "GOOD"


def test_rsyslog_selector_semantics_decide_logging_coverage(root: Root) -> None:
    root.unit("rsyslog.service")
    root.file(
        "/etc/rsyslog.conf",
        "$IncludeConfig /etc/rsyslog.d/*.conf\n*.info;mail.none;authpriv.none;cron.none /var/log/messages\n",
    )
    root.file("/etc/rsyslog.d/10-auth.conf", "authpriv.* /var/log/secure\nmail.* -/var/log/maillog\n")
    verdict = check(root, "U-66")
    assert verdict.status == "MANUAL"  # cron is logged nowhere, journald absent
    assert "cron" in verdict.reason


def test_journald_persistent_drop_in_is_persistent_logging(root: Root) -> None:
    root.file("/usr/lib/systemd/systemd-journald", "", 0o755)
    root.file("/etc/systemd/journald.conf", "[Journal]\nStorage=volatile\n")
    root.file("/etc/systemd/journald.conf.d/90-keep.conf", "[Journal]\nStorage=persistent\n")
    assert check(root, "U-66").status == "GOOD"


def test_time_sync_sources_from_chrony_drop_ins(root: Root) -> None:
    root.unit("chronyd.service")
    root.file("/etc/chrony.conf", "#server old.example\nconfdir /etc/chrony.d\n")
    root.file("/etc/chrony.d/site.conf", "server ntp.corp.example iburst\n")
    verdict = check(root, "U-65")
    assert verdict.status == "GOOD"
    assert "ntp.corp.example" in verdict.reason


def test_crontab_other_execute_and_cron_file_modes(root: Root) -> None:
    root.file("/usr/bin/crontab", "", 0o755)
    root.file("/etc/crontab", "SHELL=/bin/sh\n", 0o600)
    verdict = check(root, "U-37")
    assert verdict.status == "VULNERABLE"
    assert "/usr/bin/crontab is executable by other users" in verdict.reason


def test_a_cron_d_file_of_another_package_without_cron_or_at_installed_is_not_applicable(root: Root) -> None:
    # Debian 11 and 12 minimal: e2fsprogs ships /etc/cron.d/e2scrub_all (0644), but with no cron
    # daemon and no crontab or at command nothing ever reads it.
    root.file(
        "/etc/cron.d/e2scrub_all", "30 3 * * 0 root test -e /run/systemd/system || e2scrub_all\n", 0o644
    )
    verdict = check(root, "U-37")
    assert verdict.status == "NOT_APPLICABLE"
    root.file("/usr/sbin/cron", "", 0o755)  # the daemon installed: the file is read, and judged
    (root.stage / "walk.tsv").unlink(missing_ok=True)
    verdict = check(root, "U-37")
    assert verdict.status == "VULNERABLE"
    assert "/etc/cron.d/e2scrub_all mode 0644 exceeds 0640" in verdict.reason


def test_sudoers_includedir_skips_names_with_a_dot(root: Root) -> None:
    root.file("/etc/sudoers", "root ALL=(ALL) ALL\n@includedir /etc/sudoers.d\n", 0o440)
    root.file("/etc/sudoers.d/README.txt", "ignored by sudo\n", 0o664)
    root.file("/etc/sudoers.d/ops", "%ops ALL=(ALL) ALL\n", 0o440)
    assert check(root, "U-63").status == "GOOD"
    root.file("/etc/sudoers.d/ops", "%ops ALL=(ALL) ALL\n", 0o640 | 0o020)
    assert check(root, "U-63").status == "VULNERABLE"


@pytest.mark.skipif(os.geteuid() != 0, reason="file owners need root")
def test_log_files_must_belong_to_root_even_in_a_service_subdirectory(root: Root) -> None:
    # The guide: log files owned by root, 644 or less; a service's own account does not count.
    root.file("/etc/passwd", PASSWD + "postgres:x:101:104::/var/lib/postgresql:/bin/bash\n")
    log_dir = root.path / "var/log/postgresql"
    log_dir.mkdir(parents=True)
    os.chown(log_dir, 0, 104)
    log_dir.chmod(0o1775)
    log = root.file("/var/log/postgresql/main.log", "", 0o640)
    os.chown(log, 101, 4)
    verdict = check(root, "U-67")
    assert verdict.status == "VULNERABLE"
    assert "/var/log/postgresql/main.log owner uid 101" in verdict.reason
    os.chown(log, 0, 4)
    root.file("/var/log/wtmp", "", 0o664)
    (root.stage / "walk.tsv").unlink()
    verdict = check(root, "U-67")
    assert verdict.status == "VULNERABLE"
    assert "/var/log/wtmp mode 0664" in verdict.reason
    (root.stage / "walk.tsv").unlink()
    (root.path / "var/log/wtmp").chmod(0o644)
    assert check(root, "U-67").status == "GOOD"


@pytest.mark.skipif(os.geteuid() != 0, reason="file owners need root")
def test_log_files_written_by_rsyslogs_own_account_are_not_owned_by_root(root: Root) -> None:
    # Ubuntu's rsyslog drops to syslog and creates its files as syslog:adm 0640.
    root.file("/etc/passwd", PASSWD + "syslog:x:104:110::/nonexistent:/usr/sbin/nologin\n")
    root.file("/etc/rsyslog.conf", "$PrivDropToUser syslog\n$FileOwner syslog\n*.* /var/log/syslog\n")
    log = root.file("/var/log/syslog", "", 0o640)
    os.chown(log, 104, 4)
    verdict = check(root, "U-67")
    assert verdict.status == "VULNERABLE"
    assert "/var/log/syslog owner uid 104" in verdict.reason
    assert "rsyslog writes its files as syslog(uid 104)" in verdict.evidence


def test_nothing_installed_gives_not_applicable_or_good(root: Root, tmp_path: Path) -> None:
    codes = [f"U-{n}" for n in range(34, 68)]
    run = root.run(tmp_path, *codes)
    statuses = {c: status(run, c) for c in codes}
    assert statuses["U-64"] == "MANUAL"
    assert all(s in ("GOOD", "NOT_APPLICABLE", "MANUAL", "VULNERABLE") for s in statuses.values()), statuses
    # with no daemon at all, only the time-sync, logging and banner items can fail
    assert {c for c, s in statuses.items() if s == "VULNERABLE"} <= {"U-62", "U-65", "U-66"}


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage", "loop", "huge"])
def test_damaged_configuration_files_never_crash_an_item(root: Root, tmp_path: Path, damage: str) -> None:
    for unit in (
        "vsftpd.service",
        "named.service",
        "snmpd.service",
        "postfix.service",
        "nfs-server.service",
        "rsyslog.service",
        "chronyd.service",
    ):
        root.unit(unit)
    paths = [
        "/etc/vsftpd/vsftpd.conf",
        "/etc/named.conf",
        "/etc/snmp/snmpd.conf",
        "/etc/postfix/main.cf",
        "/etc/exports",
        "/etc/rsyslog.conf",
        "/etc/chrony.conf",
    ]
    for path in paths:
        target = root.path / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if damage == "garbage":
            target.write_bytes(bytes(range(256)) * 8 + b'\n{{{;;"unterminated /* \n\x00\xff')
        elif damage == "loop":
            os.symlink(target.name, target)
        elif damage == "directory":
            target.mkdir()
        else:
            target.write_bytes(b"# padding line\n" * 400_000)
    codes = ["U-35", "U-40", "U-45", "U-47", "U-48", "U-50", "U-51", "U-53", "U-54", "U-57", "U-59", "U-60"]
    codes += ["U-61", "U-65", "U-66"]
    run = root.run(tmp_path, *codes)
    for code in codes:
        reason = str(run.items[code]["reason"])
        assert not reason.startswith(("check failed", "timed out", "check made no decision")), (code, reason)
    if damage == "loop":
        # a configuration that cannot be read is an ERROR that says which file, never a verdict
        for code in ("U-35", "U-50", "U-59", "U-47"):
            assert status(run, code) == "ERROR", (code, run.items[code]["reason"])


@pytest.mark.slow
def test_live_root_every_service_item_decides(tmp_path: Path) -> None:
    codes = [f"U-{n}" for n in range(34, 68)]
    run = run_bundle(Path("/"), tmp_path / "work", env={"CCE_ITEMS": " ".join(codes)})
    assert run.returncode == 0, run.stderr
    undecided = {c: run.items[c]["reason"] for c in codes if run.items[c]["status"] == "ERROR"}
    assert not undecided
    assert run.items["U-64"]["status"] == "MANUAL"
    assert "running kernel" in str(run.items["U-64"]["reason"])
