"""What the permission checks need to know that only AWS can tell: the organization, the Slack
secret's ARN (AWS appends a random suffix), the module key's ARN. Each lookup is a check of its own."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from cce_scan.doctor.access import AWS_ERRORS, AwsAccess, reason
from cce_scan.doctor.model import Check
from scanner.deployment import Deployment
from scanner.permissions import Facts

__all__ = ["Found", "find_facts"]

APPLY = "terraform apply the central module (terraform/modules/central)"


class Found(BaseModel):
    """The facts, when every lookup succeeded, and the checks that tell how each went."""

    model_config = ConfigDict(frozen=True)

    facts: Facts | None
    checks: tuple[Check, ...]


def _organization(organizations: Any) -> tuple[dict[str, str] | None, Check]:
    name = "the central account is in an AWS Organization"
    try:
        organization = organizations.describe_organization()["Organization"]
    except AWS_ERRORS as exc:
        fix = (
            "the worker may enter member accounts only of its organization (aws:ResourceOrgID); "
            "run the doctor with credentials that may call organizations:DescribeOrganization"
        )
        return None, Check.failed(name, reason(exc), fix)
    found = {"id": str(organization["Id"]), "management": str(organization["MasterAccountId"])}
    return found, Check.passed(name, f"{found['id']} (management account {found['management']})")


def _secret_arn(d: Deployment, secrets: Any) -> tuple[str | None, Check]:
    name = f"the Slack secret {d.secret} exists"
    try:
        arn = str(secrets.describe_secret(SecretId=d.secret)["ARN"])
    except AWS_ERRORS as exc:
        return None, Check.failed(name, reason(exc), APPLY)
    return arn, Check.passed(name, arn)


def _key_arn(d: Deployment, kms: Any) -> tuple[str | None, Check]:
    name = f"the KMS key {d.key_alias} exists"
    try:
        arn = str(kms.describe_key(KeyId=d.key_alias)["KeyMetadata"]["Arn"])
    except AWS_ERRORS as exc:
        return None, Check.failed(name, reason(exc), APPLY)
    return arn, Check.passed(name, arn)


def find_facts(d: Deployment, operator: AwsAccess) -> Found:
    """Look up the organization, the secret and the key with the operator's credentials."""
    organization, org_check = _organization(operator.client("organizations"))
    secret, secret_check = _secret_arn(d, operator.client("secretsmanager"))
    key, key_check = _key_arn(d, operator.client("kms"))
    facts = None
    if organization is not None and secret is not None and key is not None:
        facts = Facts(
            secret_arn=secret,
            kms_key_arn=key,
            organization_id=organization["id"],
            management_account_id=organization["management"],
        )
    return Found(facts=facts, checks=(org_check, secret_check, key_check))
