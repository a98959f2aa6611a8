"""The check bundle: ``ssm_documents/bundle/`` (package data) packed as a reproducible ``script.tar``.

Entries are sorted, with fixed owner (0:0 root), mtime and modes (0755 for directories and
``script.sh``, 0644 for the rest), in USTAR format with no extended headers, so the same sources
always give the same bytes and therefore the same SHA-256. Only ``script.sh``, ``lib/*.sh`` and
``checks/*.sh`` are packed, plus a generated ``VERSION`` (package version and source digest).
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from importlib import metadata
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ssm_documents.errors import BundleBuildError

__all__ = ["BUNDLE_MTIME", "BUNDLE_SOURCE", "BuiltBundle", "build_bundle", "bundle_bytes", "bundle_files"]

BUNDLE_SOURCE = Path(__file__).resolve().parent / "bundle"
BUNDLE_MTIME = 1767225600  # 2026-01-01T00:00:00Z: fixed, and recent enough that tar does not warn
BUNDLE_NAME = "script.tar"


class BuiltBundle(BaseModel):
    """A built bundle on disk."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    sha256: str
    size: int
    version: str


def bundle_files(source: Path = BUNDLE_SOURCE) -> list[tuple[str, Path]]:
    """The (entry name, file) pairs of the bundle, sorted by entry name."""
    script = source / "script.sh"
    if not script.is_file():
        raise BundleBuildError(f"{script} does not exist")
    files = [("script.sh", script)]
    for sub in ("lib", "checks"):
        folder = source / sub
        if folder.is_dir():
            files.extend(
                (f"{sub}/{p.name}", p) for p in folder.iterdir() if p.suffix == ".sh" and p.is_file()
            )
    return sorted(files)


def _version(files: list[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        package = metadata.version("cce-scan")
    except metadata.PackageNotFoundError:
        package = "0.0.0"
    return f"{package}+{digest.hexdigest()[:12]}"


def _info(name: str, size: int, mode: int, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = mode
    info.type = kind
    info.mtime = BUNDLE_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def bundle_bytes(source: Path = BUNDLE_SOURCE) -> tuple[bytes, str]:
    """The bundle tar's bytes and its version string."""
    files = bundle_files(source)
    version = _version(files)
    entries: dict[str, bytes | None] = {"VERSION": (version + "\n").encode()}
    for name, path in files:
        entries[name] = path.read_bytes()
    dirs = sorted({name.split("/", 1)[0] for name in entries if "/" in name})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for directory in dirs:
            tar.addfile(_info(directory + "/", 0, 0o755, tarfile.DIRTYPE))
        for name in sorted(entries):
            data = entries[name]
            assert data is not None
            mode = 0o755 if name == "script.sh" else 0o644
            tar.addfile(_info(name, len(data), mode), io.BytesIO(data))
    return buffer.getvalue(), version


def build_bundle(out_dir: Path, source: Path = BUNDLE_SOURCE) -> BuiltBundle:
    """Write ``out_dir/script.tar`` and return its path, SHA-256 and size."""
    data, version = bundle_bytes(source)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / BUNDLE_NAME
        path.write_bytes(data)
    except OSError as exc:
        raise BundleBuildError(f"cannot write {out_dir / BUNDLE_NAME}: {exc}") from exc
    return BuiltBundle(path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data), version=version)
