"""Benchmark of the analyzer's per-host work on synthetic result tars.

Each host's tar (67 items with random statuses, meta.json and 67 evidence files, like the bundle's)
is made in memory just before it is analyzed; only the analysis is timed (in CPU seconds of this
process, so other load on the machine does not count; wall-clock figures are printed too): the safe tar walk, the
validation of every line, the findings, the OCSF JSONL, the host summary JSON and folding the host
into the scan summary (what the Lambda does per object, minus S3). One host in 100 is truncated, so
the rejection path is measured too.

    python bench/analyze.py [--hosts 10000] [--seed 1]

Prints ``hosts``, ``hosts_per_s`` and ``peak_rss_mb``; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.findings import ResultKey, ocsf_jsonl
from scanner.findings.analysis import analyze_tar
from scanner.outcomes import HostOutcome
from scanner.report import ScanAggregator
from scanner.results import ITEMS

SCAN = "20261126T120000-bench0"
STATUSES = ("GOOD", "VULNERABLE", "MANUAL", "NOT_APPLICABLE", "ERROR")
WEIGHTS = (80, 12, 5, 2, 1)


def _header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    info.mtime = 1_795_694_400
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _member(name: str, data: bytes) -> bytes:
    return _header(name, len(data)) + data + bytes(-len(data) % 512)


class Synth:
    """Makes realistic result tars quickly: the parts that do not change are built once."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._lines = {
            (code, status): json.dumps(
                {
                    "type": "item",
                    "edition": "KISA-2026",
                    "code": code,
                    "severity": item.severity.value,
                    "status": status,
                    "title": item.title_ko,
                    "reason": f"{code}: 설정 값을 확인했습니다 (checked the effective configuration)",
                    "evidence": f"/etc/ssh/sshd_config: PermitRootLogin no ({code})",
                    "legacy_codes": [f"KISA-2021:{code}"],
                    "duration_ms": 7,
                },
                ensure_ascii=False,
            )
            for code, item in ITEMS.items()
            for status in STATUSES
        }
        self._evidence = b"".join(
            _member(f"evidence/{code}.txt", (f"# {code}\n" + "key = value\n" * 20).encode()) for code in ITEMS
        )

    def host(self, account: str, instance: str) -> bytes:
        statuses = self._random.choices(STATUSES, WEIGHTS, k=len(ITEMS))
        lines = [self._lines[(code, status)] for code, status in zip(ITEMS, statuses, strict=True)]
        summary = {
            "type": "summary",
            "host": {"instance_id": instance, "hostname": f"ip-{instance[-6:]}", "region": "ap-northeast-2"},
            "bundle": {"version": "2026.1.0", "sha256": "0" * 64},
            "started_at": "2026-11-26T12:00:00Z",
            "finished_at": "2026-11-26T12:00:02Z",
            "counts": dict(Counter(statuses)),
        }
        results = ("\n".join(lines) + "\n" + json.dumps(summary) + "\n").encode()
        meta = json.dumps({"instance_id": instance, "account_id": account}).encode()
        return _member("results.jsonl", results) + _member("meta.json", meta) + self._evidence + bytes(1024)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    synth = Synth(args.seed)
    aggregator = ScanAggregator(SCAN)
    outcomes: Counter[HostOutcome] = Counter()
    analysis_cpu = 0.0
    analysis_wall = 0.0
    output_bytes = 0
    tar_bytes = 0
    started = time.perf_counter()
    for number in range(args.hosts):
        account = f"{100_000_000_000 + number % 20:012d}"
        instance = f"i-{number:017x}"
        data = synth.host(account, instance)
        if number % 100 == 99:
            data = data[: len(data) // 2]
        tar_bytes += len(data)
        begin_cpu, begin_wall = time.process_time(), time.perf_counter()
        host = analyze_tar(data, ResultKey(SCAN, account, instance))
        findings = ocsf_jsonl(host.findings)
        summary = host.analysis.summary.model_dump_json()
        aggregator.add(host.analysis.summary)
        analysis_cpu += time.process_time() - begin_cpu
        analysis_wall += time.perf_counter() - begin_wall
        output_bytes += len(findings) + len(summary)
        outcomes[host.analysis.outcome] += 1
    wall = time.perf_counter() - started
    scan = aggregator.result()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    figures = {
        "hosts": args.hosts,
        "hosts_per_s": round(args.hosts / analysis_cpu, 1),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "hosts_per_s_wall": round(args.hosts / analysis_wall, 1),
        "analysis_cpu_s": round(analysis_cpu, 3),
        "analysis_wall_s": round(analysis_wall, 3),
        "wall_s_with_synthesis": round(wall, 3),
        "succeeded": outcomes[HostOutcome.SUCCEEDED],
        "result_invalid": outcomes[HostOutcome.RESULT_INVALID],
        "mean_tar_kib": round(tar_bytes / args.hosts / 1024, 1),
        "ocsf_mib": round(output_bytes / 1024 / 1024, 1),
        "findings": sum(scan.counts.values()),
    }
    print(f"hosts {figures['hosts']}")
    print(f"hosts_per_s {figures['hosts_per_s']}")
    print(f"peak_rss_mb {figures['peak_rss_mb']}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
