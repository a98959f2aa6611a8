"""Safety of the bundle: it never changes the root it scans nor writes outside its working
directory, bad input gives ERROR/NOT_APPLICABLE instead of a crash or a hang, every shell file is
shellcheck clean, and the built bundle is reproducible."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from cce_scan.cli import main
from localworld.roots import materialise_root, remove_root
from ssm_documents.bundle_tar import build_bundle
from tests.bundle.runner import BUNDLE_DIR, STATUSES, run_bundle

REPO = Path(__file__).resolve().parents[2]
SHELLCHECK = REPO / ".venv" / "bin" / "shellcheck"


def tree_digest(root: Path) -> str:
    """Paths, types, modes, owners, symlink targets and contents of a tree."""
    digest = hashlib.sha256()
    for current, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted([*dirs, *files]):
            path = Path(current) / name
            st = path.lstat()
            digest.update(f"{path.relative_to(root)}|{st.st_mode:o}|{st.st_uid}|{st.st_gid}|".encode())
            if path.is_symlink():
                digest.update(os.readlink(path).encode())
            elif path.is_file():
                digest.update(path.read_bytes())
    return digest.hexdigest()


def test_bundle_never_changes_the_scanned_root_nor_writes_outside_its_working_directory(
    tmp_path: Path,
) -> None:
    root = materialise_root("rocky9-weak", tmp_path / "root")
    home, tmpdir = tmp_path / "home", tmp_path / "tmpdir"
    home.mkdir()
    tmpdir.mkdir()
    before = tree_digest(root.path)
    siblings = sorted(p.name for p in tmp_path.iterdir())
    run = run_bundle(
        root.path, tmp_path / "work", env={"HOME": str(home), "TMPDIR": str(tmpdir), "TMP": str(tmpdir)}
    )
    assert run.returncode == 0, run.stderr
    assert tree_digest(root.path) == before
    assert list(home.iterdir()) == []
    assert list(tmpdir.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*siblings, "work"])
    assert [p.name for p in (tmp_path / "work").iterdir()] == [run.tar_path.name]  # type: ignore[union-attr]
    remove_root(root.path)


@pytest.mark.slow
def test_bundle_bad_input_never_crashes_or_hangs(tmp_path: Path) -> None:
    root = materialise_root("al2023-hardened", tmp_path / "root").path
    etc = root / "etc"
    (etc / "login.defs").write_bytes(os.urandom(20000) + b"\0PASS_MAX_DAYS 90\n")
    (etc / "ssh" / "sshd_config").write_text("# filler\n" * 2_500_000 + "PermitRootLogin no\n")
    (etc / "pam.d" / "system-auth").unlink()
    (etc / "pam.d" / "system-auth").symlink_to("system-auth-loop")
    (etc / "pam.d" / "system-auth-loop").symlink_to("system-auth")
    (etc / "security" / "pwquality.conf").unlink()
    os.mkfifo(etc / "security" / "pwquality.conf")
    (etc / "group").unlink()
    (etc / "group").mkdir()
    (etc / "profile.d" / "zero.sh").symlink_to("/dev/zero")
    (etc / "shadow").write_bytes(b"root:\xff\xfe\x00garbage\n" * 100)
    run = run_bundle(root, tmp_path / "work", timeout=240, env={"CCE_ITEM_TIMEOUT": "20"})
    assert run.returncode == 0, run.stderr
    assert len(run.items) == 67
    assert all(item["status"] in STATUSES for item in run.items.values())
    broken = {
        "U-01": "/etc/ssh/sshd_config",
        "U-02": "binary",  # login.defs
        "U-03": "system-auth",  # symlink loop
        "U-08": "/etc/group",  # a directory
        "U-09": "/etc/group",
        "U-13": "binary",
    }
    for code, needle in broken.items():
        item = run.items[code]
        assert item["status"] in ("ERROR", "NOT_APPLICABLE"), (code, item)
        assert needle in item["reason"], (code, item["reason"])
    assert run.items["U-01"]["status"] == "ERROR"  # a 20 MB sshd_config is refused, not half read
    assert "toolarge" in run.items["U-01"]["reason"]
    assert "timed out" not in " ".join(i["reason"] for i in run.items.values())
    remove_root(root)


def shell_files() -> list[Path]:
    return sorted(
        [BUNDLE_DIR / "script.sh", *(BUNDLE_DIR / "lib").glob("*.sh"), *(BUNDLE_DIR / "checks").glob("*.sh")]
    )


def test_every_bundle_shell_file_is_shellcheck_clean() -> None:
    proc = subprocess.run(
        [str(SHELLCHECK), "-s", "sh", "-x", *map(str, shell_files())],
        capture_output=True,
        text=True,
        check=False,
        cwd=BUNDLE_DIR,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_every_check_file_has_the_header_and_defines_its_function() -> None:
    checks = sorted((BUNDLE_DIR / "checks").glob("U-*.sh"))
    assert checks
    for path in checks:
        code = path.stem
        text = path.read_text(encoding="utf-8")
        head = {
            line.split(":", 1)[0][2:]: line.split(":", 1)[1].strip()
            for line in text.splitlines()
            if line.startswith("# ") and ":" in line
        }
        assert head.get("code") == code, path.name
        assert head.get("edition") == "KISA-2026", path.name
        assert head.get("severity") in ("high", "medium", "low"), path.name
        for key in ("title_ko", "title_en", "good", "vulnerable"):
            assert head.get(key), f"{path.name}: no {key}"
        assert f"check_{code.replace('-', '_')}()" in text, path.name


def test_bundle_build_is_reproducible_and_holds_script_sh_at_its_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = build_bundle(tmp_path / "a")
    second = build_bundle(tmp_path / "b")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest() == second.sha256
    with tarfile.open(first.path) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert "script.sh" in names
    assert "VERSION" in names
    assert all(m.uid == 0 and m.gid == 0 and m.mtime == members[0].mtime for m in members)
    assert all(m.isfile() or m.isdir() for m in members)
    assert all(not n.startswith(("/", ".")) and ".." not in n.split("/") for n in names)
    assert main(["bundle", "build", "--out", str(tmp_path / "c")]) == 0
    assert capsys.readouterr().out.split()[0] == first.sha256


def test_built_bundle_runs_from_its_extracted_tar(tmp_path: Path) -> None:
    built = build_bundle(tmp_path / "out")
    extracted = tmp_path / "x"
    extracted.mkdir()
    subprocess.run(["tar", "-xf", str(built.path), "-C", str(extracted)], check=True)
    root = materialise_root("ubuntu2204-hardened", tmp_path / "root")
    run = run_bundle(root.path, tmp_path / "work", script=extracted / "script.sh")
    assert run.returncode == 0, run.stderr
    assert run.summary["bundle"]["version"] == built.version
    assert run.items["U-01"]["status"] == "GOOD"
    remove_root(root.path)


def runner_table() -> list[list[str]]:
    text = (BUNDLE_DIR / "script.sh").read_text(encoding="utf-8")
    block = text.split("<<'CCE_ITEMS_EOF'\n", 1)[1].split("\nCCE_ITEMS_EOF\n", 1)[0]
    return [line.split("|") for line in block.strip().splitlines()]


def test_runner_table_lists_the_67_items_and_agrees_with_the_reference_and_check_headers() -> None:
    rows = runner_table()
    assert [r[0] for r in rows] == [f"U-{n:02d}" for n in range(1, 68)]
    severities = [r[1] for r in rows]
    assert (severities.count("high"), severities.count("medium"), severities.count("low")) == (40, 18, 9)
    for code, severity, legacy, title_ko, _title_en in rows:
        path = BUNDLE_DIR / "checks" / f"{code}.sh"
        assert path.is_file(), f"{code} has no check file"
        head: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# ") and ":" in line:
                key, value = line[2:].split(":", 1)
                head.setdefault(key.strip(), value.split("  #")[0].strip())
        assert head.get("severity") == severity, code
        assert head.get("title_ko") == title_ko, code
        assert " ".join(head.get("legacy", "").split()) == legacy, code


def test_checks_page_lists_every_item() -> None:
    page = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    for code, _severity, _legacy, title_ko, _title_en in runner_table():
        assert f"| {code} |" in page
        assert title_ko in page


def test_bundle_bytes_depend_on_sources_only_not_on_file_times_or_modes(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    subprocess.run(["cp", "-r", str(BUNDLE_DIR), str(copy)], check=True)
    for path in copy.rglob("*.sh"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
        path.chmod(0o600)
    assert build_bundle(tmp_path / "a", source=copy).sha256 == build_bundle(tmp_path / "b").sha256
    (copy / "checks" / "U-01.sh").write_text((copy / "checks" / "U-01.sh").read_text() + "\n# changed\n")
    assert build_bundle(tmp_path / "c", source=copy).sha256 != build_bundle(tmp_path / "d").sha256
