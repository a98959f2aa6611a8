"""Normalized findings (docs/design.md, "Findings"): one per (scan, account, instance, code)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scanner.catalog import Family
from scanner.results import AcceptedResult, Severity, Status

__all__ = ["ACCOUNT_ID", "HOSTNAME", "Finding", "HostContext", "Identity"]

ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
INSTANCE = re.compile(r"^(i|mi)-[0-9a-f]{8,17}$")
# A host name usable as a resource's ID and as a file name: what the bundle itself keeps of it.
HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")


class Identity(StrEnum):
    """How a result's host was identified (docs/design.md, "Findings").

    Only ``VERIFIED`` findings name a host that something other than the operator vouched for: the
    instance the upload key was made for (the analyzer), or the instance the tar itself names (a
    bundle run through SSM, whose agent gives the instance ID). The others come from a bundle run by
    hand, whose tar names no instance.
    """

    VERIFIED = "verified"
    OPERATOR = "operator"  # the operator said which instance it is (cce-scan analyze --instance)
    HOSTNAME = "hostname"  # only the host name the tar reports: the resource is that name

    @property
    def verified(self) -> bool:
        return self is Identity.VERIFIED


class HostContext(BaseModel):
    """Where a result came from, as every :class:`Finding` of it repeats. ``scan_id``, ``account_id``
    and ``instance_id`` come from the upload key (trusted); ``hostname`` and ``region`` are what the
    host said (shown, never used as keys).

    ``identified_by`` says how ``instance_id`` is known (:class:`Identity`); with
    ``Identity.HOSTNAME`` it holds the host name instead of an instance ID.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    scan_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    account_id: str = Field(pattern=ACCOUNT_ID.pattern)
    instance_id: str = Field(max_length=253)
    region: str | None = Field(default=None, pattern=REGION.pattern)
    hostname: str | None = Field(default=None, max_length=253)
    observed_at: datetime
    identified_by: Identity = Identity.VERIFIED

    @model_validator(mode="after")
    def _resource_id(self) -> Self:
        if self.identified_by is Identity.HOSTNAME:
            if not HOSTNAME.match(self.instance_id) or self.instance_id != self.hostname:
                raise ValueError("a host identified by its name has that name as its resource ID")
        elif not INSTANCE.match(self.instance_id):
            raise ValueError(f"not an instance ID: {self.instance_id!r}")
        return self

    @classmethod
    def for_result(
        cls,
        result: AcceptedResult,
        *,
        scan_id: str,
        account_id: str,
        instance_id: str,
        identified_by: Identity = Identity.VERIFIED,
    ) -> HostContext:
        """The context of ``result`` uploaded under ``scan_id/account_id/instance_id``."""
        region = result.summary.host.model_extra.get("region") if result.summary.host.model_extra else None
        return cls(
            scan_id=scan_id,
            account_id=account_id,
            instance_id=instance_id,
            region=region if isinstance(region, str) and REGION.match(region) else None,
            hostname=result.hostname,
            observed_at=result.summary.finished_at,
            identified_by=identified_by,
        )


class Finding(NamedTuple):
    """A check's verdict on a host, with the context needed to file it anywhere.

    An immutable named tuple rather than a model: a scan makes 67 per host, from items the reader
    has already validated, on the hot path (a model costs several microseconds each). Validate or
    dump one at a boundary with ``pydantic.TypeAdapter(Finding)``.
    """

    scan_id: str
    account_id: str
    region: str | None
    instance_id: str
    hostname: str | None
    observed_at: datetime
    edition: str
    code: str
    severity: Severity
    status: Status
    title: str  # Korean title from the edition (the host's own title is not trusted)
    title_en: str
    reason: str
    evidence: str
    legacy_codes: tuple[str, ...]
    duration_ms: int | None
    # How the host is known; with Identity.HOSTNAME, ``instance_id`` holds the host name.
    identified_by: Identity = Identity.VERIFIED
    # The host's distribution family (scanner.catalog.family_of of the summary's host.os_id), which
    # picks the remediation; None when the host did not say or its distribution is not known.
    family: Family | None = None

    @property
    def ec2_instance(self) -> bool:
        """Whether ``instance_id`` names an EC2 instance: not a host name, not a hybrid node (``mi-``,
        an SSM activation's managed instance), for which no ``arn:aws:ec2:…:instance/…`` exists."""
        return self.identified_by is not Identity.HOSTNAME and not self.instance_id.startswith("mi-")

    @property
    def key(self) -> tuple[str, str, str]:
        """(account, instance, code): what the diff between scans matches on."""
        return (self.account_id, self.instance_id, self.code)
