"""Text that goes into Slack: escaping of untrusted strings and length-safe shortening.

The order is always: shorten the raw text, then escape it (:func:`clip`, :func:`plain`,
:func:`code`), so a cut
never leaves half an entity (``&am…``), half a mention or an open code span. Finished mrkdwn is
shortened only by whole items (:func:`join_within`) or, as a last resort, at a safe place
(:func:`cut_mrkdwn`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

__all__ = [
    "NAME_SHOWN",
    "clip",
    "code",
    "code_inner",
    "cut_mrkdwn",
    "escape",
    "join_within",
    "plain",
    "slack_time",
    "truncate",
]

MARKER = "…"
NAME_SHOWN = 80  # characters of an untrusted name in a code span, backticks included
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(value: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so host-supplied text cannot mention, link or broadcast.

    Slack's control sequences (``<!channel>``, ``<!here>``, ``<@U…>``, ``<http://…|…>``) all start
    with ``<``; escaped, they render as plain text.
    """
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(value: str, limit: int, marker: str = MARKER) -> str:
    """At most ``limit`` characters, ending in ``marker`` when cut.

    For raw text only (plain_text fields, or text escaped afterwards): cutting mrkdwn that is
    already escaped can leave half an entity; use :func:`clip` or :func:`cut_mrkdwn` for that.
    """
    if len(value) <= limit:
        return value
    return value[: max(0, limit - len(marker))] + marker


def clip(value: str, limit: int, marker: str = MARKER) -> str:
    """``value`` escaped, in at most ``limit`` characters: the raw text is cut, then escaped."""
    escaped = escape(value)
    if len(escaped) <= limit:
        return escaped
    budget = max(0, limit - len(marker))
    kept: list[str] = []
    used = 0
    for char in value:
        piece = _ESCAPES.get(char, char)
        if used + len(piece) > budget:
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + marker


def _code_safe(value: str) -> str:
    """Backticks cannot be escaped in mrkdwn and a line break ends a code span: both go."""
    return value.replace("`", "ˋ").replace("\r", " ").replace("\n", " ")


def code_inner(value: str, limit: int = NAME_SHOWN - 2) -> str:
    """What goes between a template's own backticks: escaped, no backtick, at most ``limit``."""
    return clip(_code_safe(value), limit)


def code(value: str, limit: int = NAME_SHOWN) -> str:
    """Inline code of an untrusted string, backticks included, in at most ``limit`` characters."""
    return f"`{code_inner(value, max(1, limit - 2))}`"


def plain(value: str, limit: int) -> str:
    """Untrusted free text (a reason, a title) inside mrkdwn: cut raw, then escaped, in at most
    ``limit`` characters; its backticks become ``ˋ`` so it opens no code span."""
    return clip(value.replace("`", "ˋ"), limit)


def join_within(
    items: Sequence[str],
    limit: int,
    more: Callable[[int], str],
    sep: str = ", ",
    total: int | None = None,
) -> str:
    """As many whole ``items`` as fit in ``limit`` characters, then ``more(n)`` for the ``n`` left
    out (``total`` counts items not even passed in). An item is never cut."""
    total = len(items) if total is None else total
    kept: list[str] = []
    length = 0
    for index, item in enumerate(items):
        left_after = total - index - 1
        addition = len(item) + (len(sep) if kept else 0)
        tail = len(more(left_after)) if left_after > 0 else 0
        if length + addition + tail > limit:
            break
        kept.append(item)
        length += addition
    left = total - len(kept)
    return sep.join(kept) + (more(left) if left > 0 else "")


def cut_mrkdwn(text: str, limit: int, marker: str = MARKER) -> str:
    """Finished mrkdwn in at most ``limit`` characters, cut where nothing is left half open: not
    inside an entity (``&amp;``), a ``<…>`` sequence (mention, date, link) or a code span."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - len(marker))]
    line = head.rfind("\n")
    if line >= len(head) // 2:
        head = head[:line]
    while True:
        before = head
        amp = head.rfind("&")
        if amp != -1 and ";" not in head[amp:]:
            head = head[:amp]
        angle = head.rfind("<")
        if angle != -1 and ">" not in head[angle:]:
            head = head[:angle]
        if head.count("`") % 2:
            head = head[: head.rfind("`")]
        if head == before:
            return head + marker


def slack_time(moment: datetime) -> str:
    """A moment as Slack shows it in each reader's own time zone (the fallback text is UTC)."""
    utc = moment.astimezone(UTC)
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{utc:%Y-%m-%d %H:%M} UTC>"
