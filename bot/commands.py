"""Parsing ``/cce-scan`` text into a typed command: pure, no I/O, safe to run in the ack."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "MAX_TARGETS",
    "Cancel",
    "Command",
    "Help",
    "OpenModal",
    "ScanRequest",
    "Status",
    "UsageError",
    "parse_command",
    "parse_host_ids",
]

MAX_TARGETS = 100
INSTANCE_ID = re.compile(r"^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
SCAN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{3,63}$")
# EC2 Name tags may hold almost anything; in a slash command a name is one word.
HOST_NAME = re.compile(r"^[\w.:/+=@-]{1,255}$")
TARGET_NAME = re.compile(r"^[\w.-]{1,64}$")


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True)


class Help(_Command):
    kind: Literal["help"] = "help"


class OpenModal(_Command):
    kind: Literal["modal"] = "modal"


class ScanRequest(_Command):
    """``account NAME…`` or ``host ID…``: names are checked against the config later."""

    kind: Literal["account", "host"]
    names: tuple[str, ...]


class Status(_Command):
    kind: Literal["status"] = "status"
    scan_id: str | None = None


class Cancel(_Command):
    kind: Literal["cancel"] = "cancel"
    scan_id: str


class UsageError(_Command):
    """The text could not be understood: ``problem`` is a message key, ``subject`` what it is about."""

    kind: Literal["usage"] = "usage"
    problem: str
    subject: str = ""
    example: str


Command = Help | OpenModal | ScanRequest | Status | Cancel | UsageError

_EXAMPLES = {
    "account": "/cce-scan account prod",
    "host": "/cce-scan host i-0123456789abcdef0",
    "status": "/cce-scan status",
    "cancel": "/cce-scan cancel <scan-id>",
}


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[\s,]+", text.strip()) if word]


def _dedupe(words: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


def parse_host_ids(words: list[str]) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """Split host words into accepted ones and (problem, word) pairs."""
    problems = []
    for word in words:
        if word.startswith("i-") and not INSTANCE_ID.match(word):
            problems.append(("malformed_instance_id", word))
        elif not word.startswith("i-") and not _is_ip(word) and not HOST_NAME.match(word):
            problems.append(("malformed_host", word))
    return _dedupe(words), problems


def _is_ip(word: str) -> bool:
    try:
        ipaddress.ip_address(word)
    except ValueError:
        return False
    return True


def parse_command(text: str) -> Command:
    """Parse the text after ``/cce-scan``."""
    words = _words(text)
    if not words:
        return OpenModal()
    verb, rest = words[0].lower(), words[1:]
    if verb in ("help", "도움말", "-h", "--help"):
        return Help()
    if verb in ("account", "accounts"):
        if not rest:
            return UsageError(problem="no_accounts", example=_EXAMPLES["account"])
        bad = [word for word in rest if not TARGET_NAME.match(word)]
        if bad:
            return UsageError(problem="malformed_account", subject=bad[0], example=_EXAMPLES["account"])
        names = _dedupe(rest)
    elif verb in ("host", "hosts"):
        if not rest:
            return UsageError(problem="no_hosts", example=_EXAMPLES["host"])
        names, problems = parse_host_ids(rest)
        if problems:
            problem, word = problems[0]
            return UsageError(problem=problem, subject=word, example=_EXAMPLES["host"])
    elif verb == "status":
        if len(rest) > 1 or (rest and not SCAN_ID.match(rest[0])):
            return UsageError(problem="status_arguments", example=_EXAMPLES["status"])
        return Status(scan_id=rest[0] if rest else None)
    elif verb == "cancel":
        if len(rest) != 1 or not SCAN_ID.match(rest[0]):
            return UsageError(problem="cancel_arguments", example=_EXAMPLES["cancel"])
        return Cancel(scan_id=rest[0])
    else:
        return UsageError(problem="unknown_command", subject=words[0], example=_EXAMPLES["account"])
    if len(names) > MAX_TARGETS:
        return UsageError(
            problem="too_many_targets", subject=str(MAX_TARGETS), example=_EXAMPLES[verb.rstrip("s")]
        )
    return ScanRequest(kind="account" if verb.startswith("account") else "host", names=names)
