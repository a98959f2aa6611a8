"""Hostile result tars, built cheaply (big ones are streamed, never held whole in memory)."""

from __future__ import annotations

import struct
import tarfile
import zlib
from pathlib import Path

MIB = 1024 * 1024
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def tar_header(name: str, size: int, kind: bytes = tarfile.REGTYPE) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.type = kind
    return info.tobuf(format=tarfile.GNU_FORMAT)


def gzip_of_zeros(prefix: bytes, zeros: int) -> bytes:
    """A valid gzip stream of ``prefix`` and then ``zeros`` zero bytes (in whole MiB), made by
    repeating one independently-flushed deflate block: about 1 KiB per MiB inflated."""
    assert zeros % MIB == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    zero_mib = bytes(MIB)
    block = compressor.compress(zero_mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(zeros // MIB):
        crc = zlib.crc32(zero_mib, crc)
    total = len(prefix) + zeros
    return _GZIP_HEADER + head + block * (zeros // MIB) + tail + struct.pack("<II", crc, total & 0xFFFFFFFF)


def sparse_tar_file(path: Path, member: str, size: int) -> Path:
    """A tar on disk holding one ``size``-byte member of zeros, written as a sparse file."""
    with path.open("wb") as handle:
        handle.write(tar_header(member, size))
        handle.truncate(512 + size + (-size % 512) + 1024)
    return path
