"""Caps applied to every result tar before anything in it is read (docs/design.md, "Nothing from a
host is trusted")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_LIMITS", "MIB", "Limits"]

MIB = 1024 * 1024


class Limits(BaseModel):
    """How much of a host's upload the reader is willing to look at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tar_bytes: int = Field(default=20 * MIB, gt=0, description="The archive as uploaded.")
    max_inflated_bytes: int = Field(default=20 * MIB, gt=0, description="The archive after gunzip.")
    max_member_bytes: int = Field(default=5 * MIB, gt=0, description="One file inside the archive.")
    max_members: int = Field(default=500, gt=0, description="Headers of any kind, extensions included.")
    max_extension_header_bytes: int = Field(default=64 * 1024, gt=0, description="A pax or GNU long name.")
    max_line_chars: int = Field(default=256 * 1024, gt=0, description="One line of results.jsonl.")
    max_meta_bytes: int = Field(default=64 * 1024, gt=0, description="meta.json.")


DEFAULT_LIMITS = Limits()
