"""The local world: the one object tests, benchmarks and ``cce-scan local`` start and stop.

    with World.start(config, fleet) as world:
        ssm = world.central_session().client("ssm", endpoint_url=world.endpoint_url)

Starting resets moto's in-process state, starts the server on 127.0.0.1, creates the accounts of
``config`` (:mod:`localworld.accounts`), prepares each real host's sandbox and fixture root, and
installs the SSM emulator. Leaving the ``with`` block (normally or by an exception) uninstalls the
emulator, stops the server (no thread or port left), resets moto and removes a temporary base dir.
moto's state is process-wide, so one World runs per process at a time.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.credentials import RefreshableCredentials
from botocore.session import get_session

from localworld.accounts import AccountsSetup, Credentials, assume_worker, lookup_key, setup_accounts
from localworld.central import CentralDeployment
from localworld.deploy import Deployment, deploy
from localworld.dynamodb import install_key_range_query
from localworld.dynamodb_atomic import install_atomic_items
from localworld.ec2 import install_ec2_inventory
from localworld.errors import WorldError
from localworld.faults import Faults
from localworld.fleet import FleetSpec, HostSpec, SyntheticBehaviour
from localworld.iam.bucket_policies import judge_bucket_policies_in_the_gate
from localworld.iam.denied import denial_message
from localworld.iam.gate import CallLog, IamGate
from localworld.iam.model import Authorization
from localworld.iam.principals import principal_for
from localworld.iam.requests import WireRequest, common_context, credential_scope
from localworld.iam.simulate import install_simulation
from localworld.iam.terraform import Bindings, apply_roles, read_terraform_iam
from localworld.packaged import package_path
from localworld.roots import fixture_names, materialise_root, remove_root
from localworld.server import MotoServer
from localworld.ssm import Clock, EmulatorSettings, SsmEmulator, install_ssm_emulator
from scanner.config import Config
from scanner.deployment import FUNCTIONS
from ssm_documents.bundle_tar import bundle_bytes
from ssm_documents.document import render_document

__all__ = ["World", "WorldHost"]

_ONE_WORLD = threading.Lock()
# The Terraform modules whose IAM the world applies: terraform/modules, the `terraform` package's data.
TERRAFORM_MODULES = package_path("terraform", "modules")


@dataclass(frozen=True)
class WorldHost:
    """A host of the running world: its spec, and for a real host its sandbox and CCE_ROOT."""

    spec: HostSpec
    sandbox: Path | None
    cce_root: Path | None

    @property
    def instance_id(self) -> str:
        return self.spec.instance_id


def _reset_moto() -> None:
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def _with_working_directory(config: Config, hosts_dir: Path) -> Config:
    template = f"{hosts_dir}/{{instance_id}}/work/{{scan_id}}"
    data = config.model_dump()
    data["scan"]["working_directory"] = template
    try:
        return Config.model_validate(data)
    except ValueError as exc:
        raise WorldError(
            f"the hosts directory {hosts_dir} cannot be a working directory (letters, digits, /_.- only)"
        ) from exc


# The services the scanner, the bot and the local system call in the world.
_SERVICES = ("sts", "iam", "s3", "ssm", "ec2", "dynamodb", "sqs", "organizations")


def _warm_moto(config: Config, server: MotoServer) -> None:
    """Parse moto's service models, build its apps and the account backends the gate reads on
    every call.

    moto builds all three on first use, under a process-wide lock (apps, backends) or without one
    (models, so concurrent first calls each parse them): the first calls of a scan's accounts
    would stall every other request of the world, which a service does not do.
    """
    from moto.core.utils import get_service_model
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for service in _SERVICES:
        get_service_model(service)
    server.warm(_SERVICES)
    for account_id in {config.central.account_id, *(a.id for a in config.accounts)}:
        sts_backends[account_id]["aws"]
        iam_backends[account_id]["aws"]


def _install_ssm(
    fleet: FleetSpec,
    faults: Faults,
    hosts: tuple[WorldHost, ...],
    hosts_dir: Path,
    clock: Clock | None,
    settings: EmulatorSettings | None,
) -> tuple[SsmEmulator, Callable[[], None]]:
    roots = {h.instance_id: h.cce_root for h in hosts if h.cce_root is not None}
    emulator = SsmEmulator(fleet, faults, hosts_dir, clock, settings=settings, cce_roots=roots)
    return emulator, install_ssm_emulator(emulator)


class World:
    """A running local world; build it with :meth:`World.start`."""

    def __init__(
        self,
        config: Config,
        fleet: FleetSpec,
        faults: Faults,
        base_dir: Path,
        server: MotoServer,
        accounts: AccountsSetup,
        hosts: tuple[WorldHost, ...],
        notes: list[str],
        ssm: SsmEmulator,
        iam: IamGate,
    ) -> None:
        self.config = config
        self.fleet = fleet
        self.faults = faults
        self.base_dir = base_dir
        self.hosts = hosts
        self.notes = notes
        self.accounts = accounts
        self.ssm = ssm
        self.iam = iam
        self._server = server
        self._central: boto3.Session | None = None
        self.deployment: Deployment | None = None

    # Lifecycle ----------------------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        config: Config,
        fleet: FleetSpec,
        faults: Faults | None = None,
        base_dir: Path | str | None = None,
        synthetic: bool = False,
        clock: Clock | None = None,
        ssm_settings: EmulatorSettings | None = None,
        enforce_iam: bool = False,
    ) -> Iterator[World]:
        """Start the world; stop it (everything) when the block ends, also on an exception.

        ``synthetic=True`` runs every host without a shell (hosts that name a fixture root get a
        default :class:`SyntheticBehaviour`); ``clock`` and ``ssm_settings`` go to the SSM emulator
        (emulated time for consistency windows and timeouts; scripts always run in real time).

        Every signed call is judged by the IAM gate (:mod:`localworld.iam.gate`) and logged in
        :attr:`calls`. With ``enforce_iam`` every principal is judged; without it, principals with
        no policy at all (roles the Terraform's IAM was not applied to:
        :meth:`apply_terraform_iam`) pass, logged as not enforced.
        """
        if not _ONE_WORLD.acquire(blocking=False):
            raise WorldError("a World is already running in this process (moto's state is process-wide)")
        stack = contextlib.ExitStack()
        try:
            stack.callback(_ONE_WORLD.release)
            if base_dir is None:
                base = Path(tempfile.mkdtemp(prefix="localworld-")).resolve()
                stack.callback(shutil.rmtree, base, True)
            else:
                base = Path(base_dir).resolve()
            stack.callback(_reset_moto)
            faults = faults or Faults()
            if synthetic:
                fleet = _all_synthetic(fleet)
            _check_fleet(config, fleet)
            hosts_dir = base / "hosts"
            hosts_dir.mkdir(parents=True, exist_ok=True)
            world_config = _with_working_directory(config, hosts_dir)
            hosts, root_notes = _prepare_hosts(fleet, hosts_dir, stack)
            _reset_moto()
            gate = IamGate(enforce=enforce_iam)
            server = MotoServer(faults, iam=gate).start()
            stack.callback(server.stop)
            accounts = setup_accounts(world_config, server.endpoint_url)
            _warm_moto(world_config, server)
            notes = [*accounts.notes, *root_notes]
            emulator, uninstall = _install_ssm(fleet, faults, hosts, hosts_dir, clock, ssm_settings)
            stack.callback(uninstall)
            stack.callback(install_ec2_inventory(fleet))
            stack.callback(install_key_range_query())
            stack.callback(install_atomic_items())
            stack.callback(judge_bucket_policies_in_the_gate())
            stack.callback(install_simulation())
            stack.callback(gate.calls.close)
            yield cls(world_config, fleet, faults, base, server, accounts, hosts, notes, emulator, gate)
        finally:
            stack.close()

    # What the rest of the project uses -----------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        return self._server.endpoint_url

    @property
    def region(self) -> str:
        return self.config.central.region

    @property
    def worker_role_arn(self) -> str:
        return self.accounts.worker_role_arn

    def central_session(self) -> boto3.Session:
        """A session with the central worker role's temporary credentials, refreshed before expiry."""
        if self._central is None:

            def refresh() -> dict[str, str]:
                creds = self.worker_credentials()
                return {
                    "access_key": creds.access_key_id,
                    "secret_key": creds.secret_access_key,
                    "token": creds.session_token or "",
                    "expiry_time": creds.expiration.isoformat() if creds.expiration else "",
                }

            credentials = RefreshableCredentials.create_from_metadata(
                metadata=refresh(), refresh_using=refresh, method="localworld-assume-role"
            )
            botocore_session = get_session()
            botocore_session._credentials = credentials  # type: ignore[attr-defined]
            botocore_session.set_config_variable("region", self.region)
            self._central = boto3.Session(botocore_session=botocore_session)
        return self._central

    def worker_credentials(self, session_name: str = "cce-scan-worker", duration: int = 3600) -> Credentials:
        """Fresh temporary credentials of the central worker role (one AssumeRole)."""
        return assume_worker(self.accounts, self.endpoint_url, self.region, session_name, duration)

    def session_for(self, account_id: str) -> boto3.Session:
        """A session with long-term admin credentials inside ``account_id`` (for tests and setup)."""
        key = self.accounts.admin_keys.get(account_id)
        if key is None:
            raise WorldError(f"account {account_id} is not part of this world")
        return key.session(self.region)

    @property
    def calls(self) -> CallLog:
        """Every AWS call judged so far (and, once opened on a file, written there)."""
        return self.iam.calls

    def terraform_bindings(self, central: CentralDeployment) -> Bindings:
        """What the Terraform modules are applied with in this world (:class:`Bindings`)."""
        return Bindings.from_config(
            self.config,
            organization_id=self.accounts.organization_id,
            kms_key_arn=central.kms_key_arn,
            slack_secret_arn=central.secret_arn,
            name_prefix=central.names.prefix,
        )

    def apply_terraform_iam(
        self, central: CentralDeployment, modules: Path = TERRAFORM_MODULES
    ) -> dict[str, str]:
        """Apply the IAM of the Terraform ``modules`` as ``terraform apply`` would: the functions'
        execution roles with their policies, each member account's role, the bucket and queue
        policies. Returns the functions' role ARNs by function key (bot, notifier, worker, analyzer)."""
        terraform = read_terraform_iam(modules, self.terraform_bindings(central))
        central_account = self.config.central.account_id
        setup = self.session_for(central_account)
        iam: Any = setup.client("iam", region_name=self.region, endpoint_url=self.endpoint_url)
        arns = apply_roles(iam, terraform.function_roles.values())
        roles = {key: arns[spec.name] for key, spec in terraform.function_roles.items()}
        for key in FUNCTIONS:
            self.iam.name_role(roles[key], central.names.function(key))
        for account_id, spec in terraform.member_roles.items():
            member: Any = self.session_for(account_id).client(
                "iam", region_name=self.region, endpoint_url=self.endpoint_url
            )
            apply_roles(member, [spec])
        s3: Any = setup.client("s3", region_name=self.region, endpoint_url=self.endpoint_url)
        for bucket, policy in terraform.bucket_policies.items():
            s3.put_bucket_policy(Bucket=bucket, Policy=policy)
        sqs: Any = setup.client("sqs", region_name=self.region, endpoint_url=self.endpoint_url)
        for queue, policy in terraform.queue_policies.items():
            url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        return roles

    def authorize_invoke(self, headers: Mapping[str, str], function_arn: str) -> str | None:
        """The Lambda service's IAM check of an Invoke signed with ``headers``: None when allowed,
        else AWS's AccessDenied message."""
        scope = credential_scope(headers.get("Authorization", ""), {})
        key = lookup_key(scope[0]) if scope else None
        if key is None:
            return "The security token included in the request is invalid."
        region = scope[2] if len(scope) > 2 else self.region
        request = WireRequest(service="lambda", region=region, principal=principal_for(key))
        auth = Authorization("lambda:InvokeFunction", function_arn, common_context(request))
        decision = self.iam.judge_one(request, key, auth)
        return None if decision.allowed else denial_message(request, auth, decision)

    def host(self, instance_id: str) -> WorldHost:
        found = next((h for h in self.hosts if h.instance_id == instance_id), None)
        if found is None:
            raise WorldError(f"host {instance_id} is not part of this world")
        return found

    def deploy(self, bundle: bytes, bundle_sha256: str, document: str) -> Deployment:
        """Seed the central account (bucket, bundle, shared document); see :mod:`localworld.deploy`."""
        self.deployment = deploy(
            self.session_for(self.config.central.account_id),
            self.endpoint_url,
            self.config,
            bundle,
            bundle_sha256,
            document,
        )
        return self.deployment

    def deploy_host_part(self, bundle: bytes | None = None) -> Deployment:
        """Deploy what the hosts run: the check bundle (built from ``ssm_documents``, or ``bundle``)
        and the Command document rendered for this world's endpoint, as an operator deploys them."""
        if bundle is None:
            bundle, _version = bundle_bytes()
        bucket = self.config.results_bucket
        document = render_document(bucket, self.region, f"{self.endpoint_url}/{bucket}/")
        return self.deploy(bundle, hashlib.sha256(bundle).hexdigest(), document)


def _all_synthetic(fleet: FleetSpec) -> FleetSpec:
    hosts = [
        h
        if h.synthetic is not None
        else h.model_copy(update={"root": None, "synthetic": SyntheticBehaviour()})
        for h in fleet.hosts
    ]
    return FleetSpec(hosts=tuple(hosts))


def _check_fleet(config: Config, fleet: FleetSpec) -> None:
    known = {a.id for a in config.accounts} | {config.central.account_id}
    strangers = sorted({h.account_id for h in fleet.hosts} - known)
    if strangers:
        raise WorldError(f"the fleet has hosts in accounts the config does not list: {', '.join(strangers)}")
    available = set(fixture_names())
    missing = sorted({h.root for h in fleet.hosts if h.root is not None and h.root not in available})
    if missing:
        raise WorldError(
            f"fixture root {', '.join(map(repr, missing))} does not exist under localworld/fixture_roots/"
        )


class _RootCache:
    """Fixture roots materialised once per process, then copied with ``cp -a`` for each host.

    ``materialise_root`` parses a spec and builds a tree in Python; ``cp -a`` copies the result
    (modes, owners, symlinks, FIFOs, device nodes) in C, which keeps World.start well under 5 s
    when a test suite starts many worlds. Where ``cp -a`` cannot copy (e.g. a mode-0000 directory
    as an ordinary user), the root is materialised again directly.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dir: Path | None = None
        self._roots: dict[str, tuple[Path, list[str]]] = {}

    def _template(self, name: str) -> tuple[Path, list[str]]:
        with self._lock:
            if name not in self._roots:
                if self._dir is None:
                    self._dir = Path(tempfile.mkdtemp(prefix="localworld-roots-"))
                    atexit.register(self.clear)
                made = materialise_root(name, self._dir / name)
                self._roots[name] = (made.path, list(made.notes))
            return self._roots[name]

    def copy(self, name: str, dest: Path) -> list[str]:
        template, notes = self._template(name)
        dest.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["cp", "-a", f"{template}/.", str(dest)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            remove_root(dest)
            return list(materialise_root(name, dest).notes)
        return list(notes)

    def clear(self) -> None:
        with self._lock:
            for path, _notes in self._roots.values():
                remove_root(path)
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
            self._roots.clear()
            self._dir = None


_ROOTS = _RootCache()


def _prepare_hosts(
    fleet: FleetSpec, hosts_dir: Path, cleanup: contextlib.ExitStack
) -> tuple[tuple[WorldHost, ...], list[str]]:
    """Create each real host's sandbox and fixture root; return the hosts and the roots' notes."""
    prepared: list[WorldHost] = []
    notes: list[str] = []
    for spec in fleet.hosts:
        if spec.synthetic is not None or not spec.ssm_managed:  # nothing runs a document there
            prepared.append(WorldHost(spec, None, None))
            continue
        sandbox = hosts_dir / spec.instance_id
        (sandbox / "work").mkdir(parents=True, exist_ok=True)
        root = sandbox / "root"
        if spec.root is not None:
            cleanup.callback(remove_root, root)
            notes.extend(f"{spec.instance_id} ({spec.root}): {note}" for note in _ROOTS.copy(spec.root, root))
        else:
            root.mkdir(exist_ok=True)
        prepared.append(WorldHost(spec, sandbox, root))
    return tuple(prepared), notes
