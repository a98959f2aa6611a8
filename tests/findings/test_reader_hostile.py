"""Every kind of hostile result tar is rejected with its reason, in bounded memory, touching no disk."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.outcomes import HostOutcome
from scanner.results import (
    ContentRejected,
    IdentityMismatch,
    ResultRejected,
    TarRejected,
    judge_result_file,
    judge_result_tar,
    read_result_tar,
)
from tests.findings.hostile import MIB, gzip_of_zeros, sparse_tar_file, tar_header
from tests.findings.tarbuilder import (
    INSTANCE,
    build_tar,
    item_line,
    jsonl,
    results_lines,
    valid_files,
)


@pytest.fixture
def peak_memory() -> Iterator[Callable[[], int]]:
    """Peak bytes allocated by Python while the test body runs."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rejected(data: bytes, kind: type[ResultRejected] = ResultRejected, **kwargs: Any) -> str:
    with pytest.raises(kind) as caught:
        read_result_tar(data, **kwargs)
    verdict = judge_result_tar(data, **kwargs)
    assert verdict.outcome is HostOutcome.RESULT_INVALID
    assert verdict.result is None
    assert verdict.reason == caught.value.reason
    return caught.value.reason


def with_member(info: tarfile.TarInfo, data: bytes = b"") -> bytes:
    info.size = len(data) if info.isreg() else 0
    return build_tar(extra=[(info, data)])


def test_reader_accepts_a_valid_tar_of_67_items() -> None:
    result = read_result_tar(build_tar(), expected_instance_id=INSTANCE)
    assert [item.code for item in result.items] == [f"U-{n:02d}" for n in range(1, 68)]
    assert result.instance_id == INSTANCE


def test_reader_rejects_path_traversal(tmp_path: Path) -> None:
    before = set(tmp_path.parent.iterdir())
    reason = rejected(with_member(tarfile.TarInfo("evidence/../../../escaped.txt"), b"pwned"), TarRejected)
    assert "climbs out of the archive" in reason
    assert set(tmp_path.parent.iterdir()) == before
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_reader_rejects_an_absolute_path() -> None:
    reason = rejected(with_member(tarfile.TarInfo("/etc/cron.d/evil"), b"* * * * * root sh"), TarRejected)
    assert "absolute path" in reason
    assert "/etc/cron.d/evil" in reason


def test_reader_rejects_a_symbolic_link() -> None:
    info = tarfile.TarInfo("evidence/U-99.txt")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
    assert "symbolic link" in rejected(with_member(info), TarRejected)


def test_reader_rejects_a_hard_link() -> None:
    info = tarfile.TarInfo("copy.json")
    info.type, info.linkname = tarfile.LNKTYPE, "meta.json"
    assert "hard link" in rejected(with_member(info), TarRejected)


def test_reader_rejects_a_device() -> None:
    info = tarfile.TarInfo("dev/mem")
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 1
    assert "character device" in rejected(with_member(info), TarRejected)


def test_reader_rejects_a_block_device_and_a_fifo() -> None:
    block = tarfile.TarInfo("dev/sda")
    block.type = tarfile.BLKTYPE
    fifo = tarfile.TarInfo("pipe")
    fifo.type = tarfile.FIFOTYPE
    assert "block device" in rejected(with_member(block), TarRejected)
    assert "FIFO" in rejected(with_member(fifo), TarRejected)


def test_reader_stops_a_gzip_bomb_of_1_gib_at_the_inflate_cap(peak_memory: Callable[[], int]) -> None:
    bomb = gzip_of_zeros(tar_header("results.jsonl", 1024 * MIB - 1024), 1024 * MIB)
    assert len(bomb) < 2 * MIB
    reason = rejected(bomb, TarRejected)
    # The member header already says it is too big; a bomb whose header lies stops at the inflate cap.
    assert "over the 5.0 MiB cap" in reason
    liar = gzip_of_zeros(tar_header("results.jsonl", 4 * MIB), 1024 * MIB)
    assert "inflates beyond 20.0 MiB" in rejected(liar, TarRejected)
    assert peak_memory() < 64 * MIB


def test_reader_refuses_a_64_mib_member_before_reading_it(
    tmp_path: Path, peak_memory: Callable[[], int]
) -> None:
    big = sparse_tar_file(tmp_path / "big.tar", "results.jsonl", 64 * MIB)
    verdict = judge_result_file(big)
    assert verdict.outcome is HostOutcome.RESULT_INVALID
    assert verdict.reason == "the tar is larger than the 20 MiB cap"
    compressed = gzip_of_zeros(tar_header("results.jsonl", 64 * MIB), 64 * MIB)
    assert "member 'results.jsonl' is 64.0 MiB, over the 5.0 MiB cap" in rejected(compressed, TarRejected)
    assert peak_memory() < 48 * MIB


def test_reader_refuses_a_tar_of_5000_members(peak_memory: Callable[[], int]) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for number in range(5000):
            archive.addfile(tarfile.TarInfo(f"f{number}"), io.BytesIO(b""))
    assert rejected(buffer.getvalue(), TarRejected) == "the tar has more than 500 members"
    assert peak_memory() < 32 * MIB


def test_reader_rejects_json_nested_10000_deep() -> None:
    lines = results_lines()
    summary = json.dumps(lines[-1])
    deep = summary[:-1] + ', "nested": ' + "[" * 10_000 + "]" * 10_000 + "}"
    body = jsonl(lines[:-1]) + deep.encode() + b"\n"
    reason = rejected(build_tar(valid_files() | {"results.jsonl": body}), ContentRejected)
    assert reason.startswith("results.jsonl line 68:")
    assert "nested too deeply" in reason


def test_reader_rejects_json_nested_10000_deep_in_meta_json() -> None:
    meta = b'{"a":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    assert "nested too deeply" in rejected(build_tar(valid_files() | {"meta.json": meta}), ContentRejected)


def test_reader_rejects_non_utf8_bytes() -> None:
    body = jsonl(results_lines()).replace("root 계정".encode(), b"root \xff\xfe\xc0", 1)
    reason = rejected(build_tar(valid_files() | {"results.jsonl": body}), ContentRejected)
    assert reason.startswith("results.jsonl is not UTF-8")


def test_reader_rejects_a_member_name_that_is_not_utf8() -> None:
    info = tarfile.TarInfo("x")
    buf = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    buf[0:3] = b"\xff\xfe/"
    buf[148:156] = b"        "
    buf[148:155] = f"{sum(buf):06o}\x00".encode()
    data = bytes(buf) + bytes(1024)
    assert "not UTF-8" in rejected(data, TarRejected)


def test_reader_rejects_a_tar_without_results_jsonl() -> None:
    files = valid_files()
    del files["results.jsonl"]
    assert rejected(build_tar(files), ContentRejected) == "the tar has no results.jsonl"


def test_reader_rejects_duplicate_codes() -> None:
    lines = results_lines()
    lines[1] = item_line("U-01")
    reason = rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}), ContentRejected)
    assert reason == "results.jsonl line 2: code U-01 appears twice"


def test_reader_rejects_an_unknown_status() -> None:
    lines = results_lines()
    lines[4]["status"] = "PASS"
    reason = rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}), ContentRejected)
    assert reason.startswith("results.jsonl line 5: status:")


def test_reader_rejects_results_without_a_summary_line() -> None:
    lines = results_lines()[:-1]
    reason = rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}), ContentRejected)
    assert reason == "results.jsonl has no summary line"


def test_reader_rejects_a_summary_that_is_not_last() -> None:
    lines = results_lines()
    lines.insert(3, lines.pop())
    reason = rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}), ContentRejected)
    assert reason == "results.jsonl line 5: comes after the summary line"


def test_reader_rejects_a_truncated_tar() -> None:
    whole = build_tar()
    assert rejected(whole[: len(whole) // 3], TarRejected).startswith("the tar is truncated")
    # Cut exactly after the first member (results.jsonl): no end-of-archive marker.
    size = len(valid_files()["results.jsonl"])
    boundary = 512 + size + (-size % 512)
    assert "without an end-of-archive marker" in rejected(whole[:boundary], TarRejected)
    # Cut inside a header.
    assert rejected(whole[: boundary + 100], TarRejected).startswith("the tar is truncated")


def test_reader_rejects_a_truncated_gzip_stream() -> None:
    squeezed = gzip.compress(build_tar())
    assert "truncated" in rejected(squeezed[: len(squeezed) // 2], TarRejected)


@pytest.mark.parametrize(
    "data",
    [b"", b"just some text\n" * 100, b"\x89PNG\r\n\x1a\n" + os.urandom(4000), b"PK\x03\x04" + bytes(2000)],
    ids=["empty", "text", "png", "zip"],
)
def test_reader_rejects_a_file_that_is_not_a_tar(data: bytes) -> None:
    assert rejected(data, TarRejected) in ("not a tar archive", "the file is empty, not a tar")


def test_reader_flags_a_tar_from_another_instance() -> None:
    reason = rejected(build_tar(), IdentityMismatch, expected_instance_id="i-0fedcba9876543210")
    assert reason == (
        "the tar says it comes from 'i-0123456789abcdef0', but it was uploaded for i-0fedcba9876543210"
    )


def test_reader_flags_meta_json_that_disagrees_with_the_summary() -> None:
    meta = json.dumps({"instance_id": "i-0fedcba9876543210"}).encode()
    reason = rejected(
        build_tar(valid_files() | {"meta.json": meta}), IdentityMismatch, expected_instance_id=INSTANCE
    )
    assert "i-0fedcba9876543210" in reason


def test_reader_flags_a_tar_that_does_not_say_which_host_it_is() -> None:
    files = valid_files(instance_id=None)
    reason = rejected(build_tar(files), IdentityMismatch, expected_instance_id=INSTANCE)
    assert reason == f"the tar does not say which host it comes from (expected {INSTANCE})"


def test_reader_rejects_results_jsonl_twice() -> None:
    data = build_tar(extra=[(_info("results.jsonl", 3), b"{}\n")])
    assert rejected(data, TarRejected) == "member 'results.jsonl' appears twice"


def test_reader_rejects_a_severity_the_edition_does_not_give() -> None:
    lines = results_lines()
    lines[0]["severity"] = "low"
    reason = rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}), ContentRejected)
    assert reason == "results.jsonl line 1: U-01 has severity low, the edition says high"


def test_reader_rejects_missing_items_and_an_unknown_edition() -> None:
    lines = results_lines()
    del lines[10]
    lines[-1]["counts"]["GOOD"] -= 1
    assert "lacks 1 item(s): U-11" in rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}))
    lines = results_lines()
    lines[0]["edition"] = "KISA-2021"
    assert rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)})).startswith(
        "results.jsonl line 1: edition"
    )


def test_reader_rejects_counts_that_do_not_match_the_items() -> None:
    lines = results_lines()
    lines[-1]["counts"] = {"GOOD": 67, "VULNERABLE": 0}
    lines[0]["status"] = "VULNERABLE"
    reason = rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}), ContentRejected)
    assert reason == "results.jsonl: the summary's counts do not match the items"


def test_reader_rejects_data_after_the_end_of_the_archive() -> None:
    assert rejected(build_tar() + b"#!/bin/sh\n" + bytes(502), TarRejected) == (
        "there is data after the end-of-archive marker"
    )


def test_reader_accepts_gzip_pax_and_ustar_variants_of_a_valid_tar() -> None:
    for fmt in (tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT):
        data = build_tar(fmt=fmt)
        assert len(read_result_tar(gzip.compress(data)).items) == 67
        assert len(read_result_tar(data).items) == 67


def test_reader_follows_pax_long_names_and_still_checks_them() -> None:
    long = "evidence/" + "d" * 150 + "/../../../../x"
    data = build_tar(fmt=tarfile.PAX_FORMAT, extra=[(_info(long, 1), b"x")])
    assert "climbs out of the archive" in rejected(data, TarRejected)


def test_reader_output_escapes_control_characters_in_names() -> None:
    reason = rejected(with_member(tarfile.TarInfo("/\x1b[31mred"), b""), TarRejected)
    assert "\x1b" not in reason
    assert "\\x1b" in reason


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info


def test_reader_rejects_a_hostname_with_terminal_escapes() -> None:
    lines = results_lines()
    lines[-1]["host"]["hostname"] = "web\x1b]0;owned\x07"
    reason = rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}), ContentRejected)
    assert reason.startswith("results.jsonl line 68: host.hostname:")


def test_reader_reasons_never_carry_control_characters_from_the_tar() -> None:
    lines = results_lines()
    lines[0]["\x1b[2Jevil"] = 1
    reason = rejected(build_tar(valid_files() | {"results.jsonl": jsonl(lines)}), ContentRejected)
    assert "\x1b" not in reason
    assert reason.startswith("results.jsonl line 1: \\x1b[2Jevil: Extra inputs are not permitted")


def test_reader_rejects_a_kept_member_whose_header_checksum_is_wrong() -> None:
    data = bytearray(build_tar())
    data[100:108] = b"0000777\x00"  # the mode of results.jsonl, the first member, without fixing the checksum
    assert rejected(bytes(data), TarRejected) == "not a tar archive"
    # The same damage to a later kept member's header.
    size = len(valid_files()["results.jsonl"])
    meta = 512 + size + (-size % 512)
    damaged = bytearray(build_tar())
    damaged[meta + 100 : meta + 108] = b"0000777\x00"
    assert rejected(bytes(damaged), TarRejected) == "the header of 'meta.json' is corrupt"
