"""Benchmark the check bundle on this machine's live root.

Runs, warm (one untimed walk first), the full bundle against ``/`` in a temporary working
directory and, in the same run, a bare walk of the same filesystems
(``find / -xdev -printf '%m %U %G %p\\n'``, the floor), then prints the bundle's wall and CPU
time, the walk's wall time, the file count and the number of filesystem walks the bundle made.
The last line is JSON.

    .venv/bin/python bench/bundle.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "ssm_documents" / "bundle" / "script.sh"
WALK = ["find", "/", "-xdev", "-printf", "%m %U %G %p\\n"]


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


def bundle_run(work: Path) -> tuple[float, float, dict[str, Any], dict[str, Any]]:
    """Wall and CPU seconds of one full bundle run on ``/``, its meta.json and summary."""
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CCE_ROOT": "/"}
    cpu0, start = children_cpu(), time.monotonic()
    proc = subprocess.run(["sh", str(SCRIPT)], cwd=work, env=env, capture_output=True, text=True, check=False)
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
        summary = json.loads(lines[-1])
        items = [json.loads(line) for line in lines[:-1]]
        summary["slowest"] = [
            (i["code"], i["duration_ms"]) for i in sorted(items, key=lambda i: -int(i["duration_ms"]))[:6]
        ]
    tar_path.unlink()
    return wall, cpu, meta, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="bundle runs to average (default 1)")
    args = parser.parse_args(argv)

    bare_walk()  # warm the dentry and inode caches
    walls: list[float] = []
    cpus: list[float] = []
    meta: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="cce-bench-") as tmp:
        for _ in range(max(1, args.repeat)):
            wall, cpu, meta, summary = bundle_run(Path(tmp))
            walls.append(wall)
            cpus.append(cpu)
    walk_wall, walk_cpu, files = bare_walk()
    result = {
        "bundle_wall_s": round(min(walls), 3),
        "bundle_cpu_s": round(min(cpus), 3),
        "walk_wall_s": round(walk_wall, 3),
        "walk_cpu_s": round(walk_cpu, 3),
        "overhead_cpu_s": round(min(cpus) - walk_cpu, 3),
        "overhead_s": round(min(walls) - walk_wall, 3),
        "files": files,
        "bundle_walk_entries": meta.get("walk", {}).get("entries"),
        "walks": meta.get("walk", {}).get("count"),
        "bundle_walk_s": round(int(meta.get("walk", {}).get("ms", 0)) / 1000, 3),
        "counts": summary.get("counts", {}),
        "slowest_items_ms": summary.get("slowest", []),
        "cpus": os.cpu_count(),
        "load_1m": round(os.getloadavg()[0], 2),
    }
    print(
        f"bundle: {result['bundle_wall_s']} s wall, {result['bundle_cpu_s']} s CPU ({len(walls)} run(s), best)"
    )
    print(
        f"bare walk: {result['walk_wall_s']} s wall, {result['walk_cpu_s']} s CPU over {files} entries;"
        f" bundle walks: {result['walks']}"
    )
    print(f"the bundle's own walk: {result['bundle_walk_s']} s over {result['bundle_walk_entries']} entries")
    print(f"bundle minus walk: {result['overhead_s']} s wall, {result['overhead_cpu_s']} s CPU")
    print(f"statuses: {result['counts']}")
    print(f"slowest items (ms): {result['slowest_items_ms']}")
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
