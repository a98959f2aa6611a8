"""The catalog of the KISA 2026 Unix items: the project's one source of per-item facts.

``items.yaml`` (next to this module) holds, for each of U-01…U-67: the 2021 codes it replaces, the
severity, the category, the Korean and English titles, the guide's criterion (양호/취약) in both
languages, and the remediation of a VULNERABLE finding per distribution family (:data:`FAMILIES`),
in the project's own words. This module loads it once, checks it, and answers per item and family.

It imports nothing of the project: ``scanner.results.edition`` and the outputs build on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import Annotated, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "FAMILIES",
    "FAMILY_NAMES",
    "Catalog",
    "Family",
    "Item",
    "Text",
    "catalog",
    "family_of",
    "item",
    "items",
    "remediation",
]

Family = Literal["debian", "rhel"]
FAMILIES: tuple[Family, ...] = ("debian", "rhel")
FAMILY_NAMES: Mapping[Family, str] = MappingProxyType(
    {"debian": "Debian/Ubuntu", "rhel": "RHEL/Amazon Linux/Rocky"}
)
# os-release ID (the summary line's host.os_id) → family. An ID not listed has no family: its
# findings carry the remediation of every family, each named.
_OS_FAMILIES: Mapping[str, Family] = MappingProxyType(
    {
        "debian": "debian",
        "ubuntu": "debian",
        "rhel": "rhel",
        "rocky": "rhel",
        "almalinux": "rhel",
        "centos": "rhel",
        "amzn": "rhel",
        "ol": "rhel",
        "fedora": "rhel",
    }
)
_ALL = "all"

NonBlank = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(_Frozen):
    """One text in Korean and English."""

    ko: NonBlank
    en: NonBlank

    def of(self, language: Literal["ko", "en"]) -> str:
        return self.ko if language == "ko" else self.en


class Title(Text):
    """``en`` is the short title reports show; ``en_long`` the one the check headers and
    docs/checks.md show."""

    en_long: NonBlank


class Item(_Frozen):
    """One item of the edition."""

    code: str = Field(pattern=r"^U-(0[1-9]|[1-5][0-9]|6[0-7])$")
    legacy: tuple[Annotated[str, StringConstraints(pattern=r"^KISA-2021:U-\d{2}$")], ...] = ()
    severity: Literal["high", "medium", "low"]
    category: Literal["account", "files", "services", "patch", "logging"]
    title: Title
    good: Text
    vulnerable: Text
    remediation: dict[Literal["all", "debian", "rhel"], Text]

    @model_validator(mode="after")
    def _one_fix_or_one_per_family(self) -> Self:
        keys = set(self.remediation)
        if keys != {_ALL} and keys != set(FAMILIES):
            raise ValueError(f"{self.code}: remediation is either 'all' or one per family {FAMILIES}")
        return self

    @property
    def varies_by_family(self) -> bool:
        """Whether the fix differs between the families."""
        return _ALL not in self.remediation

    def remediation_for(self, family: Family | None) -> Text:
        """The fix on a host of ``family``; with no family, every family's fix, each named."""
        if _ALL in self.remediation:
            return self.remediation[_ALL]
        if family is not None:
            return self.remediation[family]
        per = [(FAMILY_NAMES[f], self.remediation[f]) for f in FAMILIES]
        return Text(
            ko=" ".join(f"[{name}] {text.ko}" for name, text in per),
            en=" ".join(f"[{name}] {text.en}" for name, text in per),
        )


class Catalog(_Frozen):
    """The whole edition: its 67 items in code order."""

    edition: Literal["KISA-2026"]
    items: tuple[Item, ...]

    @model_validator(mode="after")
    def _the_67_items_in_order(self) -> Self:
        codes = [entry.code for entry in self.items]
        if codes != [f"U-{n:02d}" for n in range(1, 68)]:
            raise ValueError("the catalog lists U-01…U-67, each once, in order")
        return self


@cache
def catalog() -> Catalog:
    """``items.yaml``, loaded and checked once."""
    text = files(__package__).joinpath("items.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return Catalog.model_validate(yaml.load(text, Loader=loader))  # noqa: S506 - a safe loader


@cache
def items() -> Mapping[str, Item]:
    """Code → item, in code order."""
    return MappingProxyType({entry.code: entry for entry in catalog().items})


def item(code: str) -> Item | None:
    """The item of ``code``, or None for a code the edition does not have."""
    return items().get(code)


def family_of(os_id: str | None) -> Family | None:
    """The family of a host from its os-release ``ID`` (``host.os_id`` of the result's summary)."""
    return _OS_FAMILIES.get(os_id.strip().lower()) if isinstance(os_id, str) else None


def remediation(code: str, family: Family | None) -> Text | None:
    """The fix of ``code`` on a host of ``family`` (see :meth:`Item.remediation_for`)."""
    entry = item(code)
    return entry.remediation_for(family) if entry is not None else None
