"""The real check bundle's output goes through the reader and the OCSF export, whose events pass the OCSF
server's validator (official 1.5.0 schema)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.findings import ResultKey, ocsf_jsonl
from scanner.findings.analysis import analyze_result
from scanner.results import read_result_file
from scanner.results.tarsafe import byte_sum
from tests.findings.ocsf_validator import ocsf_problems

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "ssm_documents" / "bundle" / "script.sh"
FIXTURES = ROOT / "localworld" / "fixture_roots"
INSTANCE = "i-0abcdef0123456789"


@given(st.binary(min_size=0, max_size=1024))
def test_byte_sum_equals_sum_of_the_bytes(block: bytes) -> None:
    assert byte_sum(block) == sum(block)


def test_byte_sum_of_the_extremes() -> None:
    for block in (bytes(512), b"\xff" * 512, b"\x01" * 512, b"\xff" * 65_520):
        assert byte_sum(block) == sum(block)


@pytest.mark.slow
def test_real_bundle_output_is_read_and_exported(tmp_path: Path) -> None:
    """The 67 OCSF findings of a real run pass the OCSF server's validator (official 1.5.0 schema):
    no error, no warning."""
    assert SCRIPT.is_file(), f"the check bundle is missing: {SCRIPT}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CCE_ROOT": str(FIXTURES / "al2023-weak" / "root"),
        "AWS_SSM_INSTANCE_ID": INSTANCE,
        "AWS_SSM_REGION_NAME": "ap-northeast-2",
        "CCE_BUNDLE_SHA256": "b" * 64,
    }
    subprocess.run(["sh", str(SCRIPT)], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120)
    (tar,) = tmp_path.glob("*.tar")

    result = read_result_file(tar, expected_instance_id=INSTANCE)
    host = analyze_result(result, ResultKey("20261126T120000-abc123", "222222222222", INSTANCE))

    lines = [json.loads(line) for line in ocsf_jsonl(host.findings).splitlines()]
    assert len(lines) == 67
    assert ocsf_problems(lines) == []
    assert host.analysis.summary.region == "ap-northeast-2"
    assert sum(host.analysis.summary.counts.values()) == 67
