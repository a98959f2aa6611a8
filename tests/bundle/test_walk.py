"""The shared walk (lib/walk.sh): its slices hold exactly the walk lines each walk item needs, whether
find writes them itself (-fprintf) or, as with a find that lacks it, one awk pass does; and the runner
overlaps the walk with the items that do not use it, runs the walk items after it, and re-runs an item
that asked for the walk too early."""

# ruff: noqa: S103  # permissive modes are what these roots are made of
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from localworld.roots import materialise_root, remove_root
from tests.bundle.runner import BUNDLE_DIR, run_bundle

TAGS = ("S", "W", "D", "H", "O", "L")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="owners and set-id bits need root")


def lib_env(root: Path, stage: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "CCE_ROOT": str(root),
        "CCE_STAGE": str(stage),
        "CCE_WORK": str(stage),
        **extra,
    }


def lib_sh(expression: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    libs = " ".join(f'. "{p}";' for p in sorted((BUNDLE_DIR / "lib").glob("*.sh")))
    return subprocess.run(
        ["sh", "-c", f"{libs} {expression}"], env=env, capture_output=True, text=True, check=False, timeout=60
    )


def build_root(base: Path) -> Path:
    """A root whose path needs glob escaping and starts with a dot, holding one entry of every slice
    and near misses of each (sticky, group-writable, a hidden directory's plain children...)."""
    root = base / ".r[1]*?"
    for d in (
        "etc",
        "usr/bin",
        "tmp/.cache",
        "dev/pts",
        "home/alice/.ssh",
        "srv/data",
        "proc/1",
        "var/log/apt",
        "var/logs",
    ):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "etc/passwd").write_text(
        "root:x:0:0::/root:/bin/bash\nbin:x:1:1::/:/sbin/nologin\ndaemon:x:02:2::/:/sbin/nologin\n"
        "alice:x:1000:1000::/home/alice:/bin/bash\n"
    )
    (root / "etc/group").write_text("root:x:0:\nbin:x:1:\ndaemon:x:2:\nalice:x:1000:\n")
    files = {
        "usr/bin/su": 0o4755,
        "usr/bin/wall": 0o2755,
        "usr/bin/plain": 0o755,
        "usr/bin/sticky": 0o1755,
        "etc/motd": 0o666,
        "etc/group-writable": 0o664,
        "tmp/.hidden-x": 0o777,
        "tmp/.cache/inside": 0o644,
        "home/alice/.bashrc": 0o644,
        "home/alice/.ssh/authorized_keys": 0o600,
        "home/alice/file with spaces": 0o644,
        "dev/fake0": 0o644,
        "dev/.hidden": 0o600,
        "proc/1/status": 0o4777,  # pruned: never in the walk
        "srv/data/orphan": 0o644,
        "srv/data/orphan-group": 0o644,
        "srv/data/.orphan-suid": 0o6777,
        "srv/data/daemon-owned": 0o644,
        "srv/data/after-the-run": 0o644,
        "srv/data/before-alice": 0o644,
        "var/log/syslog": 0o640,
        "var/log/apt/history.log": 0o644,
        "var/logs/not-the-log-directory": 0o644,
    }
    for rel, mode in files.items():
        (root / rel).write_text("x\n")
        os.chmod(root / rel, mode)
    (root / "tmp").chmod(0o1777)  # world-writable directory: not a file
    (root / "srv/data/link").symlink_to("/etc/motd")  # symlinks show 0777: not files
    (root / "home/alice/.link").symlink_to("file with spaces")
    os.mkfifo(root / "dev/.fifo")
    os.chown(root / "home/alice", 1000, 1000)
    os.chown(root / "srv/data/orphan", 4242, 0)
    os.chown(root / "srv/data/orphan-group", 1000, 4343)
    os.chown(root / "srv/data/.orphan-suid", 5151, 5151)
    os.chown(root / "srv/data/daemon-owned", 2, 1)  # inside the run 0..2 of known ids
    os.chown(root / "srv/data/after-the-run", 3, 0)  # just past it
    os.chown(root / "srv/data/before-alice", 0, 999)  # just below a single known id
    os.chmod(root / "srv/data/.orphan-suid", 0o6777)  # chown drops set-id bits
    return root


def expected_slices(walk: list[list[str]], uids: set[int], gids: set[int]) -> dict[str, list[str]]:
    """The slices computed from the whole walk, by the definitions in lib/walk.sh."""
    out: dict[str, list[str]] = {tag: [] for tag in TAGS}
    for fields in walk:
        mode, uid, gid, kind, path = int(fields[0], 8), int(fields[1]), int(fields[2]), fields[3], fields[4]
        line = "\t".join(fields)
        if kind == "f" and mode & 0o6000:
            out["S"].append(line)
        if kind == "f" and mode & 0o002:
            out["W"].append(line)
        if kind == "f" and path.startswith("/dev/"):
            out["D"].append(line)
        if path != "/" and path.rsplit("/", 1)[1].startswith("."):
            out["H"].append(line)
        if uid not in uids or gid not in gids:
            out["O"].append(line)
        if path == "/var/log" or path.startswith("/var/log/"):
            out["L"].append(line)
    return out


@needs_root
@pytest.mark.parametrize(("stream", "fprintf"), [("1", "1"), ("0", "1"), ("0", "0")])
def test_walk_slices_agree_with_the_whole_walk(tmp_path: Path, stream: str, fprintf: str) -> None:
    """The slices three ways: by an awk beside find (the default), by find itself with grep for
    /dev and /var/log (CCE_WALK_STREAM=0), and by an awk pass after the walk (a find without
    -fprintf)."""
    root = build_root(tmp_path)
    stage = root / "var" / "cce-work"  # the bundle's own working directory inside the scanned root
    stage.mkdir(parents=True)
    env = lib_env(root, stage, CCE_WALK_STREAM=stream, CCE_WALK_FPRINTF=fprintf)
    proc = lib_sh("cce_walk && cce_walk_entries", env)
    assert proc.returncode == 0, proc.stderr
    walk_file, entries = proc.stdout.split()
    walk = [line.split("\t") for line in Path(walk_file).read_text().splitlines()]
    assert int(entries) == len(walk)
    paths = {fields[4] for fields in walk}
    assert "/" in paths
    assert "/home/alice/file with spaces" in paths
    assert "/proc" not in paths  # pruned (not merely not descended into)
    assert "/var" in paths
    assert not any(p.startswith("/var/cce-work") for p in paths)
    expected = expected_slices(walk, {0, 1, 2, 1000}, {0, 1, 2, 1000})
    for tag in TAGS:
        got = (stage / f"walk.{tag}").read_text().splitlines()
        assert got == expected[tag], tag
        assert got, f"slice {tag} should not be empty on this root"
    names = {tag: [line.rsplit("\t", 1)[1] for line in expected[tag]] for tag in TAGS}
    assert sorted(names["S"]) == ["/srv/data/.orphan-suid", "/usr/bin/su", "/usr/bin/wall"]
    assert sorted(names["W"]) == ["/etc/motd", "/srv/data/.orphan-suid", "/tmp/.hidden-x"]
    assert sorted(names["D"]) == ["/dev/.hidden", "/dev/fake0"]
    assert sorted(names["L"]) == ["/var/log", "/var/log/apt", "/var/log/apt/history.log", "/var/log/syslog"]
    assert sorted(names["O"]) == [
        "/srv/data/.orphan-suid",
        "/srv/data/after-the-run",
        "/srv/data/before-alice",
        "/srv/data/orphan",
        "/srv/data/orphan-group",
    ]
    assert "/tmp/.cache/inside" not in names["H"]
    assert "/tmp/.cache" in names["H"]
    written_by_find = (stage / "walk.byfind").read_text().split()
    assert written_by_find == (["S", "W", "H", "O"] if (stream, fprintf) == ("0", "1") else [])
    assert sorted(p.name for p in stage.glob("walk.tsv.*")) == ["walk.tsv.tmp.err"]  # no FIFO or id list left


@needs_root
def test_walk_items_give_the_same_verdicts_with_and_without_find_slices_and_overlap(tmp_path: Path) -> None:
    """A golden fixture root through the whole bundle four ways: the defaults, the slices of find
    and grep (CCE_WALK_STREAM=0), the awk slices of a find without -fprintf, and the walk before
    the items (CCE_WALK_OVERLAP=0)."""
    root = materialise_root("ubuntu2204-weak", tmp_path / "root")
    try:
        runs = {
            mode: run_bundle(root.path, tmp_path / mode, env={"CCE_ITEM_TIMEOUT": "60", **env})
            for mode, env in {
                "default": {},
                "find": {"CCE_WALK_STREAM": "0"},
                "awk": {"CCE_WALK_STREAM": "0", "CCE_WALK_FPRINTF": "0"},
                "sequential": {"CCE_WALK_OVERLAP": "0"},
            }.items()
        }
    finally:
        remove_root(root.path)
    base = runs["default"]
    assert base.returncode == 0, base.stderr
    assert base.meta["walk"]["count"] == 1
    for mode, run in runs.items():
        assert run.meta["walk"]["count"] == 1, mode
        assert run.meta["walk"]["entries"] == base.meta["walk"]["entries"], mode
        for code, item in base.items.items():
            other = run.items[code]
            assert (other["status"], other["reason"]) == (item["status"], item["reason"]), (mode, code)
            assert other["evidence"] == item["evidence"], (mode, code)
    for code in ("U-15", "U-23", "U-25", "U-26", "U-33"):  # every walk item finds something here
        assert base.items[code]["status"] == "VULNERABLE", code


def test_walk_asked_by_an_item_while_the_runner_walks_says_so_and_marks_the_item(tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    item = stage / "items" / "U-01"
    item.mkdir(parents=True)
    (stage / "walk.pending").write_text("")
    proc = lib_sh("cce_walk", lib_env(tmp_path, stage, CCE_ITEM_DIR=str(item)))
    assert proc.returncode == 1
    assert "still running" in proc.stderr
    assert (item / "walk-wait").exists()
    assert not (stage / "walk.count").exists()  # it did not start a second walk


def slow_walk_bundle(tmp: Path, checks: dict[str, str]) -> Path:
    """A copy of the real runner whose walk takes one more second (to make the overlap observable)."""
    dest = tmp / "bundle"
    shutil.copytree(BUNDLE_DIR / "lib", dest / "lib")
    shutil.copy2(BUNDLE_DIR / "script.sh", dest / "script.sh")
    walk = dest / "lib" / "walk.sh"
    text = walk.read_text()
    assert text.count('    cce__walk_run "$f.tmp"\n') == 1
    walk.write_text(text.replace('    cce__walk_run "$f.tmp"\n', '    sleep 1\n    cce__walk_run "$f.tmp"\n'))
    (dest / "checks").mkdir()
    for code, body in checks.items():
        fn = "check_" + code.replace("-", "_")
        (dest / "checks" / f"{code}.sh").write_text(
            f"# shellcheck shell=sh\n# code: {code}\n# severity: low\n\n{fn}() {{\n{body}\n}}\n"
        )
    return dest / "script.sh"


RUNS = '    echo x >> "$CCE_STAGE/runs-$CCE_CODE"\n    cce_evidence "run $(wc -l < "$CCE_STAGE/runs-$CCE_CODE")"\n'
WHEN = '    if [ -f "$CCE_STAGE/walk.tsv" ]; then cce_evidence "walk done"; else cce_evidence "walk running"; fi\n'


@pytest.mark.parametrize("overlap", ["1", "0"])
def test_runner_runs_other_items_during_the_walk_and_walk_items_after_it(
    tmp_path: Path, overlap: str
) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\n")
    hidden_use = '    f=cce_\n    w=$(${f}walk) || { cce_error "no walk"; return 0; }\n    cce_good "$(wc -l < "$w") entries"'
    script = slow_walk_bundle(
        tmp_path,
        {
            "U-01": RUNS + WHEN + hidden_use,  # uses the walk without naming it: found out, run again
            "U-02": WHEN + "    cce_good independent",
            # through a lib function (files_walk calls cce_walk): known to use the walk, run once
            "U-03": RUNS
            + WHEN
            + '    w=$(files_walk) || { cce_error "no walk"; return 0; }\n    cce_good "walked"',
            "U-15": WHEN
            + '    w=$(cce_walk) || { cce_error "no walk"; return 0; }\n    cce_good "$(wc -l < "$w") entries"',
        },
    )
    run = run_bundle(root, tmp_path / "work", script=script, env={"CCE_WALK_OVERLAP": overlap})
    assert run.returncode == 0, run.stderr
    assert run.meta["walk"]["count"] == 1
    assert run.items["U-15"]["status"] == "GOOD"
    assert run.items["U-15"]["evidence"] == "walk done"
    assert run.items["U-01"]["status"] == "GOOD", run.items["U-01"]
    assert run.items["U-01"]["evidence"] == ("run 2\nwalk done" if overlap == "1" else "run 1\nwalk done")
    assert run.items["U-03"]["status"] == "GOOD", run.items["U-03"]
    assert run.items["U-03"]["evidence"] == "run 1\nwalk done"
    assert run.items["U-01"]["reason"] == run.items["U-15"]["reason"]
    assert run.items["U-02"]["evidence"] == ("walk running" if overlap == "1" else "walk done")
    assert run.order[:3] == ["U-01", "U-02", "U-03"]


def test_runner_skips_the_walk_when_no_selected_item_uses_it(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    script = slow_walk_bundle(
        tmp_path, {"U-02": "    cce_good independent", "U-15": "    cce_walk >/dev/null; cce_good x"}
    )
    run = run_bundle(root, tmp_path / "work", script=script, env={"CCE_ITEMS": "U-02"})
    assert run.items["U-02"]["status"] == "GOOD"
    assert run.meta["walk"] == {**run.meta["walk"], "count": 0, "state": "not-run"}
    assert run.seconds < 5


def processes_naming(path: Path) -> list[str]:
    """Command lines of the running processes that name ``path`` (the bundle's staging dir)."""
    found = []
    for proc_dir in Path("/proc").glob("[0-9]*"):
        try:
            text = (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in text and "slow-find" in text:
            found.append(text)
    return found


def test_runner_stopped_during_the_background_walk_leaves_no_walk_behind(tmp_path: Path) -> None:
    script = slow_walk_bundle(tmp_path, {"U-02": "    cce_good quick", "U-15": "    cce_walk; cce_good x"})
    walk = script.parent / "lib" / "walk.sh"
    text = walk.read_text()
    find = 'timeout -k 2 "${CCE_WALK_TIMEOUT:-300}" find "$@"'
    assert text.count(find) == 1
    # a walk that takes 30 s: find only starts after a sleep in the process the runner must stop
    walk.write_text(text.replace(find, find.replace("find", "sh -c 'sleep 30; exec find \"$@\"' slow-find")))
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.Popen(
        ["sh", str(script)],
        cwd=work,
        env={"PATH": "/usr/bin:/bin", "CCE_ROOT": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not processes_naming(work) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_naming(work), "the background walk did not start"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)
    deadline = time.monotonic() + 5
    while processes_naming(work) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_naming(work) == []
    assert list(work.iterdir()) == []  # staging directory removed, nothing written


@needs_root
def test_walk_leaves_the_unknown_owner_slice_to_awk_for_a_root_with_very_many_id_runs(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "srv").mkdir()
    uids = range(0, 1000, 2)  # 500 runs of one id each: too long a chain of tests for every entry
    (root / "etc/passwd").write_text("".join(f"u{u}:x:{u}:0::/:/bin/sh\n" for u in uids))
    (root / "etc/group").write_text("root:x:0:\n")
    for uid in (2, 3, 998, 999):
        (root / "srv" / f"owned-{uid}").write_text("")
        os.chown(root / "srv" / f"owned-{uid}", uid, 0)
    stage = tmp_path / "stage"
    stage.mkdir()
    proc = lib_sh("cce_walk", lib_env(root, stage, CCE_WALK_STREAM="0"))
    assert proc.returncode == 0, proc.stderr
    assert (stage / "walk.byfind").read_text().split() == ["S", "W", "H"]
    orphans = sorted(line.rsplit("\t", 1)[1] for line in (stage / "walk.O").read_text().splitlines())
    assert orphans == ["/srv/owned-3", "/srv/owned-999"]
