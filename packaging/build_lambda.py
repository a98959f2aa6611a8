"""Build the Lambda zips: ``bot.zip`` (bot + scanner + Slack) and ``scanner.zip`` (scanner only).

Dependencies are the exact pins of ``requirements-<package>.txt``, downloaded from PyPI as
manylinux wheels for the target architecture and Python (``pip download --platform ...
--only-binary=:all:``) and unpacked straight into the zip, so nothing is compiled and nothing of the
build machine leaks in. The zips are reproducible: entries sorted, timestamps fixed, permissions
normalised, no ``__pycache__``; two builds from the same pins are byte-identical.

Usage: ``python packaging/build_lambda.py --arch arm64 --python 3.12 --out build/lambda``
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# What each zip holds: the project's packages and the requirements file of its dependencies.
PACKAGES: dict[str, tuple[tuple[str, ...], Path]] = {
    "bot": (("bot", "scanner"), HERE / "requirements-bot.txt"),
    "scanner": (("scanner",), HERE / "requirements-scanner.txt"),
}

ARCHITECTURES = {"arm64": "aarch64", "x86_64": "x86_64"}

# glibc of the Lambda runtimes: python3.11 runs on Amazon Linux 2 (2.26), later ones on AL2023 (2.34).
GLIBC = {"3.11": "2_26", "3.12": "2_34", "3.13": "2_34"}

# Lambda's limits for a zip uploaded directly and for the unpacked function.
MAX_ZIPPED = 50 * 1024 * 1024
MAX_UNZIPPED = 250 * 1024 * 1024

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIPPED_PARTS = {"__pycache__"}
SKIPPED_SUFFIXES = (".pyc", ".pyo")


class PackagingError(Exception):
    """A package cannot be built as asked (bad pins, a wheel missing for the platform, a clash)."""


@dataclass(frozen=True)
class Built:
    """One zip written, with the figures printed after a build."""

    name: str
    path: Path
    zipped: int
    unzipped: int
    files: int
    sha256: str


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(requirements: Path) -> dict[str, str]:
    """``name -> version`` from a requirements file of ``name==version`` lines and ``-r`` includes."""
    pins: dict[str, str] = {}
    for raw in requirements.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(read_pins(requirements.parent / line[3:].strip()))
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)", line)
        if not match:
            raise PackagingError(f"{requirements.name}: {raw!r} is not an exact pin name==version")
        pins[canonical(match[1])] = match[2]
    return pins


def platform_tags(arch: str, python: str) -> list[str]:
    """Every manylinux tag a wheel may carry and still load on the target runtime.

    ``pip download --platform`` matches tags exactly, so list each glibc from the oldest manylinux of
    the architecture up to the runtime's, under both the PEP 600 and the legacy names.
    """
    if arch not in ARCHITECTURES:
        raise PackagingError(f"unknown architecture {arch!r}: choose {', '.join(ARCHITECTURES)}")
    if python not in GLIBC:
        raise PackagingError(f"unsupported Python {python!r}: choose {', '.join(GLIBC)}")
    machine = ARCHITECTURES[arch]
    newest = int(GLIBC[python].split("_")[1])
    oldest = 17 if machine == "aarch64" else 5
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(oldest, newest + 1)]
    legacy = {5: "manylinux1", 12: "manylinux2010", 17: "manylinux2014"}
    tags += [f"{name}_{machine}" for minor, name in legacy.items() if oldest <= minor <= newest]
    return tags


def pip_environment() -> dict[str, str]:
    """The environment for pip: PyPI only, whatever local indexes or wheel folders are configured."""
    env = {key: value for key, value in os.environ.items() if key not in _PIP_SOURCES}
    env["PIP_CONFIG_FILE"] = os.devnull
    # Ignoring the configuration files drops their CA bundle too: keep trusting the system's.
    if "PIP_CERT" not in env and Path(SYSTEM_CA_BUNDLE).is_file():
        env["PIP_CERT"] = SYSTEM_CA_BUNDLE
    return env


SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


_PIP_SOURCES = {
    "PIP_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_NO_INDEX",
    "PIP_CONSTRAINT",
    "PIP_REQUIREMENT",
    "PIP_CONFIG_FILE",
}


def download_wheels(requirements: Path, wheelhouse: Path, *, arch: str, python: str) -> list[Path]:
    """Download the pinned wheels for the target platform from PyPI; return the wheels of the pins."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    pins = read_pins(requirements)
    cached = _wheels_for(pins, wheelhouse)
    if len(cached) == len(pins):
        return [cached[name] for name in sorted(cached)]  # a wheelhouse is per target: no download
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        *(option for tag in platform_tags(arch, python) for option in ("--platform", tag)),
        "--implementation",
        "cp",
        "--python-version",
        python,
        "--dest",
        str(wheelhouse),
        "--requirement",
        str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=pip_environment())
    if result.returncode != 0:
        raise PackagingError(f"pip download failed for {requirements.name}:\n{result.stderr.strip()}")
    wheels = _wheels_for(pins, wheelhouse)
    missing = sorted(set(pins) - set(wheels))
    if missing:
        raise PackagingError(f"no wheel downloaded for {', '.join(missing)}")
    unpinned = sorted(
        {canonical(wheel.name.split("-")[0]) for wheel in wheelhouse.glob("*.whl")} - _every_pin()
    )
    if unpinned:
        raise PackagingError(f"pip resolved dependencies nothing pins: {', '.join(unpinned)}; pin them")
    return [wheels[name] for name in sorted(wheels)]


def _wheels_for(pins: dict[str, str], wheelhouse: Path) -> dict[str, Path]:
    """The wheelhouse's wheel of each pinned project at its pinned version."""
    wheels: dict[str, Path] = {}
    for wheel in sorted(wheelhouse.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        if pins.get(canonical(name)) == version:
            wheels[canonical(name)] = wheel
    return wheels


def _every_pin() -> set[str]:
    """Projects pinned by any package's requirements (a wheelhouse may be shared by both zips)."""
    names: set[str] = set()
    for _, requirements in PACKAGES.values():
        names |= set(read_pins(requirements))
    return names


def _wheel_entries(wheel: Path) -> Iterator[tuple[str, bytes, bool]]:
    """Files a wheel installs into site-packages: ``(path, data, executable)``."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename
            parts = name.split("/")
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue  # scripts, headers and data files are not importable code
                name = "/".join(parts[2:])
            if _skipped(name):
                continue
            executable = bool((info.external_attr >> 16) & 0o111)
            yield name, archive.read(info), executable


def _skipped(name: str) -> bool:
    return bool(SKIPPED_PARTS & set(name.split("/"))) or name.endswith(SKIPPED_SUFFIXES)


def _project_entries(packages: Iterable[str], root: Path) -> Iterator[tuple[str, bytes, bool]]:
    for package in packages:
        base = root / package
        if not (base / "__init__.py").is_file():
            raise PackagingError(f"{package}/__init__.py not found under {root}")
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not _skipped(relative):
                yield relative, path.read_bytes(), False


def _project_metadata(root: Path) -> tuple[str, bytes, bool]:
    """A minimal dist-info so ``importlib.metadata.version("cce-scan")`` answers inside Lambda."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    version = project["version"]
    text = f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {version}\n"
    return f"cce_scan-{version}.dist-info/METADATA", text.encode(), False


def write_zip(destination: Path, entries: Iterable[tuple[str, bytes, bool]]) -> Built:
    """Write a reproducible zip; the same entries always give the same bytes."""
    files: dict[str, tuple[bytes, bool]] = {}
    for name, data, executable in entries:
        previous = files.get(name)
        if previous is not None and previous[0] != data:
            raise PackagingError(f"two sources write different contents to {name}")
        files[name] = (data, executable)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            data, executable = files[name]
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    payload = buffer.getvalue()
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(payload)
    return Built(
        name=destination.stem,
        path=destination,
        zipped=len(payload),
        unzipped=sum(len(data) for data, _ in files.values()),
        files=len(files),
        sha256=hashlib.sha256(payload).hexdigest(),
    )


def build(
    name: str,
    *,
    arch: str,
    python: str,
    out: Path,
    wheelhouse: Path,
    root: Path = ROOT,
) -> Built:
    """Build ``<out>/<name>.zip`` for the target architecture and Python."""
    if name not in PACKAGES:
        raise PackagingError(f"unknown package {name!r}: choose {', '.join(PACKAGES)}")
    packages, requirements = PACKAGES[name]
    wheels = download_wheels(requirements, wheelhouse, arch=arch, python=python)

    def entries() -> Iterator[tuple[str, bytes, bool]]:
        for wheel in wheels:
            yield from _wheel_entries(wheel)
        yield from _project_entries(packages, root)
        yield _project_metadata(root)

    built = write_zip(out / f"{name}.zip", entries())
    if built.zipped > MAX_ZIPPED or built.unzipped > MAX_UNZIPPED:
        raise PackagingError(
            f"{built.path.name} is {built.zipped / 2**20:.1f} MiB zipped, {built.unzipped / 2**20:.1f} MiB "
            "unzipped: over Lambda's 50 MiB / 250 MiB limits for a direct upload"
        )
    return built


def report(built: Sequence[Built], *, arch: str, python: str) -> str:
    lines = [f"Lambda packages for {arch}, Python {python}:"]
    for item in built:
        shown = item.path.relative_to(Path.cwd()) if item.path.is_relative_to(Path.cwd()) else item.path
        lines.append(
            f"  {shown}  {item.zipped / 2**20:6.2f} MiB zipped  {item.unzipped / 2**20:7.2f} MiB unzipped  "
            f"{item.files:5d} files  sha256 {item.sha256}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="arm64")
    parser.add_argument("--python", choices=sorted(GLIBC), default="3.12")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lambda")
    parser.add_argument(
        "--wheelhouse", type=Path, default=None, help="download cache (default build/wheels/<arch>-<python>)"
    )
    parser.add_argument("--only", choices=sorted(PACKAGES), action="append", help="build only these")
    args = parser.parse_args(argv)
    wheelhouse = args.wheelhouse or ROOT / "build" / "wheels" / f"{args.arch}-py{args.python}"
    try:
        built = [
            build(name, arch=args.arch, python=args.python, out=args.out, wheelhouse=wheelhouse)
            for name in (args.only or sorted(PACKAGES))
        ]
    except PackagingError as exc:
        print(f"build_lambda: {exc}", file=sys.stderr)
        return 1
    print(report(built, arch=args.arch, python=args.python))
    return 0


if __name__ == "__main__":
    sys.exit(main())
