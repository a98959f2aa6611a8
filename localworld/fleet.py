"""The fleet the local world pretends to manage: one :class:`HostSpec` per EC2 instance.

A fleet is data only. Real hosts (``root`` set) execute documents with ``sh`` in a sandbox that
holds a fixture root; synthetic hosts (``synthetic`` set) produce their outcome from
:class:`SyntheticBehaviour` without a shell, for fleets of thousands.
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from localworld.errors import FleetError

__all__ = [
    "SYNTHETIC_OUTCOMES",
    "FleetSpec",
    "HostSpec",
    "SyntheticBehaviour",
    "load_fleet",
    "parse_fleet",
    "synthetic_fleet",
]

INSTANCE_ID = re.compile(r"^i-[0-9a-f]{17}$")
# A hybrid node's ID (an SSM activation's managed instance, ResourceType ManagedInstance).
MANAGED_INSTANCE_ID = re.compile(r"^mi-[0-9a-f]{17}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
ROOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

SyntheticOutcome = Literal["success", "fail_download", "fail_checks", "fail_upload", "hang", "crash"]
SYNTHETIC_OUTCOMES: tuple[str, ...] = (
    "success",
    "fail_download",
    "fail_checks",
    "fail_upload",
    "hang",
    "crash",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SyntheticBehaviour(_Model):
    """What a synthetic host does when a document reaches it (no shell is run).

    - ``success``: download, run and upload succeed; a result tar is PUT through the upload URL.
    - ``fail_download``: the download step fails (curl exit 22), later steps do not run.
    - ``fail_checks``: the run step exits ``check_exit_code``; later steps do not run.
    - ``fail_upload``: download and run succeed, the upload step fails.
    - ``hang``: the run step never finishes by itself (it ends by the step timeout or a cancel).
    - ``crash``: the run step's process is killed by SIGSEGV (exit 139).
    """

    outcome: SyntheticOutcome = "success"
    run_seconds: float = Field(default=0.05, ge=0, description="Wall time the run step takes.")
    check_exit_code: int = Field(default=1, ge=1, le=255)
    items: int = Field(default=67, ge=0, le=500, description="Result items in the generated tar.")
    vulnerable_fraction: float = Field(default=0.2, ge=0, le=1)
    seed: int = 0


class HostSpec(_Model):
    """One EC2 instance, or a hybrid node (``mi-`` ID, ``resource_type: ManagedInstance``).

    An instance is managed by SSM unless ``ssm_managed`` is false: then EC2 runs it but SSM does
    not know it (no agent, or no instance profile that lets the agent register), as many real
    accounts have; a scan reports it as not covered.
    """

    instance_id: str
    account_id: str
    region: str = "ap-northeast-2"
    name: str = Field(default="", description="The EC2 Name tag.")
    private_ip: str = "10.0.0.10"
    platform_type: Literal["Linux", "Windows"] = "Linux"
    platform_name: str = "Amazon Linux"
    platform_version: str = "2023"
    ping_status: Literal["Online", "ConnectionLost"] = "Online"
    state: Literal["running", "stopped", "terminated"] = "running"
    agent_version: str = "3.3.1142.0"
    resource_type: Literal["EC2Instance", "ManagedInstance"] = "EC2Instance"
    ssm_managed: bool = Field(
        default=True,
        description="False: EC2 runs it, SSM does not list it (no agent or no instance profile).",
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Instance tags (Name is added).")
    root: str | None = Field(default=None, description="Fixture root under localworld/fixture_roots/.")
    synthetic: SyntheticBehaviour | None = None

    @field_validator("instance_id")
    @classmethod
    def _instance_id(cls, value: str) -> str:
        if not INSTANCE_ID.match(value) and not MANAGED_INSTANCE_ID.match(value):
            raise ValueError(
                f"{value!r} is not an EC2 instance ID ('i-' and 17 lowercase hex digits) nor a hybrid node's ('mi-')"
            )
        return value

    @field_validator("account_id", mode="before")
    @classmethod
    def _account_id(cls, value: object) -> object:
        if not isinstance(value, str) or not ACCOUNT_ID.match(value):
            raise ValueError(f"{value!r} is not a quoted 12-digit AWS account ID")
        return value

    @field_validator("private_ip")
    @classmethod
    def _ip(cls, value: str) -> str:
        ipaddress.IPv4Address(value)
        return value

    @field_validator("root")
    @classmethod
    def _root(cls, value: str | None) -> str | None:
        if value is not None and not ROOT_NAME.match(value):
            raise ValueError(f"{value!r} is not a fixture root name")
        return value

    @model_validator(mode="after")
    def _hybrid(self) -> HostSpec:
        if self.instance_id.startswith("mi-") != (self.resource_type == "ManagedInstance"):
            raise ValueError("a hybrid node has an 'mi-' ID and resource_type ManagedInstance, and only it")
        return self

    @model_validator(mode="after")
    def _hybrid_is_managed(self) -> HostSpec:
        if self.resource_type == "ManagedInstance" and not self.ssm_managed:
            raise ValueError("a hybrid node exists only as SSM's managed node: ssm_managed cannot be false")
        return self

    @model_validator(mode="after")
    def _one_kind(self) -> HostSpec:
        if self.root is not None and self.synthetic is not None:
            raise ValueError("a host is either real (root) or synthetic, not both")
        return self

    @property
    def is_synthetic(self) -> bool:
        return self.synthetic is not None

    @property
    def listed(self) -> bool:
        """Whether DescribeInstanceInformation lists it (stopped and terminated nodes are not, nor
        instances SSM does not manage)."""
        return self.state == "running" and self.ssm_managed

    @property
    def computer_name(self) -> str:
        """The host name the agent reports (ip-10-0-0-10.<region>.compute.internal)."""
        return f"ip-{self.private_ip.replace('.', '-')}.{self.region}.compute.internal"

    @property
    def all_tags(self) -> dict[str, str]:
        """Tags as EC2 reports them: the declared ones plus Name when a name is set."""
        tags = dict(self.tags)
        if self.name:
            tags.setdefault("Name", self.name)
        return tags


class FleetSpec(_Model):
    """The whole fleet; instance IDs are unique."""

    hosts: tuple[HostSpec, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> FleetSpec:
        seen: set[str] = set()
        for host in self.hosts:
            if host.instance_id in seen:
                raise ValueError(f"hosts: instance {host.instance_id} is listed twice")
            seen.add(host.instance_id)
        return self

    def host(self, instance_id: str) -> HostSpec | None:
        return next((h for h in self.hosts if h.instance_id == instance_id), None)

    def in_account(self, account_id: str, region: str | None = None) -> tuple[HostSpec, ...]:
        return tuple(
            h for h in self.hosts if h.account_id == account_id and (region is None or h.region == region)
        )

    @property
    def account_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.account_id for h in self.hosts))


def parse_fleet(text: str, source: str = "<fleet>") -> FleetSpec:
    """Parse a fleet YAML document (``hosts: [...]``); raise :class:`FleetError` naming the field."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FleetError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise FleetError(f"{source}: the top level must be a mapping with 'hosts'")
    try:
        return FleetSpec.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise FleetError(f"{source}: invalid fleet\n" + "\n".join(lines)) from exc


def load_fleet(path: str | Path) -> FleetSpec:
    """Read and validate a fleet file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise FleetError(f"{file}: cannot read the fleet: {exc.strerror}") from exc
    return parse_fleet(text, source=str(file))


def _instance_id(rng: random.Random) -> str:
    return "i-" + "".join(rng.choice("0123456789abcdef") for _ in range(17))


def synthetic_fleet(
    accounts: Sequence[str],
    hosts_per_account: int,
    region: str = "ap-northeast-2",
    mix: Mapping[str, float] | None = None,
    seed: int = 0,
    run_seconds: float = 0.05,
) -> FleetSpec:
    """A large fleet of synthetic hosts for benchmarks, reproducible from ``seed``.

    ``mix`` weighs outcomes (keys of :data:`SYNTHETIC_OUTCOMES`, plus ``offline`` for
    ConnectionLost hosts and ``windows`` for Windows hosts); the default is all ``success``.
    """
    weights = dict(mix or {"success": 1.0})
    allowed = {*SYNTHETIC_OUTCOMES, "offline", "windows"}
    unknown = sorted(set(weights) - allowed)
    if unknown:
        raise FleetError(f"mix: unknown outcome {', '.join(unknown)}; expected {', '.join(sorted(allowed))}")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise FleetError("mix: weights must be >= 0 and not all 0")
    if hosts_per_account < 0:
        raise FleetError("hosts_per_account must be >= 0")
    rng = random.Random(seed)
    kinds = list(weights)
    cumulative = [weights[k] for k in kinds]
    hosts: list[HostSpec] = []
    used: set[str] = set()
    for account in accounts:
        for index in range(hosts_per_account):
            kind = rng.choices(kinds, weights=cumulative)[0]
            instance_id = _instance_id(rng)
            while instance_id in used:
                instance_id = _instance_id(rng)
            used.add(instance_id)
            outcome: SyntheticOutcome = "success" if kind in ("offline", "windows") else kind  # type: ignore[assignment]
            hosts.append(
                HostSpec(
                    instance_id=instance_id,
                    account_id=account,
                    region=region,
                    name=f"syn-{account[-4:]}-{index:05d}",
                    private_ip=f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}",
                    platform_type="Windows" if kind == "windows" else "Linux",
                    platform_name="Microsoft Windows Server 2022 Datacenter"
                    if kind == "windows"
                    else "Amazon Linux",
                    platform_version="10.0.20348" if kind == "windows" else "2023",
                    ping_status="ConnectionLost" if kind == "offline" else "Online",
                    synthetic=SyntheticBehaviour(
                        outcome=outcome, run_seconds=run_seconds, seed=rng.randrange(2**31)
                    ),
                )
            )
    return FleetSpec(hosts=tuple(hosts))
