"""What the scanner's functional tests and the benchmark need on the local world: a deployed
bundle and Command document, configs with short timeouts, and fleets."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localworld.faults import Faults
from localworld.fleet import FleetSpec, HostSpec
from localworld.world import World
from scanner.config import Config, load_config
from ssm_documents.bundle_tar import build_bundle
from ssm_documents.document import render_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG = ROOT / "cce_scan" / "examples" / "cce-scan.yaml"


def document_text(world: World) -> str:
    """The project's Command document, rendered for the world's bucket and endpoint."""
    bucket = world.config.results_bucket
    return render_document(bucket, world.region, f"{world.endpoint_url}/{bucket}/")


def bundle_bytes(tmp: Path) -> bytes:
    """The project's check bundle, built as ``cce-scan bundle build`` builds it."""
    return build_bundle(tmp).path.read_bytes()


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
