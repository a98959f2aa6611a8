"""Build result tars the way the check bundle does (docs/design.md, "The result tar"), and break them
on purpose."""

from __future__ import annotations

import io
import json
import tarfile
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.results.edition import ITEMS

INSTANCE = "i-0123456789abcdef0"
HOSTNAME = "ip-10-0-0-12.ap-northeast-2.compute.internal"
SHA = "a" * 64


def item_line(code: str, status: str = "GOOD", **overrides: Any) -> dict[str, Any]:
    item = ITEMS[code]
    line: dict[str, Any] = {
        "type": "item",
        "edition": "KISA-2026",
        "code": code,
        "severity": item.severity.value,
        "status": status,
        "title": item.title_ko,
        "reason": f"{code} checked",
        "evidence": f"evidence of {code}",
        "legacy_codes": [],
        "duration_ms": 3,
    }
    line.update(overrides)
    return line


def summary_line(
    items: Iterable[Mapping[str, Any]], instance_id: str | None = INSTANCE, **overrides: Any
) -> dict[str, Any]:
    counts = Counter(str(item["status"]) for item in items)
    host: dict[str, Any] = {"hostname": HOSTNAME, "os": "Amazon Linux 2023"}
    if instance_id is not None:
        host["instance_id"] = instance_id
    line: dict[str, Any] = {
        "type": "summary",
        "host": host,
        "bundle": {"version": "2026.1.0", "sha256": SHA},
        "started_at": "2026-11-26T12:00:00Z",
        "finished_at": "2026-11-26T12:00:02Z",
        "counts": dict(counts),
    }
    line.update(overrides)
    return line


def statuses(vulnerable: Iterable[str] = (), manual: Iterable[str] = (), **other: str) -> dict[str, str]:
    """A status per code: GOOD unless listed."""
    result = dict.fromkeys(ITEMS, "GOOD")
    result.update(dict.fromkeys(vulnerable, "VULNERABLE"))
    result.update(dict.fromkeys(manual, "MANUAL"))
    result.update(other)
    return result


def results_lines(
    status_by_code: Mapping[str, str] | None = None, instance_id: str | None = INSTANCE
) -> list[dict[str, Any]]:
    status_by_code = status_by_code or statuses()
    items = [item_line(code, status) for code, status in status_by_code.items()]
    return [*items, summary_line(items, instance_id)]


def jsonl(lines: Iterable[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()


def build_tar(
    files: Mapping[str, bytes] | None = None,
    *,
    extra: Iterable[tarfile.TarInfo | tuple[tarfile.TarInfo, bytes]] = (),
    fmt: int = tarfile.GNU_FORMAT,
) -> bytes:
    """A tar of ``files`` (default: a valid 67-item result) plus any raw ``extra`` members."""
    if files is None:
        files = valid_files()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
        for member in extra:
            if isinstance(member, tuple):
                archive.addfile(member[0], io.BytesIO(member[1]))
            else:
                archive.addfile(member)
    return buffer.getvalue()


def valid_files(
    status_by_code: Mapping[str, str] | None = None, instance_id: str | None = INSTANCE
) -> dict[str, bytes]:
    files = {
        "results.jsonl": jsonl(results_lines(status_by_code, instance_id)),
        "meta.json": json.dumps({"instance_id": instance_id, "hostname": HOSTNAME}).encode(),
    }
    for code in ITEMS:
        files[f"evidence/{code}.txt"] = f"evidence for {code}\n".encode()
    return files
