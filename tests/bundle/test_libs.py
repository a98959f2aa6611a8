"""Topic helpers on hand-made roots: sshd first-match with Include and Match, the PAM include
graph with loops, lockout thresholds, pwquality precedence and login.defs last-wins."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.bundle.runner import BUNDLE_DIR


def call(root: Path, expression: str) -> str:
    libs = " ".join(f'. "{p}";' for p in sorted((BUNDLE_DIR / "lib").glob("*.sh")))
    proc = subprocess.run(
        ["sh", "-c", f"{libs} {expression}"],
        env={"PATH": "/usr/bin:/bin", "CCE_ROOT": str(root)},
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return proc.stdout.strip()


def write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_sshd_value_is_the_first_global_one_through_sorted_includes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "/etc/ssh/sshd_config",
        "Include sshd_config.d/*.conf\nPermitRootLogin yes\nMaxAuthTries 9\n"
        "Match User bob\n  MaxAuthTries 2\nMatch all\nX11Forwarding yes\n",
    )
    write(tmp_path, "/etc/ssh/sshd_config.d/20-b.conf", "PermitRootLogin without-password\n")
    write(
        tmp_path, "/etc/ssh/sshd_config.d/10-a.conf", 'permitrootlogin = "no"\nInclude /etc/ssh/sshd_config\n'
    )
    assert call(tmp_path, "cce_sshd_value PermitRootLogin") == "no"
    assert call(tmp_path, "cce_sshd_where PermitRootLogin") == "/etc/ssh/sshd_config.d/10-a.conf:1"
    assert call(tmp_path, "cce_sshd_value MaxAuthTries") == "9"
    assert call(tmp_path, "cce_sshd_value X11Forwarding") == "yes"  # after "Match all": global again
    assert call(tmp_path, "cce_sshd_value Banner") == "none"  # OpenSSH default
    assert call(tmp_path, "cce_sshd_where Banner") == "OpenSSH default"


def test_pam_stack_follows_includes_substacks_and_stops_on_loops(tmp_path: Path) -> None:
    write(
        tmp_path, "/etc/pam.d/login", "auth include common\n-session optional pam_systemd.so\n@include loop\n"
    )
    write(
        tmp_path,
        "/etc/pam.d/common",
        "auth [success=1 default=ignore] pam_unix.so nullok\npassword required pam_deny.so\n",
    )
    write(tmp_path, "/etc/pam.d/loop", "@include loop\naccount required pam_permit.so\n")
    stack = call(tmp_path, "cce_pam_stack login").splitlines()
    rows = [line.split("\t") for line in stack]
    assert rows[0][:4] == ["auth", "[success=1 default=ignore]", "pam_unix.so", "nullok"]
    assert all(r[0] != "password" for r in rows)  # include pulls only the rule's own type
    assert rows[1][:4] == ["session", "optional", "pam_systemd.so", ""]
    assert len(rows) < 40  # the self-include is cut at depth 10
    assert call(tmp_path, "cce_pam_has login account pam_permit.so && echo yes") == "yes"
    assert call(tmp_path, "cce_pam_stack missing || echo none") == "none"


def test_lockout_reads_args_then_faillock_conf_then_the_default(tmp_path: Path) -> None:
    write(
        tmp_path,
        "/etc/pam.d/common-auth",
        "auth required pam_faillock.so preauth\nauth required pam_unix.so\n"
        "auth [default=die] pam_faillock.so authfail\n",
    )
    assert call(tmp_path, "cce_lockout_deny").startswith("pam_faillock.so 3 ")
    write(tmp_path, "/etc/security/faillock.conf", "# deny = 1\ndeny = 7\n")
    assert call(tmp_path, "cce_lockout_deny").startswith("pam_faillock.so 7 ")
    write(tmp_path, "/etc/pam.d/common-auth", "auth required pam_faillock.so authfail deny=4\n")
    assert call(tmp_path, "cce_lockout_deny").startswith("pam_faillock.so 4 ")
    write(tmp_path, "/etc/pam.d/common-auth", "auth required pam_tally2.so onerr=fail\n")
    assert call(tmp_path, "cce_lockout_deny").startswith("pam_tally2.so 0 ")


def test_pwquality_module_arguments_beat_the_main_file_which_beats_conf_d(tmp_path: Path) -> None:
    write(tmp_path, "/etc/pam.d/system-auth", "password requisite pam_pwquality.so retry=3 minclass=2\n")
    write(tmp_path, "/etc/security/pwquality.conf.d/50-a.conf", "minlen = 14\ndcredit = -2\n")
    write(tmp_path, "/etc/security/pwquality.conf", "minlen = 10\n")
    assert call(tmp_path, "cce_pwquality minlen") == "10"
    assert call(tmp_path, "cce_pwquality dcredit") == "-2"
    assert call(tmp_path, "cce_pwquality minclass") == "2"
    assert call(tmp_path, "cce_pwquality ocredit || echo unset") == "unset"


def test_login_defs_last_value_wins_and_comments_do_not_count(tmp_path: Path) -> None:
    write(tmp_path, "/etc/login.defs", "PASS_MAX_DAYS 99999\n#PASS_MAX_DAYS 30\nPASS_MAX_DAYS\t60\n")
    assert call(tmp_path, "cce_login_defs PASS_MAX_DAYS") == "60"
    assert call(tmp_path, "cce_login_defs PASS_MIN_DAYS || echo unset") == "unset"


STATUS_WORDS = ("GOOD:", "VULNERABLE:", "MANUAL:", "NOT_APPLICABLE:", "ERROR:")


def run_check(root: Path, code: str) -> str:
    """One check function with the libraries sourced: its decision line first, then the evidence."""
    lines = call(root, f'. "{BUNDLE_DIR}/checks/{code}.sh"; check_{code.replace("-", "_")}').splitlines()
    decisions = [line for line in lines if line.startswith(STATUS_WORDS)]
    assert decisions, lines
    return "\n".join([decisions[0], *(line for line in lines if line != decisions[0])])


def dpkg_status(root: Path, *packages: tuple[str, str]) -> None:
    write(
        root,
        "/var/lib/dpkg/status",
        "\n".join(f"Package: {n}\nStatus: install ok installed\nVersion: {v}\n" for n, v in packages),
    )


def test_package_version_is_the_upstream_version_from_the_dpkg_status(tmp_path: Path) -> None:
    dpkg_status(tmp_path, ("bind9", "1:9.20.11-4"), ("openssh-server", "1:8.9p1-3ubuntu0.10"))
    assert call(tmp_path, "cce_pkg_version bind bind9") == "9.20.11"
    assert call(tmp_path, "cce_pkg_version openssh-server") == "8.9p1"
    assert call(tmp_path, "cce_pkg_version telnetd || echo $CCE_PKG_HOW") == "dpkg"
    assert call(tmp_path / "nothing", "cce_pkg_version bind || echo $CCE_PKG_HOW") == "none"
    for version, minimum, expected in [
        ("9.20.11", "9.20", "yes"),
        ("9.18.28", "9.20", "no"),
        ("9.3", "9.20", "no"),
        ("8.9p1", "7.0", "yes"),
        ("6.6p1", "7.0", "no"),
        ("7.0p1", "7.0", "yes"),
    ]:
        got = call(tmp_path, f"cce_version_at_least {version} {minimum} && echo yes || echo no")
        assert got == expected, (version, minimum)


def test_u01_a_match_block_that_lets_root_in_is_vulnerable_and_named(tmp_path: Path) -> None:
    write(
        tmp_path,
        "/etc/ssh/sshd_config",
        "PermitRootLogin no\nMatch Address 10.0.0.0/8\n    PermitRootLogin yes\nMatch User alice\n"
        "    PermitRootLogin no\n",
    )
    out = run_check(tmp_path, "U-01")
    assert out.startswith(
        "VULNERABLE: Match Address 10.0.0.0/8 sets PermitRootLogin yes (/etc/ssh/sshd_config:3)"
    )
    assert "sshd: Match User alice: PermitRootLogin no (/etc/ssh/sshd_config:5)" in out
    write(
        tmp_path,
        "/etc/ssh/sshd_config",
        "PermitRootLogin no\nMatch Address 10.0.0.0/8\n    PermitRootLogin no\n",
    )
    assert run_check(tmp_path, "U-01").startswith("GOOD: PermitRootLogin no (from /etc/ssh/sshd_config:1")


def test_u01_an_absent_permitrootlogin_takes_the_installed_openssh_default(tmp_path: Path) -> None:
    write(tmp_path, "/etc/ssh/sshd_config", "UsePAM yes\n")
    dpkg_status(tmp_path, ("openssh-server", "1:6.6p1-2ubuntu2.13"))
    out = run_check(tmp_path, "U-01")
    assert out.startswith(
        "VULNERABLE: PermitRootLogin is yes (from not set: the default of OpenSSH 6.6p1 before 7.0"
    )
    dpkg_status(tmp_path, ("openssh-server", "1:9.6p1-3ubuntu13.5"))
    assert "PermitRootLogin is prohibit-password (from not set: the default of OpenSSH 9.6p1 since 7.0" in (
        run_check(tmp_path, "U-01")
    )
    (tmp_path / "var/lib/dpkg/status").unlink()
    write(tmp_path, "/var/lib/rpm/Packages", "")  # a Berkeley DB rpm database: never opened
    out = run_check(tmp_path, "U-01")
    assert (
        "PermitRootLogin is prohibit-password (from not set: OpenSSH version unknown (no package database"
        in out
    )
    assert "the documented default since OpenSSH 7.0 applies" in out
