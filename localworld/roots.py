"""Fixture roots: materialise ``localworld/fixture_roots/<name>/`` into a directory the bundle can scan.

A fixture root is a folder holding ``root/`` (the files, as git keeps them) and ``spec.yaml``: the
distribution and, per path, what git cannot hold (mode bits beyond 644/755, numeric owners, empty
directories, symlinks, FIFOs, device nodes, generated content). ``materialise_root`` copies the
files and applies the spec. Without root privileges, ownership and device nodes cannot be
reproduced: those are reported as notes instead of failing.

The roots are the world's package data (its hosts run the checks against them), read with
:mod:`importlib.resources`; each also holds the verdicts the golden tests expect of it
(``expected-*.yaml``), which stay out of the wheel (MANIFEST.in).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path, PurePosixPath
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from localworld.packaged import package_path

__all__ = [
    "FIXTURE_ROOTS_DIR",
    "Distribution",
    "MaterialisedRoot",
    "PathSpec",
    "RootSpec",
    "fixture_names",
    "load_root_spec",
    "materialise_root",
    "remove_root",
]

FIXTURE_ROOTS_DIR = package_path("localworld", "fixture_roots")

PathType = Literal["file", "dir", "symlink", "fifo", "char", "block"]


class Distribution(BaseModel):
    """Which distribution the root stands for (os-release ``ID`` and ``VERSION_ID``)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: str


class PathSpec(BaseModel):
    """What one path of the root must be, beyond what git holds."""

    model_config = ConfigDict(extra="forbid")

    type: PathType = "file"
    mode: str | None = Field(default=None, description="octal permission bits, e.g. '0640' or '4755'")
    uid: int = 0
    gid: int = 0
    target: str | None = None
    content: str | None = Field(default=None, description="file content, for files git should not hold")
    major: int = 0
    minor: int = 0

    @field_validator("mode")
    @classmethod
    def _octal(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value or len(value) > 4 or any(c not in "01234567" for c in value):
            raise ValueError(f"mode must be 1-4 octal digits, got {value!r}")
        return value.zfill(4)


class RootSpec(BaseModel):
    """The ``spec.yaml`` of a fixture root."""

    model_config = ConfigDict(extra="forbid")

    distribution: Distribution
    description: str = ""
    paths: dict[str, PathSpec] = Field(default_factory=dict)

    @field_validator("paths")
    @classmethod
    def _absolute(cls, value: dict[str, PathSpec]) -> dict[str, PathSpec]:
        for path in value:
            parts = PurePosixPath(path).parts
            if not path.startswith("/") or ".." in parts or path == "/":
                raise ValueError(f"spec paths must be absolute, below / and without '..': {path!r}")
        for path, spec in value.items():
            if spec.type == "symlink" and not spec.target:
                raise ValueError(f"symlink {path!r} needs a target")
        return value


class MaterialisedRoot(BaseModel):
    """A fixture root on disk, and what could not be reproduced there."""

    model_config = ConfigDict(extra="forbid")

    name: str
    path: Path
    distribution: Distribution
    notes: list[str] = Field(default_factory=list)


def fixture_names(base: Path = FIXTURE_ROOTS_DIR) -> list[str]:
    """Every fixture root under ``base`` (a directory holding ``spec.yaml``), sorted."""
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "spec.yaml").is_file())


def load_root_spec(fixture: Path) -> RootSpec:
    """Read and validate ``fixture/spec.yaml``."""
    data = yaml.safe_load((fixture / "spec.yaml").read_text(encoding="utf-8")) or {}
    return RootSpec.model_validate(data)


def _inside(dest: Path, path: str) -> Path:
    return dest / path.lstrip("/")


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _create(dest: Path, path: str, spec: PathSpec, notes: list[str]) -> None:
    target = _inside(dest, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if spec.type == "dir":
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            _remove(target)
        target.mkdir(exist_ok=True)
    elif spec.type == "symlink":
        if target.exists() or target.is_symlink():
            _remove(target)
        assert spec.target is not None
        os.symlink(spec.target, target)
    elif spec.type == "fifo":
        if target.exists() or target.is_symlink():
            _remove(target)
        os.mkfifo(target)
    elif spec.type in ("char", "block"):
        if target.exists() or target.is_symlink():
            _remove(target)
        kind = stat.S_IFCHR if spec.type == "char" else stat.S_IFBLK
        try:
            os.mknod(target, 0o600 | kind, os.makedev(spec.major, spec.minor))
        except PermissionError:
            notes.append(f"{path}: {spec.type} device not created (needs root)")
    else:
        if spec.content is not None:
            if target.is_symlink() or target.is_dir():
                _remove(target)
            target.write_text(spec.content, encoding="utf-8")
        elif not target.exists() and not target.is_symlink():
            raise FileNotFoundError(f"spec names {path} as a file but root/ has no such file and no content")


def materialise_root(fixture: Path | str, dest: Path, *, base: Path = FIXTURE_ROOTS_DIR) -> MaterialisedRoot:
    """Copy fixture ``root/`` to ``dest`` and apply its ``spec.yaml``.

    ``fixture`` is a fixture name (under ``base``) or a fixture directory. ``dest`` must not exist
    or be empty. Everything is owned by UID/GID 0 unless the spec says otherwise; as non-root the
    owners stay the caller's and each difference becomes a note.
    """
    fixture_dir = Path(fixture) if isinstance(fixture, Path) else base / fixture
    spec = load_root_spec(fixture_dir)
    notes: list[str] = []
    src = fixture_dir / "root"
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise FileExistsError(f"{dest} is not empty")
    if src.is_dir():
        shutil.copytree(src, dest, symlinks=True, dirs_exist_ok=True)

    ordered = sorted(spec.paths.items(), key=lambda item: (item[0].count("/"), item[0]))
    for path, path_spec in ordered:
        _create(dest, path, path_spec, notes)

    is_root = os.geteuid() == 0
    owners: dict[Path, tuple[int, int]] = {}
    for current, dirs, files in os.walk(dest):
        for name in [*dirs, *files]:
            owners[Path(current) / name] = (0, 0)
    owners[dest] = (0, 0)
    for path, path_spec in spec.paths.items():
        owners[_inside(dest, path)] = (path_spec.uid, path_spec.gid)

    if is_root:
        for target, (uid, gid) in owners.items():
            if target.exists() or target.is_symlink():
                os.lchown(target, uid, gid)
    else:
        special = sorted(p for p, s in spec.paths.items() if (s.uid, s.gid) != (0, 0))
        notes.append(
            f"ownership not reproduced (running as uid {os.geteuid()}): every path is owned by the "
            "caller instead of 0:0"
            + (f"; declared owners skipped for {', '.join(special)}" if special else "")
        )

    # Modes last, deepest first, so a 0000 directory does not block the work above.
    for path, path_spec in sorted(spec.paths.items(), key=lambda item: -item[0].count("/")):
        if path_spec.mode is None or path_spec.type == "symlink":
            continue
        target = _inside(dest, path)
        if target.exists():
            os.chmod(target, int(path_spec.mode, 8))
    return MaterialisedRoot(name=fixture_dir.name, path=dest, distribution=spec.distribution, notes=notes)


def remove_root(path: Path) -> None:
    """Delete a materialised root, also where modes such as 0000 would stop a plain removal."""
    if not path.exists():
        return
    for current, dirs, _files in os.walk(path):
        for name in dirs:
            full = Path(current) / name
            if not full.is_symlink():
                os.chmod(full, 0o700)
    os.chmod(path, 0o700)
    shutil.rmtree(path)
