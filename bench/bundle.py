"""Benchmark the check bundle on this machine's live root.

Warm (one untimed walk first), each round runs, each right after a bare walk of the same
filesystems (``find / -xdev -printf '%m %U %G %p\\n'``, the floor), the full bundle against ``/`` in
a temporary working directory, the default way (the walk in the background while the items
that do not need it run) and, unless ``--overlap-only``, with ``CCE_WALK_OVERLAP=0`` (the walk
first, then every item, one after the other). Prints, per run and as the best of the rounds,
the bundle's wall and CPU time, the walk's wall time, the file count, the number of filesystem
walks the bundle made and the items that took longest; per schedule, the best and the median of
the rounds' ratios (bundle wall / bare walk wall). With ``--compare REV`` each round also runs the
bundle of git revision REV the same ways (the two in alternating order), so that a change is
measured against its before in the same conditions. With ``--lynis`` each round ends with a run of
Lynis (``lynis audit system --quick``, when installed) for a side-by-side of wall and CPU time. The
last line is JSON.

    .venv/bin/python bench/bundle.py [--repeat N] [--overlap-only] [--compare REV] [--lynis]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "ssm_documents" / "bundle" / "script.sh"
WALK = ["find", "/", "-xdev", "-printf", "%m %U %G %p\\n"]
WALK_ITEMS = ("U-15", "U-23", "U-25", "U-26", "U-33", "U-67")


@dataclass
class BundleRun:
    """One bundle run: wall and CPU seconds, its meta.json walk record, counts and item times."""

    wall: float
    cpu: float
    walk: dict[str, Any]
    counts: dict[str, int]
    items_ms: dict[str, int] = field(default_factory=dict)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare_walk() -> tuple[float, float, int]:
    """Wall and CPU seconds of the bare walk and the number of entries it printed."""
    cpu0, start = children_cpu(), time.monotonic()
    proc = subprocess.Popen(WALK, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    count = sum(1 for _ in proc.stdout)
    proc.wait()
    return time.monotonic() - start, children_cpu() - cpu0, count


def bundle_at(rev: str, dest: Path) -> Path:
    """The runner of the bundle at git revision ``rev``, extracted under ``dest``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "ssm_documents/bundle"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "ssm_documents" / "bundle" / "script.sh"


def bundle_run(work: Path, *, overlap: bool, script: Path = SCRIPT) -> BundleRun:
    """One full bundle run on ``/``."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CCE_ROOT": "/"}
    if not overlap:
        env["CCE_WALK_OVERLAP"] = "0"
    cpu0, start = children_cpu(), time.monotonic()
    proc = subprocess.run(["sh", str(script)], cwd=work, env=env, capture_output=True, text=True, check=False)
    wall, cpu = time.monotonic() - start, children_cpu() - cpu0
    if proc.returncode != 0:
        sys.exit(f"bundle failed ({proc.returncode}): {proc.stderr[-2000:]}")
    tar_path = Path(proc.stdout.strip().splitlines()[-1])
    with tarfile.open(tar_path) as tar:
        meta_file = tar.extractfile("meta.json")
        results_file = tar.extractfile("results.jsonl")
        assert meta_file is not None
        assert results_file is not None
        meta = json.loads(meta_file.read())
        lines = results_file.read().decode().splitlines()
    tar_path.unlink()
    items = [json.loads(line) for line in lines[:-1]]
    return BundleRun(
        wall=wall,
        cpu=cpu,
        walk=meta.get("walk", {}),
        counts=json.loads(lines[-1]).get("counts", {}),
        items_ms={str(i["code"]): int(i["duration_ms"]) for i in items},
    )


def lynis_run(work: Path) -> dict[str, Any]:
    """One ``lynis audit system --quick`` (its report and log in ``work``): wall and CPU seconds, the
    tests it ran and skipped."""
    report, log = work / "lynis-report.dat", work / "lynis.log"
    cpu0, start = children_cpu(), time.monotonic()
    subprocess.run(
        [
            "lynis",
            "audit",
            "system",
            "--quick",
            "--no-colors",
            "--quiet",
            "--report-file",
            str(report),
            "--log-file",
            str(log),
        ],
        capture_output=True,
        check=False,
    )
    wall, cpu = time.monotonic() - start, children_cpu() - cpu0
    fields: dict[str, str] = {}
    for line in report.read_text(errors="replace").splitlines() if report.exists() else []:
        key, _, value = line.partition("=")
        fields.setdefault(key, value)
    figures = {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "tests_executed": len([t for t in fields.get("tests_executed", "").split("|") if t]),
        "tests_skipped": len([t for t in fields.get("tests_skipped", "").split("|") if t]),
    }
    print(
        f"  lynis      {wall:.2f} s (CPU {cpu:.2f} s), tests run {figures['tests_executed']},"
        f" skipped {figures['tests_skipped']}"
    )
    return figures


def describe(label: str, run: BundleRun, walk_wall: float) -> dict[str, Any]:
    """The figures of one bundle run next to the bare walk of the same round."""
    walk_items = sum(run.items_ms.get(code, 0) for code in WALK_ITEMS)
    other_items = sum(run.items_ms.values()) - walk_items
    figures = {
        "mode": label,
        "bundle_wall_s": round(run.wall, 3),
        "bundle_cpu_s": round(run.cpu, 3),
        "walk_wall_s": round(walk_wall, 3),
        "overhead_s": round(run.wall - walk_wall, 3),
        "ratio": round(run.wall / walk_wall, 2),
        "bundle_walk_s": round(int(run.walk.get("ms", 0)) / 1000, 3),
        "walks": run.walk.get("count"),
        "walk_items_s": round(walk_items / 1000, 3),
        "other_items_s": round(other_items / 1000, 3),
        "after_own_walk_s": round(run.wall - int(run.walk.get("ms", 0)) / 1000, 3),
    }
    print(
        f"  {label:10} bundle {run.wall:.2f} s (CPU {run.cpu:.2f} s), bare walk {walk_wall:.2f} s,"
        f" bundle - walk {run.wall - walk_wall:+.2f} s, ratio {run.wall / walk_wall:.2f};"
        f" its own walk {figures['bundle_walk_s']:.2f} s (+{figures['after_own_walk_s']:.2f} s), walks {figures['walks']},"
        f" items: walk items {walk_items / 1000:.2f} s, others {other_items / 1000:.2f} s"
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--overlap-only", action="store_true", help="skip the CCE_WALK_OVERLAP=0 runs")
    parser.add_argument("--compare", metavar="REV", help="also run the bundle of this git revision")
    parser.add_argument("--lynis", action="store_true", help="end each round with a Lynis run")
    args = parser.parse_args(argv)

    schedules = [("overlap", True)] if args.overlap_only else [("overlap", True), ("sequential", False)]
    bare_walk()  # warm the dentry and inode caches
    files = 0
    last: dict[str, BundleRun] = {}
    lynis: list[dict[str, Any]] = []
    if args.lynis and shutil.which("lynis") is None:
        sys.exit("--lynis: lynis is not installed (apt-get install lynis)")
    with tempfile.TemporaryDirectory(prefix="cce-bench-") as tmp:
        scripts = [("", SCRIPT)]
        if args.compare:
            rev_dir = Path(tmp) / "rev"
            rev_dir.mkdir()
            scripts.append((f"@{args.compare}", bundle_at(args.compare, rev_dir)))
        work = Path(tmp) / "work"
        work.mkdir()
        modes = [
            (f"{label}{tag}", overlap, script) for tag, script in scripts for label, overlap in schedules
        ]
        rounds: dict[str, list[dict[str, Any]]] = {label: [] for label, _, _ in modes}
        for n in range(max(1, args.repeat)):
            print(f"round {n + 1}: load {os.getloadavg()[0]:.2f}")
            order = modes if n % 2 == 0 or len(scripts) == 1 else modes[::-1]
            for label, overlap, script in order:
                # each bundle run right after its own bare walk: on a shared machine the load moves
                # between runs, and a ratio is only fair between neighbours
                walk_wall, _, files = bare_walk()
                run = bundle_run(work, overlap=overlap, script=script)
                last[label] = run
                rounds[label].append(describe(label, run, walk_wall))
            if args.lynis:
                lynis.append(lynis_run(work))
    result: dict[str, Any] = {"files": files, "cpus": os.cpu_count(), "load_1m": round(os.getloadavg()[0], 2)}
    for label, runs in rounds.items():
        best = min(runs, key=lambda r: r["ratio"])
        slowest = sorted(last[label].items_ms.items(), key=lambda kv: -kv[1])[:6]
        result[label] = {
            "best": best,
            "median_overhead_s": round(statistics.median(r["overhead_s"] for r in runs), 3),
            "median_ratio": round(statistics.median(r["ratio"] for r in runs), 2),
            "ratios": [r["ratio"] for r in runs],
            "counts": last[label].counts,
            "slowest_items_ms": slowest,
        }
        print(
            f"{label}: best ratio {best['ratio']} (bundle - walk {best['overhead_s']:+.2f} s),"
            f" median ratio {result[label]['median_ratio']} (median bundle - walk"
            f" {result[label]['median_overhead_s']:+.2f} s); statuses {last[label].counts};"
            f" slowest items (ms) {slowest}"
        )
    if lynis:
        result["lynis"] = {
            "median_wall_s": statistics.median(r["wall_s"] for r in lynis),
            "median_cpu_s": statistics.median(r["cpu_s"] for r in lynis),
            "runs": lynis,
        }
        print(
            f"lynis: median {result['lynis']['median_wall_s']:.2f} s (CPU {result['lynis']['median_cpu_s']:.2f} s)"
        )
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
