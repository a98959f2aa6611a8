"""Block Kit as plain text, the way a reader sees a message: for the demo's terminal and for tests."""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["message_text"]

_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")


def _mrkdwn(text: str) -> str:
    text = _MENTION.sub(r"@\1", text)
    text = _DATE.sub(r"\1", text)
    text = _LINK.sub(r"\2", text)
    return html.unescape(text)


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return _mrkdwn(str(obj.get("text", "")))
    return ""


def _block(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = _text(block.get("text"))
        return [title, "─" * min(60, max(10, len(title) * 2))]
    if kind == "section":
        lines = [_text(block.get("text"))] if "text" in block else []
        fields = [_text(field).replace("\n", ": ", 1) for field in block.get("fields") or []]
        if fields:
            lines.append("   ".join(fields))
        return lines
    if kind == "context":
        return ["  " + "  ".join(_text(element) for element in block.get("elements", []))]
    if kind == "actions":
        return [
            "  " + "  ".join(f"[ {_text(element.get('text'))} ]" for element in block.get("elements", []))
        ]
    if kind == "divider":
        return ["· · ·"]
    return []


def message_text(blocks: list[dict[str, Any]], fallback: str = "") -> str:
    """The message as a person reads it: mentions as @user, escapes undone, buttons in brackets."""
    if not blocks:
        return _mrkdwn(fallback)
    lines: list[str] = []
    for block in blocks:
        lines.extend(_block(block))
    return "\n".join(line for line in lines if line is not None)
