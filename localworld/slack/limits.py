"""Block Kit limits as Slack enforces them on messages and views.

Slack answers a payload over these limits with ``invalid_blocks`` and a message per problem,
naming the JSON pointer of the offending field; the server here does the same, so code that
renders too much fails in tests rather than in a customer's workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["MESSAGE_TEXT_MAX", "BlockLimitError", "check_message_blocks", "check_view_blocks"]

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MESSAGE_TEXT_MAX = 40_000
SECTION_TEXT_MAX = 3_000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2_000
HEADER_TEXT_MAX = 150
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2_000
ID_MAX = 255
MARKDOWN_BLOCK_MAX = 12_000
OPTIONS_MAX = 100
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
VIEW_TITLE_MAX = 24
PRIVATE_METADATA_MAX = 3_000
KNOWN_BLOCK_TYPES = frozenset(
    {"section", "header", "divider", "context", "actions", "input", "image", "rich_text", "markdown", "file"}
)


class BlockLimitError(ValueError):
    """A message or view breaks a Block Kit limit; ``problems`` holds Slack-style messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        value = obj.get("text", "")
        return value if isinstance(value, str) else ""
    return ""


def _too_long(pointer: str, value: str, limit: int) -> Iterator[str]:
    if len(value) > limit:
        yield f"[ERROR] must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _element(pointer: str, element: Any) -> Iterator[str]:
    if not isinstance(element, dict):
        yield f"[ERROR] must be an object [json-pointer:{pointer}]"
        return
    yield from _too_long(f"{pointer}/action_id", str(element.get("action_id", "")), ID_MAX)
    if element.get("type") == "button":
        yield from _too_long(f"{pointer}/text/text", _text(element.get("text")), BUTTON_TEXT_MAX)
        yield from _too_long(f"{pointer}/value", str(element.get("value", "")), BUTTON_VALUE_MAX)
    options = element.get("options")
    if isinstance(options, list):
        if len(options) > OPTIONS_MAX:
            yield f"[ERROR] must provide no more than {OPTIONS_MAX} items [json-pointer:{pointer}/options]"
        for index, option in enumerate(options):
            yield from _too_long(
                f"{pointer}/options/{index}/text/text", _text(option.get("text")), OPTION_TEXT_MAX
            )
            yield from _too_long(
                f"{pointer}/options/{index}/value", str(option.get("value", "")), OPTION_VALUE_MAX
            )


def _block(pointer: str, block: Any) -> Iterator[str]:
    if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCK_TYPES:
        yield f"[ERROR] unsupported type [json-pointer:{pointer}/type]"
        return
    kind = block["type"]
    yield from _too_long(f"{pointer}/block_id", str(block.get("block_id", "")), ID_MAX)
    if kind == "section":
        yield from _too_long(f"{pointer}/text/text", _text(block.get("text")), SECTION_TEXT_MAX)
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS_MAX:
            yield f"[ERROR] must provide no more than {SECTION_FIELDS_MAX} items [json-pointer:{pointer}/fields]"
        for index, field in enumerate(fields):
            yield from _too_long(f"{pointer}/fields/{index}/text", _text(field), SECTION_FIELD_TEXT_MAX)
        if "text" not in block and not fields:
            yield f"[ERROR] must provide either text or fields [json-pointer:{pointer}]"
        if "accessory" in block:
            yield from _element(f"{pointer}/accessory", block["accessory"])
    elif kind == "header":
        yield from _too_long(f"{pointer}/text/text", _text(block.get("text")), HEADER_TEXT_MAX)
    elif kind == "markdown":
        yield from _too_long(f"{pointer}/text", str(block.get("text", "")), MARKDOWN_BLOCK_MAX)
    elif kind in ("actions", "context"):
        elements = block.get("elements") or []
        limit = ACTIONS_ELEMENTS_MAX if kind == "actions" else CONTEXT_ELEMENTS_MAX
        if len(elements) > limit:
            yield f"[ERROR] must provide no more than {limit} items [json-pointer:{pointer}/elements]"
        for index, element in enumerate(elements):
            if kind == "actions":
                yield from _element(f"{pointer}/elements/{index}", element)
    elif kind == "input":
        yield from _element(f"{pointer}/element", block.get("element"))


def _check(blocks: Any, limit: int) -> None:
    if blocks is None:
        return
    if not isinstance(blocks, list):
        raise BlockLimitError(["[ERROR] must be an array [json-pointer:/blocks]"])
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"[ERROR] must provide no more than {limit} items [json-pointer:/blocks]")
    for index, block in enumerate(blocks):
        problems.extend(_block(f"/blocks/{index}", block))
    if problems:
        raise BlockLimitError(problems)


def check_message_blocks(blocks: Any) -> None:
    """Raise :class:`BlockLimitError` when message blocks break a limit."""
    _check(blocks, MESSAGE_BLOCKS_MAX)


def check_view_blocks(view: Any) -> None:
    """Raise :class:`BlockLimitError` when a modal view breaks a limit."""
    if not isinstance(view, dict):
        raise BlockLimitError(["[ERROR] must be an object [json-pointer:/view]"])
    problems: list[str] = []
    for key in ("title", "submit", "close"):
        if key in view and len(_text(view[key])) > VIEW_TITLE_MAX:
            problems.append(
                f"[ERROR] must be less than {VIEW_TITLE_MAX + 1} characters [json-pointer:/view/{key}/text]"
            )
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA_MAX:
        problems.append(
            f"[ERROR] must be less than {PRIVATE_METADATA_MAX + 1} characters [json-pointer:/view/private_metadata]"
        )
    try:
        _check(view.get("blocks"), VIEW_BLOCKS_MAX)
    except BlockLimitError as exc:
        problems.extend(exc.problems)
    if problems:
        raise BlockLimitError(problems)
