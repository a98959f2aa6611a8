"""What the scanner's functional tests and the benchmark need on the local world: a deployed
bundle and Command document, configs with short timeouts, and fleets."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localworld.faults import Faults
from localworld.fleet import FleetSpec, HostSpec
from localworld.world import World
from scanner.config import Config, load_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "examples" / "cce-scan.yaml"
BUNDLE_DIR = ROOT / "ssm_documents" / "bundle"

# The Command document of DESIGN §3.2 in its smallest form, used until cce_scan.document exists:
# three steps, onFailure exit, curl with retries, the bundle's SHA-256 checked on the host.
_DOCUMENT = """\
schemaVersion: "2.2"
description: cce-scan (test copy of the contract)
parameters:
  scriptUrl: {type: String, allowedPattern: "^https?://[^'\\\\s]+$"}
  uploadUrl: {type: String, allowedPattern: "^https?://[^'\\\\s]+$"}
  workingDirectory: {type: String, allowedPattern: "^/[A-Za-z0-9/_.-]+$"}
  bundleSha256: {type: String, allowedPattern: "^[0-9a-f]{64}$"}
mainSteps:
  - action: aws:runShellScript
    name: download
    inputs:
      onFailure: exit
      timeoutSeconds: 60
      runCommand:
        - set -eu
        - mkdir -p '{{ workingDirectory }}' && cd '{{ workingDirectory }}'
        - curl -fsS --retry 2 -o script.tar '{{ scriptUrl }}'
        - echo '{{ bundleSha256 }}  script.tar' | sha256sum -c - >/dev/null
        - mkdir -p bundle && tar -xf script.tar -C bundle
  - action: aws:runShellScript
    name: run
    inputs:
      onFailure: exit
      timeoutSeconds: 120
      runCommand:
        - set -eu
        - cd '{{ workingDirectory }}'
        - CCE_BUNDLE_SHA256='{{ bundleSha256 }}' sh bundle/script.sh
  - action: aws:runShellScript
    name: upload
    inputs:
      timeoutSeconds: 60
      runCommand:
        - set -eu
        - cd '{{ workingDirectory }}'
        - for f in *.tar; do [ "$f" = script.tar ] || out="$f"; done
        - curl -fsS --retry 2 -X PUT -T "$out" '{{ uploadUrl }}'
"""


def document_text(world: World) -> str:
    """The project's rendered document when ``cce_scan.document`` exists, else the test copy."""
    with contextlib.suppress(ImportError):
        module: Any = importlib.import_module("cce_scan.document")
        bucket = world.config.results_bucket
        return str(module.render_document(bucket, world.region, f"{world.endpoint_url}/{bucket}/"))
    return _DOCUMENT


def bundle_bytes(tmp: Path) -> bytes:
    """The check bundle: ``cce_scan.bundle.build_bundle`` when it exists, else a tar of the bundle dir."""
    with contextlib.suppress(ImportError):
        module: Any = importlib.import_module("cce_scan.bundle")
        built = module.build_bundle(tmp)
        return Path(built.path).read_bytes()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(BUNDLE_DIR.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(BUNDLE_DIR)))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = 0
            if path.is_file():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    return buffer.getvalue()


def fast_config(**rate_limits: Any) -> Config:
    """The example config with timeouts and polling short enough for tests."""
    base = load_config(EXAMPLE_CONFIG)
    data = base.model_dump()
    data["scan"].update(delivery_timeout_seconds=600, execution_timeout_seconds=600)
    data["rate_limits"].update({"poll_interval_seconds": 0.3, **rate_limits})
    return Config.model_validate(data)


@contextlib.contextmanager
def deployed_world(
    config: Config, fleet: FleetSpec, tmp: Path, *, faults: Faults | None = None, synthetic: bool = False
) -> Iterator[World]:
    """A started world with the bundle uploaded and the document created and shared."""
    with World.start(config, fleet, faults=faults, base_dir=tmp / "world", synthetic=synthetic) as world:
        bundle = bundle_bytes(tmp)
        world.deploy(bundle, hashlib.sha256(bundle).hexdigest(), document_text(world))
        yield world


ROOTS = (
    "al2023-hardened",
    "al2023-weak",
    "ubuntu2204-hardened",
    "rocky9-tricky",
    "ubuntu2204-weak",
)


def real_fleet(config: Config, per_account: int = 5) -> FleetSpec:
    """``per_account`` real hosts in each member account of ``config``, IDs derived from the account."""
    hosts = []
    for a_index, account in enumerate(config.accounts):
        for h_index in range(per_account):
            hosts.append(
                HostSpec(
                    instance_id=f"i-0{a_index + 1:x}{h_index + 1:015x}",
                    account_id=account.id,
                    region=account.regions[0],
                    name=f"{account.alias}-{h_index + 1}",
                    private_ip=f"10.{a_index + 1}.0.{h_index + 10}",
                    root=ROOTS[h_index % len(ROOTS)],
                )
            )
    return FleetSpec(hosts=tuple(hosts))
