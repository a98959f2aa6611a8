"""Excel's limits on what a workbook may hold, applied to text that came from hosts.

- A cell holds at most 32,767 characters (counted in UTF-16 units, as Excel counts): longer text is
  cut and ends with :data:`TRUNCATED`.
- XML 1.0 cannot carry control characters (other than tab, newline and carriage return), lone
  surrogates or U+FFFE/U+FFFF: each becomes U+FFFD, so a host's bytes never make a file that
  Excel has to repair.
- A sheet name has 1 to 31 characters, none of ``[]:*?/\\``, does not start or end with ``'``, is
  not ``History`` (Excel's own), and differs from every other sheet's name ignoring case:
  :class:`SheetNames` makes such names, numbering the ones that would collide.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["CELL_LIMIT", "SHEET_NAME_LIMIT", "TRUNCATED", "SheetNames", "cell_text"]

CELL_LIMIT = 32_767
SHEET_NAME_LIMIT = 31
TRUNCATED = "… [truncated]"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_RESERVED = ("history",)


def _units(text: str) -> int:
    """Length in UTF-16 code units (a character outside the BMP counts twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _cut(text: str, units: int) -> str:
    """The longest prefix of ``text`` of at most ``units`` UTF-16 code units."""
    if _units(text) <= units:
        return text
    kept, used = [], 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > units:
            break
        kept.append(ch)
        used += size
    return "".join(kept)


def cell_text(value: object, limit: int = CELL_LIMIT) -> str:
    """``value`` as text a cell can hold: characters XML cannot carry replaced, and cut to ``limit``
    UTF-16 units with :data:`TRUNCATED` at its end when it is longer."""
    text = _NOT_XML.sub("\ufffd", "" if value is None else str(value))
    if len(text) * 2 <= limit or _units(text) <= limit:  # the first: fits even if all were two units
        return text
    return _cut(text, limit - _units(TRUNCATED)) + TRUNCATED


class SheetNames:
    """Gives each sheet a valid name, unique ignoring case. ``reserved`` names (the workbook's own
    sheets) are taken first; a name that collides gets `` (2)``, `` (3)``, … within 31 characters."""

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken: set[str] = {self._key(name) for name in _RESERVED}
        for name in reserved:
            self._taken.add(self._key(self.clean(name)))

    @staticmethod
    def _key(name: str) -> str:
        return name.casefold().upper()

    @staticmethod
    def clean(name: str) -> str:
        """``name`` with the characters a sheet name cannot have replaced, and cut to 31."""
        text = _NOT_IN_SHEET_NAME.sub("_", cell_text(name)).replace("\ufffd", "_")
        text = "".join(ch if ch.isprintable() else "_" for ch in text).strip().strip("'").strip()
        return _cut(text, SHEET_NAME_LIMIT).rstrip("'").rstrip() or "_"

    def take(self, wanted: str) -> str:
        """A name for a new sheet: ``wanted`` cleaned, numbered when it is taken."""
        base = self.clean(wanted)
        name, number = base, 1
        while self._key(name) in self._taken:
            number += 1
            suffix = f" ({number})"
            name = _cut(base, SHEET_NAME_LIMIT - len(suffix)).rstrip("'").rstrip() + suffix
        self._taken.add(self._key(name))
        return name
