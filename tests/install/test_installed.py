"""The installed package as a user gets it: a wheel of this tree in a fresh venv, run outside the checkout.

A plain ``pip install cce-scan`` builds the check bundle (``cce-scan bundle build``, byte for byte the
checkout's) and, asked for ``cce-scan local``, names the ``[local]`` extra it needs (exit 2, no
traceback). With ``pip install 'cce-scan[local]'`` the local world reads its data from the installed
packages — the example configuration and demo fleet (``cce_scan.examples``), the fixture roots
(``localworld/fixture_roots``), the Terraform modules (``terraform/modules``) and the Slack manifest
(``bot/manifest.yaml``) — and ``cce-scan local`` plays the whole story under the Terraform's IAM.

The venv is new and holds no checkout path: the wheel is built from a copy of the tree's files (git's
tracked and untracked-but-not-ignored ones), the dependencies come from the package registry pinned
to this environment's versions (``pip freeze`` as constraints), and every command runs in a
directory outside the checkout with ``PYTHONPATH`` unset. The tests of the plain install come first
in this module: the ``[local]`` extra is then installed into the same venv.

Slow (a build, two installs and a scan; about a minute and a half on an idle machine): ``make
test-install``, which .ci/run runs; ``make test`` leaves it out (marker ``install``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from ssm_documents.bundle_tar import bundle_bytes

pytestmark = [pytest.mark.install, pytest.mark.timeout(1200)]

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(
    r"^scan (\S+): (\d+) hosts, (\d+) succeeded, (\d+) failed, (\d+) skipped; findings: (.+)$"
)


def _tracked_files(prefix: str) -> set[str]:
    """The files git holds under ``prefix`` of the checkout, relative to it."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", prefix], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return {Path(name).relative_to(prefix).as_posix() for name in listed.split("\0") if name}


def _packaged_roots() -> set[str]:
    """The fixture roots' files the world reads: all but the golden tests' expected-*.yaml."""
    return {
        name
        for name in _tracked_files("localworld/fixture_roots")
        if not re.fullmatch(r"[^/]+/expected-[^/]+\.yaml", name)
    }


@dataclass(frozen=True)
class Installed:
    """A fresh venv holding the wheel, and a working directory outside the checkout."""

    venv: Path
    work: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args),
            cwd=self.work,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def cce_scan(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """The venv's ``cce-scan`` console script."""
        return self.run(str(self.venv / "bin" / "cce-scan"), *args, timeout=timeout)

    def pip_install(self, requirement: str, constraints: Path) -> None:
        pip = [str(self.python), "-m", "pip", "install", "--quiet"]
        done = self.run(*pip, "-c", str(constraints), requirement, timeout=900)
        assert done.returncode == 0, done.stderr[-4000:]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("install")
    assert not base.resolve().is_relative_to(ROOT.resolve())
    return base


@pytest.fixture(scope="module")
def wheel(workspace: Path) -> Path:
    """A wheel of this tree, built from a copy of its files (the checkout is left as it is)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    source = workspace / "source"
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if path.is_file() and not path.is_symlink():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, source / name)
    wheels = workspace / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    (built,) = wheels.glob("cce_scan-*.whl")
    return built


@pytest.fixture(scope="module")
def constraints(workspace: Path) -> Path:
    """This environment's versions, so the new venv runs what the rest of the suite ran."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout
    pins = [
        line
        for line in frozen.splitlines()
        if "==" in line and not re.match(r"cce[-_]scan==", line, re.IGNORECASE)
    ]
    path = workspace / "constraints.txt"
    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def plain(workspace: Path, wheel: Path, constraints: Path) -> Installed:
    """``pip install cce-scan`` (no extra) in a new venv."""
    venv = workspace / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    work = workspace / "work"
    work.mkdir()
    installed = Installed(venv, work)
    installed.pip_install(str(wheel), constraints)
    return installed


@pytest.fixture(scope="module")
def with_local(plain: Installed, wheel: Path, constraints: Path) -> Installed:
    """The same venv after ``pip install 'cce-scan[local]'``."""
    plain.pip_install(f"{wheel}[local]", constraints)
    return plain


def test_the_wheel_holds_the_data_the_world_and_the_cli_read(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    roots = {
        n.removeprefix("localworld/fixture_roots/")
        for n in names
        if n.startswith("localworld/fixture_roots/")
    }
    assert roots == _packaged_roots()  # dotfiles and a directory named ... included
    modules = {n.removeprefix("terraform/") for n in names if n.startswith("terraform/modules/")}
    assert modules == {f"modules/{n}" for n in _tracked_files("terraform/modules")}
    assert {"cce_scan/examples/cce-scan.yaml", "cce_scan/examples/fleet.yaml", "bot/manifest.yaml"} <= names


def test_bundle_build_outside_a_checkout_gives_the_checkouts_bundle(plain: Installed) -> None:
    done = plain.cce_scan("bundle", "build", "--out", "out")
    assert done.returncode == 0, done.stderr
    sha256, path = done.stdout.split()
    tar = plain.work / path
    assert tar == plain.work / "out" / "script.tar"
    data = tar.read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha256
    assert data == bundle_bytes()[0]


def test_cce_scan_local_help_without_the_extra(plain: Installed) -> None:
    done = plain.cce_scan("local", "--help")
    assert done.returncode == 0, done.stderr
    assert "--fleet" in done.stdout


def test_cce_scan_local_without_the_extra_names_it(plain: Installed) -> None:
    done = plain.cce_scan("local")
    assert done.returncode == 2
    assert "pip install 'cce-scan[local]'" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_the_world_reads_its_data_from_the_installed_packages(with_local: Installed) -> None:
    script = textwrap.dedent(
        """
        import json, sysconfig
        from pathlib import Path
        from cce_scan.examples import EXAMPLE_CONFIG, EXAMPLE_FLEET
        from localworld.fleet import load_fleet
        from localworld.roots import FIXTURE_ROOTS_DIR, fixture_names
        from localworld.slack.server import manifest_bot_scopes, MANIFEST
        from localworld.world import TERRAFORM_MODULES
        from scanner.config import load_config

        fleet = load_fleet(EXAMPLE_FLEET)
        print(json.dumps({
            "site": sysconfig.get_paths()["purelib"],
            "paths": [str(p) for p in (EXAMPLE_CONFIG, EXAMPLE_FLEET, FIXTURE_ROOTS_DIR, TERRAFORM_MODULES, MANIFEST)],
            "accounts": len(load_config(EXAMPLE_CONFIG).accounts),
            "roots": fixture_names(),
            "fleet_roots": sorted({h.root for h in fleet.hosts if h.root}),
            "root_files": sorted(
                p.relative_to(FIXTURE_ROOTS_DIR).as_posix()
                for p in FIXTURE_ROOTS_DIR.rglob("*") if p.is_file() and p.suffix != ".pyc"
            ),
            "scopes": list(manifest_bot_scopes()),
        }))
        """
    )
    done = with_local.run(str(with_local.python), "-c", script)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    site = Path(seen["site"])
    for path in map(Path, seen["paths"]):
        assert path.is_relative_to(site), path
        assert not path.is_relative_to(ROOT), path
    assert seen["accounts"] > 0
    assert set(seen["roots"]) == {n.split("/", 1)[0] for n in _packaged_roots()}
    assert set(seen["fleet_roots"]) <= set(seen["roots"])
    assert set(seen["root_files"]) == _packaged_roots()
    assert seen["scopes"]


def test_cce_scan_local_plays_the_story_outside_a_checkout(with_local: Installed) -> None:
    # The Terraform's IAM judges every call, so the story ends only if the installed modules were read.
    done = with_local.cce_scan("local", "--out", "findings", timeout=900)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "Traceback" not in output
    summary = SUMMARY.match(done.stdout.strip().splitlines()[-1])
    assert summary, done.stdout[-3000:]
    scan_id, hosts, succeeded, failed, _skipped, findings = summary.groups()
    assert int(hosts) > 0
    assert int(succeeded) > 0
    assert int(failed) == 0
    findings_dir = Path(findings)
    assert findings_dir.is_relative_to(with_local.work / "findings")
    assert (findings_dir / "reports" / scan_id / "summary.json").is_file()
