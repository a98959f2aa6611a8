"""A local world deployed as ``terraform apply`` deploys cce-scan (the IAM read from a copy of
terraform/modules), IAM's policy simulator installed, and the doctor run on it with the world's
admin user as the operator."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from cce_scan.doctor.access import SessionAccess
from cce_scan.doctor.model import Report
from cce_scan.doctor.run import run_doctor
from cce_scan.doctor.slack import manifest_scopes
from localworld.central import CentralDeployment, deploy_central
from localworld.fleet import FleetSpec
from localworld.slack.server import SlackApiServer
from localworld.world import World
from scanner.config import load_config
from scanner.deployment import Deployment

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_config(ROOT / "cce_scan" / "examples" / "cce-scan.yaml")
MODULES = ROOT / "terraform" / "modules"
MANIFEST_SCOPES = manifest_scopes(ROOT / "bot" / "manifest.yaml")
ACCESS_ROLE = "OrganizationAccountAccessRole"
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass
class Deployed:
    world: World
    central: CentralDeployment

    @property
    def deployment(self) -> Deployment:
        return Deployment(config=self.world.config)

    def operator(self) -> SessionAccess:
        """The operator's credentials: the central account's administrator."""
        central = self.world.config.central.account_id
        return SessionAccess(self.world.session_for(central), self.world.region, self.world.endpoint_url)

    def client(self, service: str, account_id: str | None = None) -> Any:
        session: Any = self.world.session_for(account_id or self.world.config.central.account_id)
        return session.client(service, region_name=self.world.region, endpoint_url=self.world.endpoint_url)

    def doctor(self, slack: SlackApiServer, *, access_role: str | None = ACCESS_ROLE) -> Report:
        return run_doctor(
            self.deployment,
            self.operator(),
            lambda token: WebClient(token=token, base_url=slack.base_url),
            member_access_role=access_role,
            wanted_scopes=MANIFEST_SCOPES,
        )


def modules_without(tmp: Path, file: str, text: str) -> Path:
    """A copy of terraform/modules whose ``file`` lacks ``text`` (which must be there)."""
    copy = tmp / "modules"
    shutil.copytree(MODULES, copy)
    path = copy / file
    source = path.read_text(encoding="utf-8")
    assert text in source, f"{file} has no {text!r}"
    path.write_text(source.replace(text, ""), encoding="utf-8")
    return copy


@contextlib.contextmanager
def deployed_world(base: Path, modules: Path = MODULES) -> Iterator[Deployed]:
    """The world with the bucket, document, central resources and IAM of ``modules``; the member
    accounts' OrganizationAccountAccessRole may administer them, as in an organization."""
    with contextlib.ExitStack() as stack:
        world = stack.enter_context(World.start(CONFIG, FleetSpec(), base_dir=base, enforce_iam=True))
        world.deploy_host_part(b"cce-scan bundle")
        setup = world.session_for(world.config.central.account_id)
        secret = {"signing_secret": "local-signing-secret", "bot_token": SlackApiServer().bot_token}
        central = deploy_central(setup, world.endpoint_url, world.config, secret)
        world.apply_terraform_iam(central, modules)
        deployed = Deployed(world, central)
        for account in world.config.accounts:
            deployed.client("iam", account.id).put_role_policy(
                RoleName=ACCESS_ROLE, PolicyName="AdministratorAccess", PolicyDocument=json.dumps(ADMIN)
            )
        yield deployed


def slack_server(
    *, scopes: Iterable[str] = MANIFEST_SCOPES, bot_channels: Iterable[str] | None = None
) -> SlackApiServer:
    channel = CONFIG.slack.channel
    assert channel is not None
    return SlackApiServer(channels={channel}, scopes=scopes, bot_channels=bot_channels)


def lines(report: Report) -> str:
    return "\n".join(report.lines())
