"""The one configuration file (docs/design.md, "Configuration"): a YAML document validated by pydantic.

Read it once, at the edge (a Lambda cold start, the CLI), with :func:`load_config`; pass the
resulting :class:`Config` inward. Every error names the field and the problem.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import yaml
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import create_loader
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scanner.errors import ConfigError

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

__all__ = [
    "Account",
    "Config",
    "DocumentSettings",
    "GroupPolicy",
    "MemberRole",
    "RateLimits",
    "ScanSettings",
    "SlackSettings",
    "load_config",
    "load_config_source",
    "parse_config",
]

ACCOUNT_ID = re.compile(r"^\d{12}$")
ALIAS = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Slack member IDs (U…/W…) and user-group IDs (S…).
SLACK_PRINCIPAL = re.compile(r"^[UWS][A-Z0-9]{2,}$")
SLACK_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
# STS ExternalId: 2-1224 characters of [\w+=,.@:/-].
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
WORKING_DIRECTORY = re.compile(r"^/[A-Za-z0-9/_.-]{1,200}$")
DOCUMENT_NAME = re.compile(r"^[a-zA-Z0-9_.-]{3,128}$")
RESERVED_DOCUMENT_PREFIXES = ("aws", "amazon", "amzn")


@cache
def known_regions() -> frozenset[str]:
    """Regions of every AWS partition, from botocore's small ``partitions.json`` (no ``*-global``)."""
    data = create_loader().load_data("partitions")
    return frozenset(
        region
        for partition in data["partitions"]
        for region in partition.get("regions", {})
        if not region.endswith("-global")
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class MemberRole(_Strict):
    """The role cce-scan assumes in each member account."""

    name: str = Field(description="IAM role name in every member account.")
    external_id: str = Field(description="The sts:ExternalId the member role's trust policy requires.")
    session_duration_seconds: int = Field(default=3600, ge=900, le=3600)

    @field_validator("name")
    @classmethod
    def _role_name(cls, value: str) -> str:
        if not ROLE_NAME.match(value):
            raise ValueError("must be an IAM role name: 1-64 characters of letters, digits and +=,.@_-")
        return value

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str) -> str:
        if not EXTERNAL_ID.match(value):
            raise ValueError("must be 2-1224 characters of letters, digits and +=,.@:/_-")
        return value


class Account(_Strict):
    """A member account that may be scanned."""

    id: str = Field(description="12-digit AWS account ID.")
    alias: str = Field(description="Short lowercase name people type in Slack.")
    groups: tuple[str, ...] = ()
    regions: tuple[str, ...] = Field(min_length=1)
    approval_required: bool | None = Field(default=None, description="Overrides the groups' policy when set.")

    @field_validator("id", mode="before")
    @classmethod
    def _account_id(cls, value: object) -> object:
        if isinstance(value, int):
            raise ValueError("must be quoted: a 12-digit account ID written as a YAML number loses its zeros")
        if not isinstance(value, str) or not ACCOUNT_ID.match(value):
            raise ValueError(f"{value!r} is not a 12-digit AWS account ID")
        return value

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str) -> str:
        if not ALIAS.match(value):
            raise ValueError(f"{value!r} must be lowercase letters, digits and '-', at most 63 characters")
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [region for region in value if region not in known_regions()]
        if unknown:
            raise ValueError(f"unknown AWS region {', '.join(map(repr, unknown))}")
        if len(set(value)) != len(value):
            raise ValueError("lists a region twice")
        return value


class GroupPolicy(_Strict):
    """A named set of accounts (membership is declared on each account)."""

    approval_required: bool = False
    description: str = ""


class RateLimits(_Strict):
    """Limits that protect the member accounts' SSM API quotas."""

    send_command_per_second: float = Field(default=10.0, description="Token-bucket rate per account.")
    send_command_burst: int = Field(default=10, description="Token-bucket size per account.")
    max_parallel_accounts: int = Field(default=8, description="Accounts worked on at once.")
    poll_interval_seconds: float = Field(default=5.0, description="Pause between tracking polls.")

    @field_validator(
        "send_command_per_second", "send_command_burst", "max_parallel_accounts", "poll_interval_seconds"
    )
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(f"must be greater than 0, got {value}")
        return value


class ScanSettings(_Strict):
    """How long commands may wait and run on a host."""

    delivery_timeout_seconds: int = Field(default=600, ge=30, le=2_592_000)
    execution_timeout_seconds: int = Field(
        default=1200,
        ge=5,
        le=172_800,
        description=(
            "How long the document may run on a host once delivered: the sum of its steps' "
            "timeoutSeconds (download 300 + run 600 + upload 300 in the shipped document). "
            "Presigned URLs live delivery + execution seconds; a host silent after that (plus a "
            "grace minute) is given up on."
        ),
    )
    approval_ttl_minutes: int = Field(default=60, ge=1, le=24 * 60)
    state_ttl_days: int = Field(default=90, ge=1, le=3650)
    report_wait_seconds: int = Field(
        default=180,
        ge=0,
        le=3600,
        description=(
            "How long after a scan closes its report waits for the analyzer to judge every uploaded "
            "result; a host whose result is still not judged then is reported as not analysed."
        ),
    )
    working_directory: str = Field(
        default="/var/lib/cce-scan/{scan_id}",
        description="Where the host downloads, runs and packs; placeholders {scan_id} and {instance_id}.",
    )

    @field_validator("working_directory")
    @classmethod
    def _working_directory(cls, value: str) -> str:
        filled = value.replace("{scan_id}", "x").replace("{instance_id}", "x")
        if not WORKING_DIRECTORY.match(filled) or "/../" in f"{filled}/" or "/./" in f"{filled}/":
            raise ValueError(
                "must be an absolute path of letters, digits and /_.- (placeholders {scan_id}, {instance_id})"
            )
        return value


class DocumentSettings(_Strict):
    """The shared Command document, owned by the central account."""

    name: str = "cce-scan-kisa"

    @field_validator("name")
    @classmethod
    def _document_name(cls, value: str) -> str:
        if not DOCUMENT_NAME.match(value):
            raise ValueError("must be 3-128 characters of letters, digits and _.-")
        if value.lower().startswith(RESERVED_DOCUMENT_PREFIXES):
            raise ValueError("must not start with a prefix AWS reserves (aws, amazon, amzn)")
        return value


class SlackSettings(_Strict):
    """Who may ask for scans and who may approve them (member or user-group IDs), where the reports
    go, and where ``/cce-scan`` may be used.

    ``report_channel``: the one channel that gets every scan's thread (parent, approval request,
    progress, files, failures), whatever channel the command came from. Without it a scan's thread
    goes to the channel it was asked in (the old behaviour: anyone who can use the command in a
    public or shared channel can post hosts' evidence there).
    ``allowed_channels``: the channels where the command (and the modal it opens) may be used;
    empty: any channel the bot is in. A request from elsewhere is refused ephemerally.
    ``channel``, the older name of ``report_channel``, is still read (not both).
    """

    requesters: tuple[str, ...] = Field(min_length=1)
    approvers: tuple[str, ...] = Field(min_length=1)
    report_channel: str | None = Field(default=None, description="The channel every report goes to.")
    allowed_channels: tuple[str, ...] = Field(
        default=(), description="Where /cce-scan may be used (empty: anywhere)."
    )

    @model_validator(mode="before")
    @classmethod
    def _old_channel_name(cls, data: object) -> object:
        if isinstance(data, dict) and "channel" in data:
            data_channel = data["channel"]
            if data.get("report_channel") is not None:
                raise ValueError("give slack.report_channel only (slack.channel is its older name)")
            data = {k: v for k, v in data.items() if k not in ("channel", "report_channel")}
            data["report_channel"] = data_channel
        return data

    @field_validator("requesters", "approvers")
    @classmethod
    def _principals(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [item for item in value if not SLACK_PRINCIPAL.match(item)]
        if bad:
            raise ValueError(
                f"{', '.join(map(repr, bad))} is not a Slack member ID (U…/W…) or user-group ID (S…)"
            )
        return value

    @field_validator("report_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not SLACK_CHANNEL.match(value):
            raise ValueError(f"{value!r} is not a Slack channel ID (C…/G…)")
        return value

    @field_validator("allowed_channels")
    @classmethod
    def _channels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [item for item in value if not SLACK_CHANNEL.match(item)]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))} is not a Slack channel ID (C…/G…)")
        return value

    @property
    def channel(self) -> str | None:
        """The report channel (its older name)."""
        return self.report_channel

    def allows_channel(self, channel: str) -> bool:
        """Whether ``/cce-scan`` may be used in ``channel``."""
        return not self.allowed_channels or channel in self.allowed_channels

    def report_channel_for(self, invoked_in: str) -> str:
        """Where the thread of a scan asked for in ``invoked_in`` goes."""
        return self.report_channel or invoked_in


class CentralAccount(_Strict):
    """The account that runs cce-scan and owns the bucket, the table and the document."""

    account_id: str
    region: str

    @field_validator("account_id", mode="before")
    @classmethod
    def _account_id(cls, value: object) -> object:
        return Account._account_id(value)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if value not in known_regions():
            raise ValueError(f"unknown AWS region {value!r}")
        return value


class Config(_Strict):
    """The whole configuration file."""

    version: Literal[1] = 1
    locale: Literal["ko", "en"] = "ko"
    central: CentralAccount
    results_bucket: str
    member_role: MemberRole
    document: DocumentSettings = DocumentSettings()
    rate_limits: RateLimits = RateLimits()
    scan: ScanSettings = ScanSettings()
    slack: SlackSettings
    groups: dict[Annotated[str, Field(pattern=ALIAS.pattern)], GroupPolicy] = {}
    accounts: tuple[Account, ...] = Field(min_length=1)

    @field_validator("results_bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not BUCKET.match(value):
            raise ValueError(f"{value!r} is not a valid S3 bucket name")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        problems: list[str] = []
        for field, values in (
            ("alias", [a.alias for a in self.accounts]),
            ("id", [a.id for a in self.accounts]),
        ):
            for value, count in Counter(values).items():
                if count > 1:
                    problems.append(f"accounts: {field} {value!r} is used by {count} accounts")
        for alias in {a.alias for a in self.accounts} & set(self.groups):
            problems.append(f"groups.{alias}: has the same name as an account alias")
        members = Counter(group for account in self.accounts for group in account.groups)
        for group in self.groups:
            if not members[group]:
                problems.append(f"groups.{group}: no account belongs to this group")
        for account in self.accounts:
            for group in account.groups:
                if group not in self.groups:
                    problems.append(
                        f"accounts.{account.alias}.groups: {group!r} is not declared under groups"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Lookups used by target resolution and the bot.

    def account_by_alias(self, alias: str) -> Account | None:
        return next((a for a in self.accounts if a.alias == alias), None)

    def account_by_id(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def group_members(self, group: str) -> tuple[Account, ...]:
        return tuple(a for a in self.accounts if group in a.groups)

    def requires_approval(self, account: Account) -> bool:
        if account.approval_required is not None:
            return account.approval_required
        return any(self.groups[g].approval_required for g in account.groups if g in self.groups)

    def document_arn(self, partition: str = "aws") -> str:
        return f"arn:{partition}:ssm:{self.central.region}:{self.central.account_id}:document/{self.document.name}"


def _describe(error: ValidationError, raw: dict[str, object]) -> str:
    """One line per problem, naming accounts by alias rather than list index where it can."""
    accounts = raw.get("accounts")
    lines = []
    for item in error.errors():
        loc = list(item["loc"])
        if len(loc) > 1 and loc[0] == "accounts" and isinstance(loc[1], int) and isinstance(accounts, list):
            entry = accounts[loc[1]] if loc[1] < len(accounts) else None
            if isinstance(entry, dict) and isinstance(entry.get("alias"), str):
                loc[1] = entry["alias"]
        where = ".".join(str(part) for part in loc) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "\n".join(lines)


def _where(error: yaml.YAMLError) -> str:
    """What YAML found wrong and where, without the text around it."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"{error.problem or 'cannot parse'} at line {mark.line + 1}, column {mark.column + 1}"
    return "cannot parse"


def parse_config(text: str, source: str = "<config>") -> Config:
    """Parse and validate configuration text; raise :class:`ConfigError` naming each bad field."""
    # Neither error is chained: YAML's quotes the offending line and pydantic's each bad value,
    # and a configuration holds the member role's ExternalId; a logged traceback shows the chain.
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {_where(exc)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the top level must be a mapping")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source}: invalid configuration\n{_describe(exc, raw)}") from None


def load_config(path: str | Path) -> Config:
    """Read and validate the configuration file at ``path``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the configuration: {exc.strerror}") from exc
    return parse_config(text, source=str(file))


SSM_PREFIX = "ssm:"


def load_config_source(source: str, ssm_client: SSMClient | None = None) -> Config:
    """Read the configuration named by ``CCE_SCAN_CONFIG``: a file path, or ``ssm:<parameter name>``."""
    if not source.startswith(SSM_PREFIX):
        return load_config(source)
    name = source.removeprefix(SSM_PREFIX)
    if ssm_client is None:
        import boto3

        ssm_client = boto3.client("ssm")
    try:
        value = ssm_client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except (ClientError, BotoCoreError) as exc:
        raise ConfigError(f"{source}: cannot read the configuration parameter: {exc}") from exc
    return parse_config(value, source=source)
