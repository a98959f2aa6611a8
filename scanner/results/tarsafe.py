"""A tar reader for archives nobody vouches for.

It walks the headers itself (ustar, GNU and pax), keeps the files it is asked for in memory and
never touches the disk. Everything a hostile host could use is refused before any data is read:
sizes over the caps, more members than allowed, absolute or ``..`` paths, hard and symbolic links,
devices, FIFOs, sparse files, truncation, and gzip streams that inflate past the cap.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from scanner.results.errors import TarRejected
from scanner.results.limits import DEFAULT_LIMITS, MIB, Limits

__all__ = ["TarContents", "byte_sum", "printable", "read_tar", "shown"]

BLOCK = 512
GZIP_MAGIC = b"\x1f\x8b"
_INFLATE_CHUNK = 256 * 1024
_REGULAR = frozenset({b"0", b"\x00", b"7"})
_REFUSED_TYPES = {
    b"1": "a hard link",
    b"2": "a symbolic link",
    b"K": "a link (GNU long link name)",
    b"3": "a character device",
    b"4": "a block device",
    b"6": "a FIFO",
    b"S": "a sparse file",
}
_USTAR = b"ustar\x0000"
_GNU = b"ustar  \x00"
_SIGNED_HEADER = struct.Struct("148b8x356b")
_ZERO_BLOCK = bytes(BLOCK)
_INVERSE_65521_MOD_255 = pow(65521, -1, 255)
# Names without these need no normalization: no NUL, no leading or doubled '/', no '.' component.
_NEEDS_CARE = re.compile(r"\x00|^/|//|/$|(^|/)\.\.?(/|$)")


def shown(text: str, limit: int = 80) -> str:
    """A host-supplied string made safe to print: quoted, control characters escaped, shortened."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def printable(text: str, limit: int = 200) -> str:
    """``text`` with control characters written as escapes and cut at ``limit`` characters."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in cut)


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB" if size >= MIB else f"{size} bytes"


@dataclass(frozen=True, slots=True)
class TarContents:
    """The files kept from an archive (by normalized path) and how many headers it had."""

    files: dict[str, bytes]
    members: int


class _Bytes:
    """An uncompressed archive already in memory."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, size: int) -> bytes:
        end = self._pos + size
        if end > len(self._data):
            raise TarRejected("the tar is truncated")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def skip(self, size: int) -> None:
        if self._pos + size > len(self._data):
            raise TarRejected("the tar is truncated")
        self._pos += size

    def read_block(self) -> bytes:
        """The next 512 bytes, or nothing at the very end."""
        pos = self._pos
        block = self._data[pos : pos + BLOCK]
        if len(block) == BLOCK or not block:
            self._pos = pos + len(block)
            return block
        raise TarRejected("the tar is truncated")

    def rest_is_zero(self) -> bool:
        rest = self._data[self._pos :]
        return not rest.strip(b"\x00")


class _Gunzip:
    """A gzip-compressed archive, inflated on demand and never past ``cap`` bytes."""

    __slots__ = ("_buf", "_cap", "_inflater", "_input", "_pos", "_produced")

    def __init__(self, data: bytes, cap: int) -> None:
        self._input = memoryview(data)
        self._pos = 0
        self._inflater = zlib.decompressobj(wbits=31)
        self._buf = bytearray()
        self._produced = 0
        self._cap = cap

    def _fill(self, size: int) -> None:
        while len(self._buf) < size and not self._inflater.eof:
            tail = self._inflater.unconsumed_tail
            if tail:
                source: bytes | memoryview = tail
            elif self._pos < len(self._input):
                source = self._input[self._pos : self._pos + _INFLATE_CHUNK]
                self._pos += len(source)
            else:
                raise TarRejected("the gzip stream is truncated")
            want = max(size - len(self._buf), _INFLATE_CHUNK)
            try:
                out = self._inflater.decompress(source, want)
            except zlib.error as exc:
                raise TarRejected(f"the gzip stream is corrupt ({exc})") from exc
            self._produced += len(out)
            if self._produced > self._cap:
                raise TarRejected(f"the gzip stream inflates beyond {_mib(self._cap)}")
            self._buf += out

    def read(self, size: int) -> bytes:
        self._fill(size)
        if len(self._buf) < size:
            raise TarRejected("the tar is truncated")
        chunk = bytes(self._buf[:size])
        del self._buf[:size]
        return chunk

    def skip(self, size: int) -> None:
        while size > 0:
            step = min(size, _INFLATE_CHUNK)
            self._fill(step)
            if len(self._buf) < step:
                raise TarRejected("the tar is truncated")
            del self._buf[:step]
            size -= step

    def read_block(self) -> bytes:
        """The next 512 bytes, or nothing at the very end."""
        self._fill(1)
        return self.read(BLOCK) if self._buf else b""

    def rest_is_zero(self) -> bool:
        while True:
            if self._buf.strip(b"\x00"):
                return False
            self._buf.clear()
            if self._inflater.eof:
                break
            self._fill(_INFLATE_CHUNK)
        if self._inflater.unused_data or self._pos < len(self._input):
            raise TarRejected("there is data after the gzip stream")
        return True


def _number(field: bytes, what: str) -> int:
    if field[:1] and field[0] & 0x80:
        raise TarRejected(f"a header uses a base-256 {what}, which no result tar needs")
    text = field.rstrip(b"\x00 ").lstrip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarRejected(f"a header has a corrupt {what} field") from None


def byte_sum(block: bytes) -> int:
    """``sum(block)`` for blocks shorter than 65,521 bytes, several times faster than ``sum``.

    zlib's Adler-32 holds 1 + the byte sum modulo 65521, and a number read as base 256 is
    congruent to its digit sum modulo 255; 65521 and 255 are coprime, so the two residues give the
    sum exactly when it is below 65521 * 255 (Chinese remainder theorem).
    """
    low = ((zlib.adler32(block) & 0xFFFF) - 1) % 65521
    nines = int.from_bytes(block, "little") % 255
    return low + 65521 * (((nines - low) * _INVERSE_65521_MOD_255) % 255)


def _checksum_ok(header: bytes) -> bool:
    try:
        stored = int(header[148:156].rstrip(b"\x00 ").lstrip(b" ") or b"-1", 8)
    except ValueError:
        return False
    # The checksum is computed with its own eight bytes taken as spaces (8 * 32 = 256).
    unsigned = byte_sum(header) - sum(header[148:156]) + 256
    if stored == unsigned:
        return True
    signed: int = sum(_SIGNED_HEADER.unpack(header)) + 256
    return stored == signed


def _text(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TarRejected(f"a member {what} is not UTF-8: {shown(raw.decode('utf-8', 'replace'))}") from None


def _safe_path(name: str) -> str:
    """The normalized relative path of a member, or a rejection for paths that could escape."""
    if not _NEEDS_CARE.search(name):
        return name
    if "\x00" in name:
        raise TarRejected(f"member name {shown(name)} contains a NUL byte")
    if name.startswith("/"):
        raise TarRejected(f"member {shown(name)} has an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise TarRejected(f"member {shown(name)} climbs out of the archive with '..'")
    return "/".join(parts)


def _pax(data: bytes) -> dict[str, str]:
    """Records of a pax extended header: ``"<length> <key>=<value>\\n"`` repeated."""
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        if data[pos:].strip(b"\x00") == b"":
            break
        space = data.find(b" ", pos, pos + 12)
        try:
            length = int(data[pos:space]) if space > pos else 0
        except ValueError:
            length = 0
        end = pos + length
        if length <= 0 or end > len(data) or data[end - 1 : end] != b"\n":
            raise TarRejected("a pax extended header is corrupt")
        key, sep, value = data[space + 1 : end - 1].partition(b"=")
        if not sep:
            raise TarRejected("a pax extended header is corrupt")
        records[_text(key, "pax key")] = _text(value, "pax value")
        pos = end
    return records


def read_tar(
    data: bytes,
    wanted: Callable[[str], bool],
    limits: Limits = DEFAULT_LIMITS,
) -> TarContents:
    """Walk ``data`` (a tar, or a gzip-compressed tar) and keep the regular files ``wanted`` accepts.

    Raises :class:`TarRejected` with the reason as soon as the archive breaks a rule; nothing is
    written anywhere and memory stays within the caps in ``limits``.

    Every header is held to every rule. Header checksums, which only guard against accidental
    corruption (whoever forges a tar computes them), are verified where they protect what is used:
    the first header (is this a tar at all?), extended headers and the members kept.
    """
    if len(data) > limits.max_tar_bytes:
        raise TarRejected(f"the tar is {_mib(len(data))}, over the {_mib(limits.max_tar_bytes)} cap")
    source: _Bytes | _Gunzip
    source = _Gunzip(data, limits.max_inflated_bytes) if data[:2] == GZIP_MAGIC else _Bytes(data)
    files: dict[str, bytes] = {}
    headers = 0
    long_name: str | None = None
    pax: dict[str, str] = {}
    while True:
        header = source.read_block()
        if not header:
            if headers == 0:
                raise TarRejected("the file is empty, not a tar")
            raise TarRejected("the tar is truncated: it ends without an end-of-archive marker")
        if header == _ZERO_BLOCK:
            if long_name is not None or pax:
                raise TarRejected("the tar is truncated: an extended header has no member after it")
            if not source.rest_is_zero():
                raise TarRejected("there is data after the end-of-archive marker")
            return TarContents(files=files, members=headers)
        magic = header[257:265]
        if magic[:5] != b"ustar" or (headers == 0 and not _checksum_ok(header)):
            raise TarRejected("not a tar archive" if headers == 0 else "a tar header is corrupt")
        headers += 1
        if headers > limits.max_members:
            raise TarRejected(f"the tar has more than {limits.max_members} members")
        kind = header[156:157]
        size = _number(header[124:136], "size")
        if kind in (b"x", b"g", b"L"):
            if not _checksum_ok(header):
                raise TarRejected("a tar header is corrupt")
            if size > limits.max_extension_header_bytes:
                raise TarRejected(f"an extended header is {_mib(size)}, over the cap")
            body = source.read(size)
            source.skip(-size % BLOCK)
            if kind == b"x":
                pax = _pax(body)
            elif kind == b"L":
                long_name = _text(body.rstrip(b"\x00"), "name")
            continue
        if kind in _REFUSED_TYPES:
            raise TarRejected(
                f"member {shown(_member_name(header, magic, long_name, pax))} is {_REFUSED_TYPES[kind]}"
            )
        if kind not in _REGULAR and kind != b"5":
            raise TarRejected(f"member type {kind!r} is not allowed")
        name = _member_name(header, magic, long_name, pax)
        if "size" in pax:
            try:
                size = int(pax["size"])
            except ValueError:
                raise TarRejected("a pax size is not a number") from None
            if size < 0:
                raise TarRejected("a pax size is negative")
        long_name, pax = None, {}
        path = _safe_path(name)
        if kind == b"5":
            source.skip(size + (-size % BLOCK))
            continue
        if size > limits.max_member_bytes:
            raise TarRejected(
                f"member {shown(path)} is {_mib(size)}, over the {_mib(limits.max_member_bytes)} cap"
            )
        if path in files:
            raise TarRejected(f"member {shown(path)} appears twice")
        if wanted(path):
            if not _checksum_ok(header):
                raise TarRejected(f"the header of {shown(path)} is corrupt")
            files[path] = source.read(size)
            source.skip(-size % BLOCK)
        else:
            source.skip(size + (-size % BLOCK))


def _member_name(header: bytes, magic: bytes, long_name: str | None, pax: dict[str, str]) -> str:
    if "path" in pax:
        return pax["path"]
    if long_name is not None:
        return long_name
    name = header[:100].split(b"\x00", 1)[0]
    if magic == _USTAR:
        prefix = header[345:500].split(b"\x00", 1)[0]
        if prefix:
            name = prefix + b"/" + name
    return _text(name, "name")
