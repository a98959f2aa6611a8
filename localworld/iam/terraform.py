"""The IAM of the Terraform modules, read from their HCL with the local world's values.

:func:`read_terraform_iam` evaluates ``terraform/modules/central`` and, once per member account,
``terraform/modules/member_role`` (:mod:`localworld.iam.tfmodule`): the roles with their trust
policies, maximum session durations and inline policies, the bucket policies and the queue
policies, every document rendered as the provider renders it. :func:`apply_roles` creates or
updates the roles through the IAM API. The world then runs each function under its own role and
judges every call against these documents, so a permission the code needs but the Terraform lacks
fails in the tests and in the demo.

:class:`Bindings` holds only what the HCL cannot say: the account, region and partition the
modules are applied in, variable values, and the ARNs AWS makes random. The member module is
wired as ``terraform/examples/complete`` wires it: ``role_name`` is the central
``member_role_name``, ``central_worker_role_arn`` and ``document_arn`` are the central module's
outputs of those names, ``regions`` are the account's regions.

:func:`read_importer_role` evaluates ``terraform/modules/importer_role`` for one member account
(the role that imports the account's own findings into Security Hub), with the trusted principal,
the ExternalId (or none) and the regions the caller gives; :func:`apply_roles` creates it.

The reader fails loudly (:class:`~localworld.iam.hcl.TerraformError`, naming file, block and
expression) on what it does not model: IAM resources other than roles and inline role policies,
managed policy attachments, permissions boundaries, roles of another module's resource name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from localworld.iam.hcl import TerraformError
from localworld.iam.model import PolicyDocument
from localworld.iam.tfmodule import Instance, Module, ModuleFacts
from scanner.config import Config

__all__ = [
    "Bindings",
    "RoleSpec",
    "TerraformError",
    "TerraformIam",
    "apply_roles",
    "read_importer_role",
    "read_terraform_iam",
]

_MODELLED_IAM = {"aws_iam_role", "aws_iam_role_policy"}
_ROLE_ARGUMENTS = {
    "name",
    "description",
    "assume_role_policy",
    "max_session_duration",
    "path",
    "permissions_boundary",
    "tags",
    "for_each",
}


class Bindings(BaseModel):
    """What the world knows about where the modules are applied, and what the HCL cannot compute."""

    model_config = ConfigDict(frozen=True)

    partition: str = "aws"
    account_id: str  # the central account
    region: str
    name_prefix: str = "cce-scan"
    organization_id: str
    member_account_ids: tuple[str, ...]
    member_regions: dict[str, tuple[str, ...]] = {}  # an account without an entry: (region,)
    member_role_name: str
    document_name: str
    external_id: str
    results_bucket_name: str
    kms_key_arn: str
    slack_secret_arn: str

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        organization_id: str,
        kms_key_arn: str,
        slack_secret_arn: str,
        name_prefix: str = "cce-scan",
    ) -> Bindings:
        return cls(
            account_id=config.central.account_id,
            region=config.central.region,
            name_prefix=name_prefix,
            organization_id=organization_id,
            member_account_ids=tuple(account.id for account in config.accounts),
            member_regions={account.id: account.regions for account in config.accounts},
            member_role_name=config.member_role.name,
            document_name=config.document.name,
            external_id=config.member_role.external_id,
            results_bucket_name=config.results_bucket,
            kms_key_arn=kms_key_arn,
            slack_secret_arn=slack_secret_arn,
        )

    def central_facts(self) -> ModuleFacts:
        return ModuleFacts(
            partition=self.partition,
            account_id=self.account_id,
            region=self.region,
            variables={
                "name_prefix": self.name_prefix,
                "organization_id": self.organization_id,
                "member_account_ids": list(self.member_account_ids),
                "member_role_name": self.member_role_name,
                "results_bucket_name": self.results_bucket_name,
                "document_name": self.document_name,
            },
            resource_arns={
                "aws_kms_key.this": self.kms_key_arn,
                "aws_secretsmanager_secret.slack": self.slack_secret_arn,
            },
        )

    def member_facts(self, account_id: str, central: Module) -> ModuleFacts:
        return ModuleFacts(
            partition=self.partition,
            account_id=account_id,
            region=self.region,
            variables={
                "role_name": self.member_role_name,
                "central_worker_role_arn": central.output("worker_role_arn"),
                "external_id": self.external_id,
                "document_arn": central.output("document_arn"),
                "regions": list(self.member_regions.get(account_id, (self.region,))),
            },
        )


@dataclass(frozen=True)
class RoleSpec:
    """An IAM role as the Terraform declares it; policies as the JSON text Terraform would send."""

    name: str
    account_id: str
    partition: str
    path: str
    description: str
    max_session_duration: int
    trust_policy: str
    inline_policies: Mapping[str, str]  # policy name → JSON

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role{self.path}{self.name}"

    @property
    def trust_document(self) -> PolicyDocument:
        document: PolicyDocument = json.loads(self.trust_policy)
        return document

    @property
    def policy_documents(self) -> dict[str, PolicyDocument]:
        return {name: json.loads(text) for name, text in self.inline_policies.items()}


@dataclass(frozen=True)
class TerraformIam:
    """The IAM of the modules, resolved for one world."""

    function_roles: Mapping[str, RoleSpec]  # bot, notifier, worker, analyzer
    member_roles: Mapping[str, RoleSpec]  # member account ID → its member role
    bucket_policies: Mapping[str, str]  # bucket name → JSON
    queue_policies: Mapping[str, str]  # queue name → JSON
    results_bucket_name: str
    state_table_name: str

    @property
    def bucket_policy(self) -> str:
        """The results bucket's policy (``data.aws_iam_policy_document.results_bucket``)."""
        return self.bucket_policies[self.results_bucket_name]


def read_terraform_iam(modules: Path, bindings: Bindings) -> TerraformIam:
    """Read ``modules/central`` and ``modules/member_role`` with ``bindings``."""
    central = Module(modules / "central", bindings.central_facts())
    _check_modelled(central)
    function_roles = _roles(central, "function")
    members: dict[str, RoleSpec] = {}
    for account in bindings.member_account_ids:
        member = Module(modules / "member_role", bindings.member_facts(account, central))
        _check_modelled(member)
        (role,) = _roles(member, "member").values()
        members[account] = role
    bucket = central.instance("resource", "aws_s3_bucket", "results")
    return TerraformIam(
        function_roles=function_roles,
        member_roles=members,
        bucket_policies=_policies_by(central, "aws_s3_bucket_policy", "bucket", lambda value: value),
        queue_policies=_policies_by(central, "aws_sqs_queue_policy", "queue_url", _queue_name),
        results_bucket_name=_text(bucket, "bucket"),
        state_table_name=_text(central.instance("resource", "aws_dynamodb_table", "state"), "name"),
    )


def read_importer_role(
    modules: Path,
    *,
    account_id: str,
    regions: Sequence[str],
    trusted_principal_arn: str,
    external_id: str | None = None,
    role_name: str | None = None,
    partition: str = "aws",
) -> RoleSpec:
    """The role ``modules/importer_role`` declares in ``account_id`` for these values (``role_name``
    None: the module's default), its trust and inline policy rendered as the provider renders them."""
    variables: dict[str, Any] = {
        "trusted_principal_arn": trusted_principal_arn,
        "external_id": external_id,
        "regions": list(regions),
    }
    if role_name is not None:
        variables["role_name"] = role_name
    facts = ModuleFacts(partition=partition, account_id=account_id, region=regions[0], variables=variables)
    module = Module(modules / "importer_role", facts)
    _check_modelled(module)
    (role,) = _roles(module, "importer").values()
    return role


def apply_roles(iam_client: Any, specs: Iterable[RoleSpec]) -> dict[str, str]:
    """Create or update each role (trust, maximum session duration, description, exactly the given
    inline policies) with ``iam_client``, a boto3 IAM client of the roles' account; role name →
    ARN. Applying the same specs twice changes nothing."""
    arns: dict[str, str] = {}
    for spec in specs:
        try:
            role = iam_client.get_role(RoleName=spec.name)["Role"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchEntity":
                raise
            role = iam_client.create_role(
                RoleName=spec.name,
                Path=spec.path,
                AssumeRolePolicyDocument=spec.trust_policy,
                Description=spec.description,
                MaxSessionDuration=spec.max_session_duration,
            )["Role"]
        else:
            iam_client.update_assume_role_policy(RoleName=spec.name, PolicyDocument=spec.trust_policy)
            iam_client.update_role(
                RoleName=spec.name, Description=spec.description, MaxSessionDuration=spec.max_session_duration
            )
        held: list[str] = []
        for page in iam_client.get_paginator("list_role_policies").paginate(RoleName=spec.name):
            held.extend(page["PolicyNames"])
        for name in held:
            if name not in spec.inline_policies:
                iam_client.delete_role_policy(RoleName=spec.name, PolicyName=name)
        for name, document in spec.inline_policies.items():
            iam_client.put_role_policy(RoleName=spec.name, PolicyName=name, PolicyDocument=document)
        arns[spec.name] = str(role["Arn"])
    return arns


def _where(instance: Instance) -> str:
    return f"{instance.block.file.name}: {instance.address}"


def _text(instance: Instance, name: str) -> str:
    value = instance.get(name)
    if not isinstance(value, str):
        raise TerraformError(_where(instance), f"{name} is not a string: {value!r}")
    return value


def _json_text(instance: Instance, name: str) -> str:
    text = _text(instance, name)
    try:
        json.loads(text)
    except ValueError as error:
        raise TerraformError(_where(instance), f"{name} is not JSON: {error}") from None
    return text


def _check_modelled(module: Module) -> None:
    for block in module.blocks:
        kind = block.labels[0] if block.type == "resource" else ""
        if kind.startswith("aws_iam_") and kind not in _MODELLED_IAM:
            raise TerraformError(
                f"{block.file.name}: {block.address}",
                f"{kind} is not modelled by the local world (localworld/iam/terraform.py)",
            )


def _roles(module: Module, name: str) -> dict[str, RoleSpec]:
    """The instances of ``aws_iam_role.<name>`` by ``for_each`` key (``""`` for a single role),
    with the inline policies that name them."""
    others = [b.address for b in module.blocks_of("resource", "aws_iam_role") if b.labels[1] != name]
    if others:
        raise TerraformError(
            module.directory.name, f"roles {', '.join(others)} are not modelled by the local world"
        )
    policies: dict[str, dict[str, str]] = {}
    for block in module.blocks_of("resource", "aws_iam_role_policy"):
        for key in module.keys("resource", "aws_iam_role_policy", block.labels[1]):
            attachment = module.instance("resource", "aws_iam_role_policy", block.labels[1], key)
            role_name = _text(attachment, "role")
            policies.setdefault(role_name, {})[_text(attachment, "name")] = _json_text(attachment, "policy")
    specs: dict[str, RoleSpec] = {}
    for key in module.keys("resource", "aws_iam_role", name):
        role = module.instance("resource", "aws_iam_role", name, key)
        specs[key or ""] = _role_spec(role, policies.pop(_text(role, "name"), {}))
    if policies:
        raise TerraformError(
            module.directory.name,
            f"inline policies name roles the module does not declare: {sorted(policies)}",
        )
    return specs


def _role_spec(role: Instance, inline_policies: dict[str, str]) -> RoleSpec:
    unknown = set(role.block.attributes) - _ROLE_ARGUMENTS
    if unknown or role.block.blocks:
        names = sorted(unknown | {b.type for b in role.block.blocks})
        raise TerraformError(
            _where(role), f"{', '.join(names)} of a role are not modelled by the local world"
        )
    if role.argument("permissions_boundary") is not None:
        raise TerraformError(_where(role), "permissions boundaries are not modelled by the local world")
    duration = role.argument("max_session_duration")
    path = role.argument("path") or "/"
    facts = role.module.facts
    return RoleSpec(
        name=_text(role, "name"),
        account_id=facts.account_id,
        partition=facts.partition,
        path=str(path),
        description=str(role.argument("description") or ""),
        max_session_duration=3600 if duration is None else int(duration),
        trust_policy=_json_text(role, "assume_role_policy"),
        inline_policies=inline_policies,
    )


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _policies_by(module: Module, type_: str, target: str, name_of: Callable[[str], str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for block in module.blocks_of("resource", type_):
        for key in module.keys("resource", type_, block.labels[1]):
            attachment = module.instance("resource", type_, block.labels[1], key)
            found[name_of(_text(attachment, target))] = _json_text(attachment, "policy")
    return found
