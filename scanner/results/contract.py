"""The lines of ``results.jsonl`` as pydantic models, and the accepted result tar: the contract of
docs/design.md, "The result tar"."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, JsonValue, StringConstraints, TypeAdapter

from scanner.results.edition import EDITION, ITEMS, Severity, Status

__all__ = [
    "INSTANCE_ID",
    "INSTANCE_ID_PATTERN",
    "AcceptedResult",
    "BundleInfo",
    "HostInfo",
    "ItemLine",
    "ResultLine",
    "SummaryLine",
    "line_adapter",
]

INSTANCE_ID_PATTERN = r"^(i|mi)-[0-9a-f]{8,17}$"
INSTANCE_ID = re.compile(INSTANCE_ID_PATTERN)
# No control characters (C0, DEL, C1): a name shown on terminals and in Slack carries no escapes.
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]*$"

Code = Annotated[str, StringConstraints(pattern=r"^U-(0[1-9]|[1-5][0-9]|6[0-7])$")]
ShortText = Annotated[str, StringConstraints(max_length=512)]
Reason = Annotated[str, StringConstraints(max_length=4096)]
Evidence = Annotated[str, StringConstraints(max_length=65_536)]
LegacyCode = Annotated[str, StringConstraints(pattern=r"^KISA-\d{4}:U-\d{2}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def _blank_is_none(value: object) -> object:
    """The bundle writes "" for what it does not know (no instance ID when run by hand)."""
    return None if value == "" else value


Unknown = BeforeValidator(_blank_is_none)


class _Line(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemLine(_Line):
    """One check's verdict on one host."""

    type: Literal["item"]
    edition: Literal["KISA-2026"]
    code: Code
    severity: Severity
    status: Status
    title: ShortText
    reason: Reason = ""
    evidence: Evidence = ""
    legacy_codes: tuple[LegacyCode, ...] = Field(default=(), max_length=8)
    duration_ms: int | None = Field(default=None, ge=0, le=86_400_000)


class HostInfo(BaseModel):
    """What the host says about itself (the summary line's ``host``, as the bundle writes it); only
    ``instance_id`` is checked against the upload."""

    model_config = ConfigDict(frozen=True, extra="allow")

    instance_id: Annotated[Annotated[str, StringConstraints(pattern=INSTANCE_ID_PATTERN)] | None, Unknown] = (
        None
    )
    hostname: Annotated[
        Annotated[str, StringConstraints(max_length=253, pattern=PRINTABLE)] | None, Unknown
    ] = None


class BundleInfo(_Line):
    """Which check bundle produced the result."""

    version: ShortText
    sha256: Annotated[Sha256 | None, Unknown] = None


class SummaryLine(_Line):
    """The last line: who ran, when, and the counts the items must add up to."""

    type: Literal["summary"]
    host: HostInfo
    bundle: BundleInfo
    started_at: datetime
    finished_at: datetime
    counts: dict[Status, Annotated[int, Field(ge=0, le=len(ITEMS))]]


ResultLine = Annotated[ItemLine | SummaryLine, Field(discriminator="type")]
line_adapter: TypeAdapter[ItemLine | SummaryLine] = TypeAdapter(ResultLine)


class AcceptedResult(BaseModel):
    """A result tar that passed every check: the 67 items in code order, the summary and meta.json."""

    model_config = ConfigDict(frozen=True)

    edition: str = EDITION
    items: tuple[ItemLine, ...]
    summary: SummaryLine
    meta: dict[str, JsonValue] = {}
    evidence_files: tuple[str, ...] = ()

    @property
    def instance_id(self) -> str | None:
        return self.summary.host.instance_id

    @property
    def hostname(self) -> str | None:
        return self.summary.host.hostname
