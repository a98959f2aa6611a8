"""Run the real bundle (``ssm_documents/bundle/script.sh``) with ``sh`` and read its result tar."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
BUNDLE_DIR = REPO / "ssm_documents" / "bundle"
SCRIPT = BUNDLE_DIR / "script.sh"
STATUSES = ("GOOD", "VULNERABLE", "MANUAL", "NOT_APPLICABLE", "ERROR")


@dataclass
class BundleRun:
    """What one run of the bundle produced."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    tar_path: Path | None
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)


def run_bundle(
    root: Path,
    work: Path,
    *,
    env: dict[str, str] | None = None,
    script: Path = SCRIPT,
    timeout: float = 300,
) -> BundleRun:
    """Run ``script`` against ``root`` (``CCE_ROOT``) in working directory ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CCE_ROOT": str(root)}
    run_env.update(env or {})
    start = time.monotonic()
    proc = subprocess.run(
        ["sh", str(script)],
        cwd=work,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    seconds = time.monotonic() - start
    tars = sorted(p for p in work.iterdir() if p.suffix == ".tar")
    run = BundleRun(proc.returncode, proc.stdout, proc.stderr, seconds, tars[0] if tars else None)
    if run.tar_path is not None:
        read_result_tar(run.tar_path, run)
    return run


def read_result_tar(path: Path, run: BundleRun) -> None:
    """Fill ``run`` from a result tar: items, summary, meta, evidence."""
    with tarfile.open(path) as tar:
        run.members = tar.getnames()
        for member in tar.getmembers():
            if not member.isfile():
                continue
            extracted = tar.extractfile(member)
            assert extracted is not None
            data = extracted.read()
            if member.name == "results.jsonl":
                lines = io.StringIO(data.decode("utf-8")).read().splitlines()
                for line in lines[:-1]:
                    item = json.loads(line)
                    run.items[item["code"]] = item
                    run.order.append(item["code"])
                run.summary = json.loads(lines[-1]) if lines else {}
            elif member.name == "meta.json":
                run.meta = json.loads(data.decode("utf-8"))
            elif member.name.startswith("evidence/"):
                run.evidence[member.name.removeprefix("evidence/").removesuffix(".txt")] = data.decode(
                    "utf-8"
                )
