"""The file and directory items (U-14..U-33) on small roots built per test, through the real bundle.

Each test writes a minimal root (passwd, group and the files under test) into a temporary
directory, runs ``script.sh`` on it with ``CCE_ITEMS`` limited to the items it asserts, and reads
the verdicts from the result tar. The fixture roots (test_golden) cover whole distributions; these
cover the rules one edge at a time.
"""

# ruff: noqa: S103  # permissive modes are what these roots are made of
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bundle.runner import SCRIPT, BundleRun, run_bundle

PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "bin:x:1:1:bin:/bin:/sbin/nologin\n"
    "sys:x:3:3:sys:/dev:/usr/sbin/nologin\n"
    "alice:x:1000:1000::/home/alice:/bin/bash\n"
)
GROUP = "root:x:0:\nbin:x:1:\nsys:x:3:\nshadow:x:42:\nalice:x:1000:\n"


def make_root(base: Path, files: dict[str, str] | None = None) -> Path:
    """A root with passwd/group, /root and alice's home, plus ``files`` (path -> content)."""
    root = base / "root"
    for d in ("etc", "root", "home/alice", "tmp", "dev"):
        (root / d).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "root", 0o700)
    os.chmod(root / "home/alice", 0o700)
    os.chown(root / "home/alice", 1000, 1000)
    (root / "etc/passwd").write_text(PASSWD)
    (root / "etc/group").write_text(GROUP)
    for path, content in (files or {}).items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return root


@dataclass
class Verdict:
    """One item's decision, read from the files the runner's item mode writes."""

    status: str
    reason: str
    evidence: str


def run_check(root: Path, work: Path, code: str) -> Verdict:
    """Run one check in the runner's item mode (``script.sh --item CODE``): one process, no tar."""
    item_dir = work / "item"
    item_dir.mkdir(parents=True)
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LC_ALL": "C",
        "CCE_ROOT": str(root.resolve()),
        "CCE_STAGE": str(work),
        "CCE_WORK": str(work),
        "CCE_ITEM_DIR": str(item_dir),
    }
    proc = subprocess.run(
        ["sh", str(SCRIPT), "--item", code],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr

    def read(name: str) -> str:
        path = item_dir / name
        return path.read_text() if path.exists() else ""

    return Verdict(read("status").strip(), read("reason").strip(), read("evidence"))


def run_items(root: Path, work: Path, *codes: str) -> BundleRun:
    run = run_bundle(root, work, env={"CCE_ITEMS": " ".join(codes)}, timeout=120)
    assert run.returncode == 0, run.stderr
    return run


def status(run: BundleRun, code: str) -> str:
    return str(run.items[code]["status"])


pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="owners and modes need root privileges")


def test_permission_bits_are_compared_as_bits_not_numbers(tmp_path: Path) -> None:
    # 0077 is "less than 644" as a number but grants group and other write.
    root = make_root(tmp_path, {"/etc/hosts": "127.0.0.1 localhost\n", "/etc/services": "ssh 22/tcp\n"})
    os.chmod(root / "etc/passwd", 0o644)
    os.chmod(root / "etc/hosts", 0o077)
    os.chmod(root / "etc/services", 0o4644)
    run = run_items(root, tmp_path / "w", "U-16", "U-19", "U-22")
    assert status(run, "U-16") == "GOOD"
    assert status(run, "U-19") == "VULNERABLE"
    assert "0077 exceeds 0644" in run.evidence["U-19"]
    assert status(run, "U-22") == "VULNERABLE"


def test_owners_bin_and_sys_are_resolved_through_the_scanned_passwd(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/etc/services": "ssh 22/tcp\n", "/etc/rsyslog.conf": "*.* /var/log/all\n"})
    os.chown(root / "etc/services", 3, 0)  # sys in this root's passwd
    os.chmod(root / "etc/rsyslog.conf", 0o640)
    os.chown(root / "etc/rsyslog.conf", 1000, 0)  # alice: not permitted
    run = run_items(root, tmp_path / "w", "U-21", "U-22")
    assert status(run, "U-22") == "GOOD"
    assert "sys(3)" in run.items["U-22"]["reason"]
    assert status(run, "U-21") == "VULNERABLE"


def test_absolute_links_resolve_inside_the_offline_root(tmp_path: Path) -> None:
    # /etc/hosts -> /srv/hosts.real: the target inside the root decides, never the host's file.
    root = make_root(tmp_path, {"/srv/hosts.real": "127.0.0.1 localhost\n"})
    os.chmod(root / "srv/hosts.real", 0o666)
    (root / "etc/hosts").symlink_to("/srv/hosts.real")
    got = run_check(root, tmp_path / "w", "U-19")
    assert got.status == "VULNERABLE"
    assert "link to /srv/hosts.real" in got.evidence


def test_a_link_loop_on_passwd_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "etc/passwd").unlink()
    (root / "etc/passwd").symlink_to("passwd")
    got = run_check(root, tmp_path / "w", "U-16")
    assert got.status == "ERROR"


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("PATH=.:$PATH", "VULNERABLE"),
        ("PATH=$PATH:.", "GOOD"),
        ("PATH=/usr/bin::/bin", "VULNERABLE"),
        ("PATH=$PATH:", "GOOD"),
        ('export PATH="bin:/usr/bin:/bin"', "VULNERABLE"),
        ("setenv PATH /usr/bin:.:/bin", "VULNERABLE"),
        ("pathmunge . after", "GOOD"),
        ("pathmunge .", "VULNERABLE"),
    ],
)
def test_root_path_dot_allowed_only_at_the_end(tmp_path: Path, line: str, want: str) -> None:
    root = make_root(tmp_path, {"/root/.bash_profile": line + "\n"})
    got = run_check(root, tmp_path / "w", "U-14")
    assert got.status == want, got.reason


def test_root_path_composed_over_files_catches_a_dot_moved_to_the_middle(tmp_path: Path) -> None:
    # Each line alone is fine; together "." ends up before /opt/bin.
    root = make_root(tmp_path, {"/etc/profile": "PATH=$PATH:.\n", "/root/.bashrc": "PATH=$PATH:/opt/bin\n"})
    got = run_check(root, tmp_path / "w", "U-14")
    assert got.status == "VULNERABLE"
    assert "composed" in got.reason


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("umask 022", "GOOD"),
        ("umask 0077", "GOOD"),
        ("umask 027", "GOOD"),
        ("umask 002", "VULNERABLE"),
        ("umask 007", "VULNERABLE"),
        ("umask 030", "VULNERABLE"),  # numerically above 022, yet other-write stays open
        ("umask u=rwx,g=rx,o=rx", "GOOD"),
        ("umask u=rwx,g=rwx,o=rx", "VULNERABLE"),
    ],
)
def test_umask_is_judged_by_its_bits(tmp_path: Path, line: str, want: str) -> None:
    root = make_root(tmp_path, {"/etc/profile": line + "\n", "/etc/login.defs": "UMASK 022\n"})
    got = run_check(root, tmp_path / "w", "U-30")
    assert got.status == want, got.reason


def test_no_umask_set_anywhere_is_vulnerable(tmp_path: Path) -> None:
    # Debian 13's login.defs has no UMASK; the guide's fix is to set 022 there.
    root = make_root(tmp_path, {"/etc/login.defs": "PASS_MAX_DAYS 90\n", "/etc/profile": "PATH=/usr/bin\n"})
    got = run_check(root, tmp_path / "w", "U-30")
    assert got.status == "VULNERABLE"
    assert "no login umask is set" in got.reason
    (root / "etc/login.defs").write_text("UMASK 022\n")
    assert run_check(root, tmp_path / "w2", "U-30").status == "GOOD"


UPG_SESSION = "session optional pam_umask.so\n"


@pytest.mark.parametrize(
    ("files", "want"),
    [
        # Debian: pam_umask reads USERGROUPS_ENAB and gives private-group users 002 (077 -> 007).
        (
            {"/etc/login.defs": "UMASK 077\nUSERGROUPS_ENAB yes\n", "/etc/pam.d/common-session": UPG_SESSION},
            "VULNERABLE",
        ),
        (
            {"/etc/login.defs": "UMASK 022\nUSERGROUPS_ENAB no\n", "/etc/pam.d/common-session": UPG_SESSION},
            "GOOD",
        ),
        (
            {
                "/etc/login.defs": "UMASK 027\n",
                "/etc/pam.d/postlogin": "session optional pam_umask.so usergroups\n",
            },
            "VULNERABLE",
        ),
        (
            {
                "/etc/login.defs": "UMASK 027\nUSERGROUPS_ENAB yes\n",
                "/etc/pam.d/x": "session optional pam_umask.so nousergroups\n",
            },
            "GOOD",
        ),
        # USERGROUPS_ENAB without pam_umask changes no umask (useradd's group creation only).
        ({"/etc/login.defs": "UMASK 022\nUSERGROUPS_ENAB yes\n"}, "GOOD"),
        # RHEL's /etc/bashrc branch for UID >= 200 with the same user and group name: the same rule.
        (
            {
                "/etc/login.defs": "UMASK 022\n",
                "/etc/bashrc": 'if [ $UID -gt 199 ] && [ "`id -gn`" = "`id -un`" ]; then\n    umask 002\nelse\n'
                "    umask 022\nfi\n",
            },
            "VULNERABLE",
        ),
    ],
)
def test_user_private_group_umasks_follow_one_rule_on_every_distribution(
    tmp_path: Path, files: dict[str, str], want: str
) -> None:
    got = run_check(make_root(tmp_path, files), tmp_path / "w", "U-30")
    assert got.status == want, got.reason
    if want == "VULNERABLE" and "/etc/bashrc" not in files:
        assert "pam_umask for user private groups" in got.reason


def enable_unit(root: Path, name: str) -> None:
    unit = root / "usr/lib/systemd/system" / name
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text("[Service]\n")
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    (wants / name).symlink_to(f"/usr/lib/systemd/system/{name}")


@pytest.mark.parametrize(
    ("unit", "path", "conf", "want"),
    [
        ("vsftpd.service", "/etc/vsftpd.conf", "listen=YES\nlocal_umask=002\n", "VULNERABLE"),
        ("vsftpd.service", "/etc/vsftpd.conf", "listen=YES\nlocal_umask=022\n", "GOOD"),
        ("vsftpd.service", "/etc/vsftpd.conf", "listen=YES\n#local_umask=000\n", "GOOD"),  # default 077
        ("proftpd.service", "/etc/proftpd/proftpd.conf", "Umask 022 002\n", "VULNERABLE"),
        (
            "proftpd.service",
            "/etc/proftpd/proftpd.conf",
            "<Anonymous ~ftp>\n  Umask 000\n</Anonymous>\n",
            "VULNERABLE",
        ),
        ("proftpd.service", "/etc/proftpd/proftpd.conf", "Umask 022 022\n", "GOOD"),
    ],
)
def test_ftp_server_umask_is_judged_when_the_server_is_enabled(
    tmp_path: Path, unit: str, path: str, conf: str, want: str
) -> None:
    root = make_root(tmp_path, {"/etc/login.defs": "UMASK 022\n", path: conf})
    assert run_check(root, tmp_path / "w", "U-30").status == "GOOD"  # server not enabled: not read
    enable_unit(root, unit)
    got = run_check(root, tmp_path / "w2", "U-30")
    assert got.status == want, got.reason
    if want == "VULNERABLE":
        assert f"FTP {path}" in got.reason


def test_systemd_system_conf_needs_600_as_the_guide_has_it(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/etc/systemd/system.conf": "[Manager]\n"})
    os.chmod(root / "etc/systemd/system.conf", 0o644)  # what every distribution ships
    got = run_check(root, tmp_path / "w", "U-20")
    assert got.status == "VULNERABLE"
    assert "0644 exceeds 0600" in got.evidence
    os.chmod(root / "etc/systemd/system.conf", 0o600)
    assert run_check(root, tmp_path / "w2", "U-20").status == "GOOD"


def test_garbage_and_huge_startup_files_do_not_crash_or_stall(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "etc/profile").write_bytes(os.urandom(64 * 1024) + b"\nPATH=.:$PATH\n")
    (root / "etc/bashrc").write_bytes(b"umask 022\n" * 600_000)  # ~6 MB
    run = run_items(root, tmp_path / "w", "U-14", "U-30")
    assert status(run, "U-14") in ("GOOD", "VULNERABLE")
    assert status(run, "U-30") == "GOOD"
    assert run.items["U-14"]["duration_ms"] < 5000
    assert run.items["U-30"]["duration_ms"] < 5000


def test_walk_items_share_one_walk_and_judge_suid_world_writable_dev_and_orphans(tmp_path: Path) -> None:
    root = make_root(
        tmp_path,
        {
            "/usr/bin/passwd": "",
            "/home/alice/tool": "",
            "/var/lib/docker/overlay2/ab12/diff/usr/bin/su": "",
            "/etc/motd": "hi\n",
            "/var/tmp/scratch": "",
            "/dev/fake0": "",
            "/srv/orphan": "",
        },
    )
    os.chmod(root / "usr/bin/passwd", 0o4755)
    os.chmod(root / "home/alice/tool", 0o4755)
    os.chmod(root / "var/lib/docker/overlay2/ab12/diff/usr/bin/su", 0o4755)
    os.chmod(root / "etc/motd", 0o666)
    os.chmod(root / "var/tmp/scratch", 0o666)
    os.chown(root / "srv/orphan", 4242, 0)
    run = run_items(root, tmp_path / "w", "U-15", "U-23", "U-25", "U-26", "U-33")
    assert run.meta["walk"]["count"] == 1
    assert status(run, "U-15") == "VULNERABLE"
    assert "/srv/orphan" in run.evidence["U-15"]
    assert status(run, "U-23") == "VULNERABLE"
    assert "/home/alice/tool" in run.items["U-23"]["reason"]
    assert "overlay2/ab12/diff/usr/bin/su" not in run.items["U-23"]["reason"]  # judged as /usr/bin/su
    assert status(run, "U-25") == "VULNERABLE"  # /etc/motd
    assert "review: /var/tmp/scratch" in run.evidence["U-25"]
    assert status(run, "U-26") == "VULNERABLE"
    assert status(run, "U-33") == "GOOD"


def test_suid_only_in_system_directories_needs_policy(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/usr/bin/passwd": "", "/usr/bin/newtool": ""})
    os.chmod(root / "usr/bin/passwd", 0o4755)
    os.chmod(root / "usr/bin/newtool", 0o2755)
    run = run_items(root, tmp_path / "w", "U-23", "U-25")
    assert status(run, "U-23") == "MANUAL"
    assert "not in the usual set: /usr/bin/newtool" in run.evidence["U-23"]
    assert status(run, "U-25") == "GOOD"


def test_orphans_with_a_directory_name_service_offline_need_a_person(tmp_path: Path) -> None:
    root = make_root(
        tmp_path, {"/etc/nsswitch.conf": "passwd: files sss\ngroup: files sss\n", "/srv/data": ""}
    )
    os.chown(root / "srv/data", 70001, 70001)
    got = run_check(root, tmp_path / "w", "U-15")
    assert got.status == "MANUAL"


def test_hidden_files_usual_dotfiles_pass_and_dot_names_are_suspicious(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/home/alice/.bashrc": "", "/opt/app/.env": "", "/var/tmp/.../x": ""})
    got = run_check(root, tmp_path / "w", "U-33")
    assert got.status == "VULNERABLE"
    assert "/var/tmp/..." in got.reason
    assert "review: /opt/app/.env" in got.evidence
    assert "/home/alice/.bashrc" not in got.evidence


def test_the_at_job_sequence_file_is_expected_on_debian_and_rhel(tmp_path: Path) -> None:
    # at's package creates its job counter .SEQ in its spool (Debian: /var/spool/cron/atjobs, by
    # at.postinst; the RHEL family: /var/spool/at), so the package database does not list it.
    root = make_root(tmp_path, {"/var/spool/cron/atjobs/.SEQ": "0\n", "/var/spool/at/.SEQ": "0\n"})
    got = run_check(root, tmp_path / "w", "U-33")
    assert got.status == "GOOD"
    assert ".SEQ" not in got.evidence


def test_home_directories_owner_numeric_and_other_write(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    with (root / "etc/passwd").open("a") as fh:
        fh.write("bob:x:01001:1000::/home/bob:/bin/bash\ncarol:x:1002:1000::/home/carol:/bin/bash\n")
        fh.write("dave:x:1003:1000::/home/dave:/bin/bash\n")
    (root / "home/bob").mkdir()
    os.chown(root / "home/bob", 1001, 1000)  # UID "01001" is 1001
    (root / "home/carol").mkdir()
    os.chown(root / "home/carol", 1002, 1000)
    os.chmod(root / "home/carol", 0o757)
    run = run_items(root, tmp_path / "w", "U-31", "U-32")
    assert status(run, "U-31") == "VULNERABLE"
    assert "carol" in run.items["U-31"]["reason"]
    assert "bob" not in run.items["U-31"]["reason"]
    assert status(run, "U-32") == "VULNERABLE"
    assert "dave" in run.items["U-32"]["reason"]


def test_rhosts_plus_matters_only_when_r_services_are_in_use(tmp_path: Path) -> None:
    root = make_root(tmp_path, {"/home/alice/.rhosts": "+ +\n"})
    os.chmod(root / "home/alice/.rhosts", 0o600)
    os.chown(root / "home/alice/.rhosts", 1000, 1000)
    assert run_check(root, tmp_path / "w", "U-27").status == "GOOD"
    (root / "etc/pam.d").mkdir()
    (root / "etc/pam.d/rsh").write_text("auth required pam_rhosts.so\n")
    got = run_check(root, tmp_path / "w2", "U-27")
    assert got.status == "VULNERABLE"
    assert '"+" at line 1' in got.evidence


def test_startup_units_writable_by_users_and_masked_units(tmp_path: Path) -> None:
    root = make_root(
        tmp_path,
        {"/usr/lib/systemd/system/good.service": "[Service]\n", "/opt/app/app.service": "[Service]\n"},
    )
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    (root / "etc/systemd/system/masked.service").symlink_to("/dev/null")
    (wants / "good.service").symlink_to("/usr/lib/systemd/system/good.service")
    assert run_check(root, tmp_path / "w", "U-17").status == "GOOD"
    (wants / "app.service").symlink_to("/opt/app/app.service")
    os.chown(root / "opt/app/app.service", 1000, 1000)
    got = run_check(root, tmp_path / "w2", "U-17")
    assert got.status == "VULNERABLE"
    assert "/opt/app/app.service" in got.reason


def test_many_startup_units_are_judged_in_well_under_the_item_time_limit(tmp_path: Path) -> None:
    # Real hosts hold hundreds of units and wants links: one stat call, no per-file process.
    root = make_root(tmp_path)
    units = root / "usr/lib/systemd/system"
    wants = root / "etc/systemd/system/multi-user.target.wants"
    units.mkdir(parents=True)
    wants.mkdir(parents=True)
    for n in range(1500):
        (units / f"svc{n}.service").write_text("[Service]\n")
        if n % 3 == 0:
            (wants / f"svc{n}.service").symlink_to(f"/usr/lib/systemd/system/svc{n}.service")
    os.chmod(units / "svc1499.service", 0o666)
    start = time.monotonic()
    got = run_check(root, tmp_path / "w", "U-17")
    assert time.monotonic() - start < 8  # the runner kills an item after 10 s
    assert got.status == "VULNERABLE"
    assert "svc1499.service" in got.reason
    assert "svc1498.service" not in got.reason
