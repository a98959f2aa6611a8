"""What the doctor found: one :class:`Check` per line, and the :class:`Report` of them all."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = ["Check", "Report", "Status"]


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"  # could not be checked, for a reason that is not the deployment's fault


_MARKS = {Status.PASSED: "✓", Status.FAILED: "✗", Status.SKIPPED: "–"}


class Check(BaseModel):
    """One thing checked: what (``name``), the outcome, what was seen and, for a failure, what to fix."""

    model_config = ConfigDict(frozen=True)

    name: str
    status: Status
    detail: str = ""
    fix: str = ""

    @classmethod
    def passed(cls, name: str, detail: str = "") -> Check:
        return cls(name=name, status=Status.PASSED, detail=detail)

    @classmethod
    def failed(cls, name: str, detail: str, fix: str = "") -> Check:
        return cls(name=name, status=Status.FAILED, detail=detail, fix=fix)

    @classmethod
    def skipped(cls, name: str, detail: str) -> Check:
        return cls(name=name, status=Status.SKIPPED, detail=detail)

    def line(self) -> str:
        text = f"{_MARKS[self.status]} {self.name}"
        if self.detail:
            text += f": {self.detail}"
        if self.fix:
            text += f" → {self.fix}"
        return text


class Report(BaseModel):
    """Every check, in the order they ran."""

    model_config = ConfigDict(frozen=True)

    checks: tuple[Check, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is Status.FAILED)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def lines(self) -> list[str]:
        counts = {status: sum(c.status is status for c in self.checks) for status in Status}
        summary = f"{counts[Status.PASSED]} passed, {counts[Status.FAILED]} failed"
        if counts[Status.SKIPPED]:
            summary += f", {counts[Status.SKIPPED]} not checked"
        return [*(c.line() for c in self.checks), summary]
