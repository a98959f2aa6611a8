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
