"""What the rendering tests check every message and modal against, and the hostile inputs they use.

Two consumers' rules:
- slack_sdk's models (``slack_sdk.models.blocks``, ``slack_sdk.models.views``): ``validate_json()``
  and ``to_dict()`` raise ``SlackObjectFormationError`` for what the SDK knows is too long;
- Slack's Block Kit limits, as :mod:`bot.render.limits` states them (blocks per message, text per
  section, the total text of a message's blocks, header, buttons, options, …), which the SDK does
  not check.
And the app's own rule: what a host or a person typed cannot mention, broadcast or link, and a cut
never leaves half an entity or an open code span.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.render.limits import MESSAGE_TEXT_MAX, message_problems, view_problems

__all__ = [
    "HOSTILE_TOKENS",
    "check_message",
    "check_view",
    "hostile_names",
    "hostile_text",
]

HOSTILE_TOKENS = (
    "<!channel>",
    "<!here>",
    "<@U123>",
    "<#C123>",
    "<http://evil.example|click>",
    "&",
    "&amp;",
    "&lt;",
    "<",
    ">",
    "*",
    "_",
    "~",
    "`",
    "```",
    "\n",
    " ",
    "취약",
    "web-01",
)
# What hostile input must never put into a message as Slack syntax.
FORBIDDEN = ("<!channel>", "<!here>", "<@U123>", "<#C123>", "<http://evil")
_HALF_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")

_piece = st.one_of(st.sampled_from(HOSTILE_TOKENS), st.text(alphabet="&<>*_~`ab가 \n", max_size=12))
_short = st.lists(_piece, min_size=1, max_size=30).map(lambda parts: "".join(parts)[:255])
# The longest a Name tag may be (255), made only of hostile pieces.
_longest = st.lists(_piece, min_size=1, max_size=8).map(
    lambda parts: ("".join(parts) * 255)[:255] if "".join(parts) else "&" * 255
)


def hostile_text() -> st.SearchStrategy[str]:
    """Up to 255 characters full of ``&<>*_~```, mentions, broadcasts and links; often exactly 255."""
    return st.one_of(_short, _longest)


def hostile_names(min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[list[str]]:
    """A few distinct hostile strings, which tests repeat (with a number) into long lists."""
    return st.lists(hostile_text(), min_size=min_size, max_size=max_size)


def _mrkdwn(node: Any) -> Iterator[str]:
    """Every mrkdwn text in a block tree (plain_text is not parsed by Slack)."""
    if isinstance(node, Mapping):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _mrkdwn(value)
    elif isinstance(node, list):
        for item in node:
            yield from _mrkdwn(item)


def _check_mrkdwn(text: str, where: str) -> None:
    for forbidden in FORBIDDEN:
        assert forbidden not in text, f"{where}: {forbidden!r} reached Slack unescaped"
    assert not _HALF_ENTITY.search(text), f"{where}: a bare or half entity in {text[-80:]!r}"
    assert text.count("`") % 2 == 0, f"{where}: an open code span in {text[-80:]!r}"


def check_message(blocks: Sequence[Block] | None, text: str) -> list[dict[str, Any]]:
    """A message as the app sends it, checked by slack_sdk's models and Slack's Block Kit limits;
    its blocks as dicts."""
    dicts = []
    for block in blocks or []:
        block.validate_json()  # slack_sdk's models
        dicts.append(block.to_dict())
    problems = message_problems(dicts, text)  # Slack's Block Kit limits (and the app's budgets)
    assert not problems, problems
    assert len(text) <= MESSAGE_TEXT_MAX
    for index, mrkdwn in enumerate(_mrkdwn(dicts)):
        _check_mrkdwn(mrkdwn, f"blocks mrkdwn #{index}")
    _check_mrkdwn(text, "text")  # Slack reads a message's text as mrkdwn too
    return dicts


def check_view(view: View) -> dict[str, Any]:
    """A modal, checked by slack_sdk's models and Slack's Block Kit limits; the view as a dict."""
    view.validate_json()  # slack_sdk's models
    data = view.to_dict()
    problems = view_problems(data)  # Slack's Block Kit limits
    assert not problems, problems
    for index, mrkdwn in enumerate(_mrkdwn(data)):
        _check_mrkdwn(mrkdwn, f"view mrkdwn #{index}")
    return data
