"""Read a result tar safely and judge it: an :class:`AcceptedResult`, or RESULT_INVALID with the reason."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from scanner.outcomes import HostOutcome
from scanner.results.contract import AcceptedResult
from scanner.results.errors import ContentRejected, IdentityMismatch, ResultRejected, TarRejected
from scanner.results.limits import DEFAULT_LIMITS, Limits
from scanner.results.tarsafe import read_tar, shown
from scanner.results.validate import parse_meta, parse_results, reported_instance_ids

__all__ = ["Verdict", "judge_result_file", "judge_result_tar", "read_result_file", "read_result_tar"]

RESULTS = "results.jsonl"
META = "meta.json"
_EVIDENCE = re.compile(r"^evidence/U-\d{2}\.txt$")


def _wanted(path: str) -> bool:
    return path in (RESULTS, META)


def read_result_tar(
    data: bytes,
    *,
    expected_instance_id: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> AcceptedResult:
    """Judge the bytes of one uploaded tar; raise :class:`ResultRejected` (with ``reason``) if bad.

    ``expected_instance_id`` is the instance the upload URL was made for; when given, a tar that
    names another instance, or none at all, is rejected.
    """
    contents = read_tar(data, _wanted, limits)
    raw = contents.files.get(RESULTS)
    if raw is None:
        raise ContentRejected(f"the tar has no {RESULTS}")
    items, summary = parse_results(raw, limits)
    meta = parse_meta(contents.files[META], limits) if META in contents.files else {}
    claims = reported_instance_ids(summary, meta)
    if expected_instance_id is not None:
        others = sorted(claims - {expected_instance_id})
        if others:
            raise IdentityMismatch(
                f"the tar says it comes from {', '.join(map(shown, others))}, "
                f"but it was uploaded for {expected_instance_id}"
            )
        if not claims:
            raise IdentityMismatch(
                f"the tar does not say which host it comes from (expected {expected_instance_id})"
            )
    # Every part was validated above; the container is assembled without validating it again.
    return AcceptedResult.model_construct(items=items, summary=summary, meta=meta)


def read_result_file(
    path: str | Path,
    *,
    expected_instance_id: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> AcceptedResult:
    """Like :func:`read_result_tar` for a file: its size is checked before a byte is read."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            data = handle.read(limits.max_tar_bytes + 1)
    except OSError as exc:
        raise TarRejected(f"cannot read the file: {exc.strerror}") from exc
    if len(data) > limits.max_tar_bytes:
        raise TarRejected(f"the tar is larger than the {limits.max_tar_bytes // (1024 * 1024)} MiB cap")
    return read_result_tar(data, expected_instance_id=expected_instance_id, limits=limits)


class Verdict(BaseModel):
    """The judgement of one result tar: SUCCEEDED with its result, or RESULT_INVALID with a reason."""

    model_config = ConfigDict(frozen=True)

    outcome: HostOutcome
    reason: str | None = None
    result: AcceptedResult | None = None


def _verdict(error: ResultRejected) -> Verdict:
    return Verdict(outcome=HostOutcome.RESULT_INVALID, reason=error.reason)


def judge_result_tar(
    data: bytes, *, expected_instance_id: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Verdict:
    """:func:`read_result_tar` as a result rather than an exception."""
    try:
        result = read_result_tar(data, expected_instance_id=expected_instance_id, limits=limits)
    except ResultRejected as exc:
        return _verdict(exc)
    return Verdict(outcome=HostOutcome.SUCCEEDED, result=result)


def judge_result_file(
    path: str | Path, *, expected_instance_id: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Verdict:
    """:func:`read_result_file` as a result rather than an exception."""
    try:
        result = read_result_file(path, expected_instance_id=expected_instance_id, limits=limits)
    except ResultRejected as exc:
        return _verdict(exc)
    return Verdict(outcome=HostOutcome.SUCCEEDED, result=result)
