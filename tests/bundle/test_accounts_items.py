"""Account items (U-02, U-06) on small roots built per test, one check function in a real shell.

Each test writes the few files the rule reads; the golden fixture roots cover whole distributions.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.bundle.runner import BUNDLE_DIR

STATUS_WORDS = ("GOOD", "VULNERABLE", "MANUAL", "NOT_APPLICABLE", "ERROR")
LOGIN_DEFS = "PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\n"
ALL_CREDITS = "minlen = 8\ndcredit = -1\nucredit = -1\nlcredit = -1\nocredit = -1\n"
# Debian's common-password with the quality and history modules above pam_unix.
ABOVE = (
    "password requisite pam_pwquality.so retry=3\n"
    "password required pam_pwhistory.so remember=5 use_authtok\n"
    "password [success=1 default=ignore] pam_unix.so obscure use_authtok try_first_pass yescrypt\n"
    "password requisite pam_deny.so\n"
    "password required pam_permit.so\n"
)


def write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def check(root: Path, code: str) -> tuple[str, str, str]:
    """(status, reason, evidence) of one check function run as the runner's item process runs it."""
    fn = "check_" + code.replace("-", "_")
    stage = root.parent / "stage"
    stage.mkdir(exist_ok=True)
    script = f'for lib in "{BUNDLE_DIR}"/lib/*.sh; do . "$lib"; done; . "{BUNDLE_DIR}/checks/{code}.sh"; {fn}'
    proc = subprocess.run(
        ["sh", "-c", script],
        env={
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "LC_ALL": "C",
            "CCE_ROOT": str(root),
            "CCE_STAGE": str(stage),
            "CCE_WORK": str(stage),
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
    word, _, reason = lines[decisions[0]].partition(": ")
    return word, reason, "\n".join(line for i, line in enumerate(lines) if i not in decisions)


def pw_root(base: Path, stack: str, pwquality: str = ALL_CREDITS) -> Path:
    root = base / "root"
    write(root, "/etc/login.defs", LOGIN_DEFS)
    write(root, "/etc/pam.d/common-password", stack)
    write(root, "/etc/security/pwquality.conf", pwquality)
    return root


def test_password_policy_with_every_credit_above_pam_unix_is_good(tmp_path: Path) -> None:
    status, reason, _ = check(pw_root(tmp_path, ABOVE), "U-02")
    assert status == "GOOD", reason


def test_quality_and_history_modules_below_pam_unix_never_run(tmp_path: Path) -> None:
    # pam_unix's [success=1] jumps over the next line on success: the modules below it never run.
    below = (
        "password [success=1 default=ignore] pam_unix.so obscure yescrypt\n"
        "password requisite pam_pwquality.so retry=3\n"
        "password required pam_pwhistory.so remember=5 use_authtok\n"
        "password requisite pam_deny.so\n"
        "password required pam_permit.so\n"
    )
    status, reason, evidence = check(pw_root(tmp_path, below), "U-02")
    assert status == "VULNERABLE"
    assert "pam_pwquality.so, pam_pwhistory.so below pam_unix.so" in reason or (
        "pam_pwhistory.so, pam_pwquality.so below pam_unix.so" in reason
    )
    assert "pam_pwquality.so at /etc/pam.d/common-password:2 comes after pam_unix.so" in evidence


@pytest.mark.parametrize(
    ("settings", "want"),
    [
        ("minlen = 8\nminclass = 3\n", "VULNERABLE"),  # upper, lower and digit satisfy it: no special
        ("minlen = 8\nminclass = 4\n", "GOOD"),  # every one of the four classes
        ("minlen = 8\ndcredit = -1\nocredit = -1\nucredit = -1\n", "VULNERABLE"),  # no lower case
        ("minlen = 8\ndcredit = -1\nocredit = -1\nucredit = -1\nlcredit = 0\n", "VULNERABLE"),
        ("minlen = 8\ndcredit = -2\nocredit = -1\nucredit = -1\nlcredit = -1\n", "GOOD"),
        ("minlen = 8\ndcredit = 1\nocredit = -1\nucredit = -1\nlcredit = -1\n", "VULNERABLE"),  # a credit
    ],
)
def test_complexity_needs_digits_upper_lower_and_special_each_required(
    tmp_path: Path, settings: str, want: str
) -> None:
    status, reason, _ = check(pw_root(tmp_path, ABOVE, settings), "U-02")
    assert status == want, reason


def test_cracklib_is_not_credited_with_pwquality_conf(tmp_path: Path) -> None:
    stack = ABOVE.replace("pam_pwquality.so retry=3", "pam_cracklib.so retry=3")
    status, reason, evidence = check(pw_root(tmp_path, stack), "U-02")
    assert status == "VULNERABLE"
    assert "dcredit 1" in reason  # cracklib's own default, not pwquality.conf's -1
    assert "pam_cracklib does not read pwquality.conf" in evidence
    args = "pam_cracklib.so retry=3 minlen=8 dcredit=-1 ucredit=-1 lcredit=-1 ocredit=-1"
    again = tmp_path / "again"  # a fresh root and stage: the stage caches the flattened stack
    status, reason, _ = check(pw_root(again, ABOVE.replace("pam_pwquality.so retry=3", args), ""), "U-02")
    assert status == "GOOD", reason


SU_PAM = "auth sufficient pam_rootok.so\n@include common-auth\n"


def su_root(tmp_path: Path, passwd: str) -> Path:
    root = tmp_path / "root"
    write(root, "/etc/passwd", passwd)
    write(root, "/etc/group", "root:x:0:\n")
    write(root, "/etc/pam.d/su", SU_PAM)
    write(root, "/etc/login.defs", "UID_MIN 1000\n")
    su = root / "usr/bin/su"
    write(root, "/usr/bin/su", "")
    su.chmod(0o4755)
    return root


def test_su_unrestricted_with_only_root_and_system_accounts_is_good(tmp_path: Path) -> None:
    passwd = (
        "root:x:0:0:root:/root:/bin/bash\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "sync:x:4:65534:sync:/bin:/bin/sync\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    )
    status, reason, evidence = check(su_root(tmp_path, passwd), "U-06")
    assert status == "GOOD", reason
    assert "no ordinary login account" in reason
    assert "accounts that can log in besides root: none" in evidence


def test_su_unrestricted_with_an_ordinary_account_is_vulnerable(tmp_path: Path) -> None:
    passwd = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n"
    status, reason, evidence = check(su_root(tmp_path, passwd), "U-06")
    assert status == "VULNERABLE", reason
    assert "alice" in evidence
