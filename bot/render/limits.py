"""Slack's limits on what the app sends, in one place: the renderers size their output by them and
the tests check every message and modal against them.

Sources: Slack's Block Kit reference (https://docs.slack.dev/reference/block-kit/blocks, and the
header block page https://docs.slack.dev/reference/block-kit/blocks/header-block), the option group
page (https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object/), the
changelog on long message text
(https://api.slack.com/changelog/2018-04-truncating-really-long-messages), and the validators of
slack_sdk's block models (``slack_sdk.models.blocks``, ``slack_sdk.models.views``), which raise in
``to_dict()`` when a field is too long.

One limit is not documented: ``chat.postMessage`` refuses a message whose blocks carry more than
about 13,200 characters of text in all (``msg_blocks_too_long``, reported in
https://github.com/slackapi/bolt-js/issues/2509; the exact figure moves with the kind and number of
blocks). The app keeps every message's block text within :data:`MESSAGE_BLOCK_TEXT_BUDGET`, well
below it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "ACTIONS_ELEMENTS_MAX",
    "BUTTON_TEXT_MAX",
    "BUTTON_VALUE_MAX",
    "CONFIRM_BUTTON_MAX",
    "CONFIRM_TEXT_MAX",
    "CONFIRM_TITLE_MAX",
    "CONTEXT_ELEMENTS_MAX",
    "CONTEXT_TEXT_MAX",
    "FALLBACK_TEXT_BUDGET",
    "HEADER_TEXT_MAX",
    "ID_MAX",
    "INPUT_LABEL_MAX",
    "MESSAGE_BLOCKS_MAX",
    "MESSAGE_BLOCK_TEXT_BUDGET",
    "MESSAGE_BLOCK_TEXT_REFUSED",
    "MESSAGE_TEXT_MAX",
    "OPTIONS_MAX",
    "OPTION_GROUPS_MAX",
    "OPTION_TEXT_MAX",
    "OPTION_VALUE_MAX",
    "PLACEHOLDER_MAX",
    "PRIVATE_METADATA_MAX",
    "SECTION_FIELDS_MAX",
    "SECTION_FIELD_TEXT_MAX",
    "SECTION_TEXT_MAX",
    "VIEW_BLOCKS_MAX",
    "VIEW_TITLE_MAX",
    "block_text_length",
    "message_problems",
    "view_problems",
]

# A message
MESSAGE_BLOCKS_MAX = 50
MESSAGE_TEXT_MAX = 40_000  # the top-level ``text``: Slack cuts what is longer
MESSAGE_BLOCK_TEXT_REFUSED = 13_200  # about where ``msg_blocks_too_long`` starts (undocumented)
MESSAGE_BLOCK_TEXT_BUDGET = 12_000  # what the app allows itself, leaving room for the containers
FALLBACK_TEXT_BUDGET = 3_000  # the app's own bound on ``text`` (a notification, not a document)

# A modal
VIEW_BLOCKS_MAX = 100
VIEW_TITLE_MAX = 24  # title, submit and close
PRIVATE_METADATA_MAX = 3_000

# Blocks and elements
SECTION_TEXT_MAX = 3_000
SECTION_FIELDS_MAX = 10
SECTION_FIELD_TEXT_MAX = 2_000
HEADER_TEXT_MAX = 150
CONTEXT_ELEMENTS_MAX = 10
CONTEXT_TEXT_MAX = 2_000
ACTIONS_ELEMENTS_MAX = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2_000
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30
OPTIONS_MAX = 100  # per select, and per option group
OPTION_GROUPS_MAX = 100
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
PLACEHOLDER_MAX = 150
INPUT_LABEL_MAX = 2_000  # an input block's label and hint
ID_MAX = 255  # block_id, action_id, callback_id


def _texts(node: Any) -> Iterator[str]:
    """Every ``text`` string in a block tree (text objects, and their nesting in elements)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, Sequence) and not isinstance(node, str):
        for item in node:
            yield from _texts(item)


def block_text_length(blocks: Sequence[Any]) -> int:
    """The characters of text the blocks carry, the measure ``msg_blocks_too_long`` is about.

    Takes blocks as dicts (``to_dict()``) or as slack_sdk models.
    """
    return sum(len(text) for text in _texts([_as_dict(block) for block in blocks]))


def _as_dict(block: Any) -> Any:
    to_dict = getattr(block, "to_dict", None)
    return to_dict() if callable(to_dict) else block


def _too_long(where: str, value: Any, limit: int) -> Iterator[str]:
    if isinstance(value, str) and len(value) > limit:
        yield f"{where}: {len(value)} characters, more than {limit}"


def _text_of(obj: Any) -> Any:
    return obj.get("text") if isinstance(obj, Mapping) else None


def _element_problems(where: str, element: Mapping[str, Any]) -> Iterator[str]:
    yield from _too_long(f"{where}.action_id", element.get("action_id"), ID_MAX)
    yield from _too_long(f"{where}.placeholder", _text_of(element.get("placeholder")), PLACEHOLDER_MAX)
    if element.get("type") == "button":
        yield from _too_long(f"{where}.text", _text_of(element.get("text")), BUTTON_TEXT_MAX)
        yield from _too_long(f"{where}.value", element.get("value"), BUTTON_VALUE_MAX)
    confirm = element.get("confirm")
    if isinstance(confirm, Mapping):
        yield from _too_long(f"{where}.confirm.title", _text_of(confirm.get("title")), CONFIRM_TITLE_MAX)
        yield from _too_long(f"{where}.confirm.text", _text_of(confirm.get("text")), CONFIRM_TEXT_MAX)
        for key in ("confirm", "deny"):
            yield from _too_long(f"{where}.confirm.{key}", _text_of(confirm.get(key)), CONFIRM_BUTTON_MAX)
    groups = element.get("option_groups") or []
    if len(groups) > OPTION_GROUPS_MAX:
        yield f"{where}.option_groups: {len(groups)} groups, more than {OPTION_GROUPS_MAX}"
    lists = [(f"{where}.options", element.get("options") or [])]
    lists += [(f"{where}.option_groups[{i}].options", g.get("options") or []) for i, g in enumerate(groups)]
    for i, group in enumerate(groups):
        yield from _too_long(
            f"{where}.option_groups[{i}].label", _text_of(group.get("label")), OPTION_TEXT_MAX
        )
    for place, options in lists:
        if len(options) > OPTIONS_MAX:
            yield f"{place}: {len(options)} options, more than {OPTIONS_MAX}"
        for j, option in enumerate(options):
            yield from _too_long(f"{place}[{j}].text", _text_of(option.get("text")), OPTION_TEXT_MAX)
            yield from _too_long(f"{place}[{j}].value", option.get("value"), OPTION_VALUE_MAX)


def _block_problems(where: str, block: Mapping[str, Any]) -> Iterator[str]:
    kind = block.get("type")
    yield from _too_long(f"{where}.block_id", block.get("block_id"), ID_MAX)
    if kind == "section":
        yield from _too_long(f"{where}.text", _text_of(block.get("text")), SECTION_TEXT_MAX)
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS_MAX:
            yield f"{where}.fields: {len(fields)} fields, more than {SECTION_FIELDS_MAX}"
        for i, field in enumerate(fields):
            yield from _too_long(f"{where}.fields[{i}]", _text_of(field), SECTION_FIELD_TEXT_MAX)
        if isinstance(block.get("accessory"), Mapping):
            yield from _element_problems(f"{where}.accessory", block["accessory"])
    elif kind == "header":
        yield from _too_long(f"{where}.text", _text_of(block.get("text")), HEADER_TEXT_MAX)
    elif kind == "context":
        elements = block.get("elements") or []
        if len(elements) > CONTEXT_ELEMENTS_MAX:
            yield f"{where}.elements: {len(elements)} elements, more than {CONTEXT_ELEMENTS_MAX}"
        for i, element in enumerate(elements):
            yield from _too_long(f"{where}.elements[{i}]", _text_of(element), CONTEXT_TEXT_MAX)
    elif kind == "actions":
        elements = block.get("elements") or []
        if len(elements) > ACTIONS_ELEMENTS_MAX:
            yield f"{where}.elements: {len(elements)} elements, more than {ACTIONS_ELEMENTS_MAX}"
        for i, element in enumerate(elements):
            yield from _element_problems(f"{where}.elements[{i}]", element)
    elif kind == "input":
        yield from _too_long(f"{where}.label", _text_of(block.get("label")), INPUT_LABEL_MAX)
        yield from _too_long(f"{where}.hint", _text_of(block.get("hint")), INPUT_LABEL_MAX)
        if isinstance(block.get("element"), Mapping):
            yield from _element_problems(f"{where}.element", block["element"])


def message_problems(blocks: Sequence[Any] | None, text: str | None = None) -> list[str]:
    """What in a message (its blocks, as dicts or models, and its fallback text) Slack would refuse
    or cut, and what passes the app's own budgets; empty when it is all within them."""
    problems: list[str] = []
    dicts = [_as_dict(block) for block in blocks or []]
    if len(dicts) > MESSAGE_BLOCKS_MAX:
        problems.append(f"blocks: {len(dicts)} blocks, more than {MESSAGE_BLOCKS_MAX}")
    for i, block in enumerate(dicts):
        problems.extend(_block_problems(f"blocks[{i}]", block))
    total = block_text_length(dicts)
    if total > MESSAGE_BLOCK_TEXT_BUDGET:
        problems.append(f"blocks: {total} characters of text, more than {MESSAGE_BLOCK_TEXT_BUDGET}")
    if text is not None:
        problems.extend(_too_long("text", text, FALLBACK_TEXT_BUDGET))
    return problems


def view_problems(view: Any) -> list[str]:
    """What in a modal Slack would refuse; empty when it is all within the limits."""
    data = _as_dict(view)
    problems: list[str] = []
    for key in ("title", "submit", "close"):
        problems.extend(_too_long(f"view.{key}", _text_of(data.get(key)), VIEW_TITLE_MAX))
    problems.extend(_too_long("view.private_metadata", data.get("private_metadata"), PRIVATE_METADATA_MAX))
    problems.extend(_too_long("view.callback_id", data.get("callback_id"), ID_MAX))
    blocks = data.get("blocks") or []
    if len(blocks) > VIEW_BLOCKS_MAX:
        problems.append(f"view.blocks: {len(blocks)} blocks, more than {VIEW_BLOCKS_MAX}")
    for i, block in enumerate(blocks):
        problems.extend(_block_problems(f"view.blocks[{i}]", block))
    return problems
