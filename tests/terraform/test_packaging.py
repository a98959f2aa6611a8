"""`make package`: pinned, reproducible Lambda zips whose handler modules import from the zip alone."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement

from tests.terraform.hcl import ROOT
from tests.terraform.test_entries import CONTRACT


def load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_lambda", ROOT / "packaging" / "build_lambda.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


builder = load_builder()

HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
PACKAGE_OF = {"bot": "bot", "notifier": "bot", "worker": "scanner", "analyzer": "scanner"}


# Fast checks, no download.


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


@pytest.mark.parametrize("package", ["bot", "scanner"])
def test_pins_satisfy_the_project_dependency_ranges(package: str) -> None:
    pins = builder.read_pins(builder.PACKAGES[package][1])
    slack = {"slack-bolt", "slack-sdk"}
    command_line = {"rich"}  # the cce-scan CLI's: no function imports it

    for requirement in runtime_requirements():
        name = builder.canonical(requirement.name)
        if name in command_line:
            assert name not in pins, f"the {package} zip must not carry the command line's {name}"
            continue
        if package == "scanner" and name in slack:
            assert name not in pins, "the scanner zip must not carry Slack"
            continue
        assert name in pins, f"requirements-{package}.txt does not pin {name}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} is outside pyproject's {requirement.specifier}"
        )


def test_read_pins_rejects_a_range(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("boto3>=1.40\n")

    with pytest.raises(builder.PackagingError, match="not an exact pin"):
        builder.read_pins(requirements)


def test_platform_tags_cover_every_glibc_up_to_the_runtime() -> None:
    tags = builder.platform_tags("arm64", "3.12")

    assert "manylinux2014_aarch64" in tags
    assert "manylinux_2_17_aarch64" in tags
    assert "manylinux_2_34_aarch64" in tags
    assert "manylinux_2_35_aarch64" not in tags
    assert all(tag.endswith("_aarch64") for tag in tags)


def test_zip_is_byte_identical_whatever_the_order_and_normalised(tmp_path: Path) -> None:
    entries = [("b/x.py", b"x = 1\n", False), ("a/__init__.py", b"", False), ("a/run.so", b"\x7fELF", True)]

    first = builder.write_zip(tmp_path / "one.zip", entries)
    second = builder.write_zip(tmp_path / "two.zip", list(reversed(entries)))

    assert first.sha256 == second.sha256
    with zipfile.ZipFile(first.path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["a/__init__.py", "a/run.so", "b/x.py"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [i.external_attr >> 16 for i in infos] == [0o100644, 0o100755, 0o100644]


def test_zip_refuses_two_different_files_at_one_path(tmp_path: Path) -> None:
    with pytest.raises(builder.PackagingError, match="different contents"):
        builder.write_zip(tmp_path / "x.zip", [("a.py", b"1", False), ("a.py", b"2", False)])


# Real builds: wheels from PyPI for this machine's architecture and Python.


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sources, so builds compare the same input while the tree changes."""
    root = tmp_path_factory.mktemp("source")
    for package in ("bot", "scanner"):
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    return ROOT / "build" / "wheels" / f"{HOST_ARCH}-py{HOST_PYTHON}"


@pytest.fixture(scope="module")
def built(snapshot: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("lambda")
    unpacked: dict[str, Path] = {}
    for name in ("bot", "scanner"):
        result = builder.build(
            name, arch=HOST_ARCH, python=HOST_PYTHON, out=out, wheelhouse=wheelhouse, root=snapshot
        )
        target = out / name
        with zipfile.ZipFile(result.path) as archive:
            archive.extractall(target)
        unpacked[name] = target
        unpacked[f"{name}.zip"] = result.path
    return unpacked


@pytest.mark.slow
@pytest.mark.parametrize("package", ["bot", "scanner"])
def test_two_builds_of_the_same_sources_are_identical(
    package: str, built: dict[str, Path], snapshot: Path, wheelhouse: Path, tmp_path: Path
) -> None:
    again = builder.build(
        package, arch=HOST_ARCH, python=HOST_PYTHON, out=tmp_path, wheelhouse=wheelhouse, root=snapshot
    )

    first = hashlib.sha256(built[f"{package}.zip"].read_bytes()).hexdigest()
    assert again.sha256 == first


@pytest.mark.slow
def test_scanner_zip_carries_no_slack_and_no_bot(built: dict[str, Path]) -> None:
    top = {p.name for p in built["scanner"].iterdir()}

    assert "scanner" in top
    assert not {"bot", "slack_bolt", "slack_sdk"} & top
    assert {"bot", "scanner", "slack_bolt", "slack_sdk"} <= {p.name for p in built["bot"].iterdir()}


@pytest.mark.slow
@pytest.mark.parametrize("function", list(CONTRACT))
def test_handler_module_imports_from_the_unpacked_zip_alone(
    function: str, built: dict[str, Path], tmp_path: Path
) -> None:
    entry = CONTRACT[function]
    unpacked = built[PACKAGE_OF[function]]
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CCE_SCAN_CONFIG": str(ROOT / "cce_scan" / "examples" / "cce-scan.yaml"),
        "CCE_SCAN_TABLE": "cce-scan-state",
        "CCE_SCAN_JOBS_QUEUE_URL": "http://127.0.0.1:9/000000000000/cce-scan-jobs",
        "CCE_SCAN_EVENTS_QUEUE_URL": "http://127.0.0.1:9/000000000000/cce-scan-events",
        "SLACK_SECRET_ARN": "cce-scan/slack",
        "AWS_DEFAULT_REGION": "ap-northeast-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        # Any AWS call made at import time fails at once on a closed loopback port.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }
    code = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{str(unpacked)!r}]\n"
        f"module = importlib.import_module({entry.module!r})\n"
        f"assert callable(getattr(module, {entry.function!r}))\n"
        "print(module.__file__)\n"
    )

    # -S: no site-packages; -E: no PYTHON* variables; the working directory is empty.
    result = subprocess.run(
        [sys.executable, "-S", "-E", "-c", code],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().startswith(str(unpacked))
