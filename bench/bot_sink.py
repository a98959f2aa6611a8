"""A stand-in for the bot function that accepts Bolt's lazy self-invocations without running them."""

from __future__ import annotations

from typing import Any


def accept(event: Any, context: Any) -> None:
    return None
