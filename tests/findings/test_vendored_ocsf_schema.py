"""The OCSF schema kept in ``tests/findings/ocsf`` is the official compiled one, byte for byte."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.findings.ocsf_validator import SCHEMA_FILE

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "ocsf-1.5.0"


def test_the_vendored_schema_decompresses_to_the_reference_copy_beside_the_checkout() -> None:
    """Where the reference copy lies beside the checkout, the vendored gzip holds exactly its bytes,
    and its licence and notice are the reference's unchanged."""
    if not (REFERENCE / "schema.json").is_file():
        pytest.skip("the compiled OCSF 1.5.0 schema is not beside this checkout (shared/reference)")
    assert gzip.decompress(SCHEMA_FILE.read_bytes()) == (REFERENCE / "schema.json").read_bytes()
    for name in ("LICENSE", "NOTICE"):
        assert (SCHEMA_FILE.parent / name).read_bytes() == (REFERENCE / name).read_bytes()


def test_the_vendored_gzip_names_no_file_and_no_time() -> None:
    """``gzip -9n``: the header carries no name and no time, so the same schema gives the same bytes."""
    header = SCHEMA_FILE.read_bytes()[:10]
    assert header[:3] == b"\x1f\x8b\x08"
    assert header[3] & 0x08 == 0  # no FNAME
    assert header[4:8] == b"\0\0\0\0"  # no MTIME
