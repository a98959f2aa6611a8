"""The runner's contract: 67 items in order then the summary, ERROR until a check decides,
time limits, crash capture, capped and redacted evidence, JSON escaping, one shared walk, and the
helpers of lib/common.sh (bits compared as bits, owners resolved through the root's own files)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.bundle.runner import BUNDLE_DIR, STATUSES, run_bundle

ALL_CODES = [f"U-{n:02d}" for n in range(1, 68)]
ITEM_KEYS = {
    "type",
    "edition",
    "code",
    "severity",
    "status",
    "title",
    "reason",
    "evidence",
    "legacy_codes",
    "duration_ms",
}


def header(code: str) -> str:
    return f"# shellcheck shell=sh\n# code: {code}\n# severity: low\n# title_ko: 시험 {code}\n# legacy: KISA-2021:U-99\n\n"


def make_bundle(tmp: Path, checks: dict[str, str]) -> Path:
    """A copy of the real runner and libs with only the given check bodies (function bodies)."""
    dest = tmp / "bundle"
    shutil.copytree(BUNDLE_DIR / "lib", dest / "lib")
    shutil.copy2(BUNDLE_DIR / "script.sh", dest / "script.sh")
    (dest / "checks").mkdir()
    for code, body in checks.items():
        fn = "check_" + code.replace("-", "_")
        (dest / "checks" / f"{code}.sh").write_text(header(code) + f"{fn}() {{\n{body}\n}}\n")
    return dest / "script.sh"


def small_root(tmp: Path) -> Path:
    root = tmp / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\nadmin:x:00:0::/root:/bin/sh\nsvc:x:1500:1500::/srv:/sbin/nologin\n"
    )
    (root / "etc" / "group").write_text("root:x:0:\nsvc:x:1500:\n")
    (root / "etc" / "os-release").write_text('ID="rocky"\nVERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4"\n')
    (root / "usr" / "bin").mkdir(parents=True)
    suid = root / "usr" / "bin" / "tool"
    suid.write_text("x")
    suid.chmod(0o4755)
    return root


def test_runner_emits_67_items_in_order_then_the_summary(tmp_path: Path) -> None:
    run = run_bundle(
        small_root(tmp_path), tmp_path / "work", script=make_bundle(tmp_path, {"U-05": "cce_good fine"})
    )
    assert run.returncode == 0, run.stderr
    assert run.order == ALL_CODES
    for code, item in run.items.items():
        assert set(item) == ITEM_KEYS, code
        assert item["status"] in STATUSES
        assert item["severity"] in ("high", "medium", "low")
        assert item["edition"] == "KISA-2026"
        assert isinstance(item["duration_ms"], int)
    assert run.items["U-05"]["status"] == "GOOD"
    assert run.items["U-05"]["title"] == "시험 U-05"
    assert run.items["U-13"]["legacy_codes"] == []
    assert run.items["U-02"]["legacy_codes"] == [
        "KISA-2021:U-02",
        "KISA-2021:U-46",
        "KISA-2021:U-47",
        "KISA-2021:U-48",
    ]
    assert run.items["U-01"] == {**run.items["U-01"], "status": "ERROR", "reason": "check not implemented"}
    summary = run.summary
    assert summary["type"] == "summary"
    assert sum(summary["counts"].values()) == 67
    assert summary["counts"]["GOOD"] == 1
    assert summary["host"]["os_id"] == "rocky"
    assert set(run.members) >= {"results.jsonl", "meta.json"}
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == [run.tar_path.name]  # type: ignore[union-attr]


def test_runner_defaults_to_error_for_no_decision_crash_and_timeout(tmp_path: Path) -> None:
    script = make_bundle(
        tmp_path,
        {
            "U-01": "    : nothing decided",
            "U-02": "    echo 'awk: division by zero' >&2\n    exit 3",
            "U-03": "    sleep 30",
            "U-04": "    cce_vulnerable first\n    cce_good second",
            "U-05": "    undefined_command_xyz",
        },
    )
    run = run_bundle(small_root(tmp_path), tmp_path / "work", script=script, env={"CCE_ITEM_TIMEOUT": "1"})
    assert run.returncode == 0, run.stderr
    assert (run.items["U-01"]["status"], run.items["U-01"]["reason"]) == ("ERROR", "check made no decision")
    assert run.items["U-02"]["status"] == "ERROR"
    assert "exit 3" in run.items["U-02"]["reason"]
    assert "division by zero" in run.items["U-02"]["reason"]
    assert (run.items["U-03"]["status"], run.items["U-03"]["reason"]) == ("ERROR", "timed out after 1 s")
    assert run.items["U-03"]["duration_ms"] < 5000
    assert (run.items["U-04"]["status"], run.items["U-04"]["reason"]) == ("VULNERABLE", "first")
    assert run.items["U-05"]["status"] == "ERROR"
    assert "not found" in run.items["U-05"]["reason"]
    assert run.seconds < 30


def test_runner_caps_and_redacts_evidence_and_escapes_json(tmp_path: Path) -> None:
    secrets = [
        "root:$6$saltsalt$Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4:19000:0:99999:7:::",
        "legacy:abcdefghijklm:19000:0:99999:7:::",
        "rocommunity s3cretCommunity 10.0.0.0/8",
        "com2sec notConfigUser default m0reSecret",
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
        "-----END OPENSSH PRIVATE KEY-----",
        "db_password=hunter2 token: abc123",
    ]
    lines = "\n".join(f"    cce_evidence '{s}'" for s in secrets)
    script = make_bundle(
        tmp_path,
        {
            "U-06": lines + "\n    cce_good 'redacted'",
            "U-07": '    cce_evidence "quote \\" back\\\\slash" "$(printf \'tab\\tbell\\007 bad\\377utf8\')"\n'
            '    cce_good "reason with \\"quotes\\""',
            "U-08": '    i=0\n    while [ $i -lt 300 ]; do cce_evidence "line $i padding padding padding"; i=$((i+1)); done\n'
            "    cce_good big",
        },
    )
    run = run_bundle(small_root(tmp_path), tmp_path / "work", script=script)
    evidence = run.items["U-06"]["evidence"]
    for needle in [
        "saltsalt",
        "abcdefghijklm",
        "s3cretCommunity",
        "m0reSecret",
        "b3BlbnNzaC1rZXkt",
        "hunter2",
        "abc123",
    ]:
        assert needle not in evidence, needle
        assert needle not in run.evidence["U-06"], needle
    assert "[private key redacted]" in evidence
    assert "rocommunity <redacted>" in evidence
    u07 = run.items["U-07"]
    assert u07["reason"] == 'reason with "quotes"'
    assert 'quote " back\\slash' in u07["evidence"]
    assert "tab\tbell\u0007 bad" in u07["evidence"]
    assert len(run.evidence["U-08"].encode()) <= 4096
    assert run.items["U-08"]["evidence"].endswith("[evidence truncated]")
    assert "line 0 padding" in run.items["U-08"]["evidence"]


def test_runner_walks_the_filesystem_once_for_all_checks(tmp_path: Path) -> None:
    body = (
        '    w=$(cce_walk) || { cce_error "walk failed"; return 0; }\n'
        '    cce_evidence "$(grep "/usr/bin/tool$" "$w")"\n'
        '    cce_good "$(wc -l < "$w") entries"'
    )
    script = make_bundle(tmp_path, {"U-15": body, "U-23": body, "U-25": body})
    run = run_bundle(small_root(tmp_path), tmp_path / "work", script=script)
    assert run.meta["walk"]["count"] == 1
    assert run.meta["walk"]["state"] == "ok"
    assert run.items["U-23"]["evidence"] == "4755\t0\t0\tf\t/usr/bin/tool" if os.geteuid() == 0 else True
    assert run.items["U-15"]["reason"] == run.items["U-25"]["reason"]


def test_runner_meta_names_the_scanned_root_and_the_live_host(tmp_path: Path) -> None:
    env = {
        "AWS_SSM_INSTANCE_ID": "i-0123456789abcdef0",
        "AWS_SSM_REGION_NAME": "ap-northeast-2",
        "CCE_BUNDLE_SHA256": "ab" * 32,
    }
    run = run_bundle(small_root(tmp_path), tmp_path / "work", script=make_bundle(tmp_path, {}), env=env)
    meta = run.meta
    assert meta["scanned_root"]["os_release"]["ID"] == "rocky"
    assert meta["scanned_root"]["live"] is False
    assert meta["host"]["instance_id"] == "i-0123456789abcdef0"
    assert meta["host"]["output_name"] == run.tar_path.name  # type: ignore[union-attr]
    assert run.summary["bundle"]["sha256"] == "ab" * 32
    assert run.summary["host"]["instance_id"] == "i-0123456789abcdef0"


def lib_call(root: Path, expression: str) -> str:
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


@pytest.mark.parametrize(
    ("mode", "limit", "within"),
    [
        ("0644", "0644", True),
        ("0640", "0644", True),
        ("0077", "0644", False),
        ("4644", "0644", False),
        ("0600", "0400", False),
        ("0400", "0600", True),
        ("4755", "4755", True),
        ("0755", "0644", False),
    ],
)
def test_mode_within_compares_bits_not_numbers(tmp_path: Path, mode: str, limit: str, within: bool) -> None:
    result = lib_call(tmp_path, f"cce_mode_within {mode} {limit} && echo yes || echo no")
    assert result == ("yes" if within else "no")


def test_helpers_resolve_owners_and_symlinks_inside_the_scanned_root(tmp_path: Path) -> None:
    root = small_root(tmp_path)
    (root / "etc" / "alt").symlink_to("/etc/passwd")  # absolute: must stay inside the root
    (root / "etc" / "loop1").symlink_to("loop2")
    (root / "etc" / "loop2").symlink_to("loop1")
    (root / "etc" / "up").symlink_to("../../../../etc/hostname")
    assert lib_call(root, "cce_owner_name 00") == "root"
    assert lib_call(root, "cce_owner_name 1500") == "svc"
    assert lib_call(root, "cce_owner_name 4242") == "4242"
    assert lib_call(root, "cce_group_name 1500") == "svc"
    assert lib_call(root, "cce_realpath /etc/alt") == "/etc/passwd"
    assert lib_call(root, "cce_read /etc/alt | head -n 1") == "root:x:0:0:root:/root:/bin/bash"
    assert lib_call(root, "cce_realpath /etc/up") == "/etc/hostname"
    assert lib_call(root, "cce_file_state /etc/loop1") == "loop"
    assert lib_call(root, "cce_read /etc/loop1 || echo refused") == "refused"
    assert lib_call(root, "cce_mode /usr/bin/tool") == "4755"
    assert lib_call(root, "cce_known_uids | sort -n | tr '\\n' ' '") == "0 0 1500"


def test_runner_stops_starting_items_when_the_scan_budget_is_used(tmp_path: Path) -> None:
    script = make_bundle(tmp_path, {"U-01": "    sleep 3\n    cce_good slow", "U-02": "    cce_good late"})
    run = run_bundle(small_root(tmp_path), tmp_path / "work", script=script, env={"CCE_TOTAL_TIMEOUT": "2"})
    assert run.items["U-01"]["status"] == "GOOD"
    assert run.items["U-02"]["status"] == "ERROR"
    assert "budget" in run.items["U-02"]["reason"]
    assert len(run.items) == 67
