"""Bucket policies are judged by the IAM gate alone.

moto applies a bucket policy itself to object reads and writes, ignoring its conditions: the results
bucket's ``DenyRequestsWithoutTls`` (``Bool aws:SecureTransport false``) would deny every call. The
gate (:mod:`localworld.iam.gate`) judges the same policy with its conditions, as S3 does, so moto's
own check is replaced by a neutral answer while the world runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localworld.patching import replace_methods

__all__ = ["judge_bucket_policies_in_the_gate"]


def judge_bucket_policies_in_the_gate() -> Callable[[], None]:
    """Install; the result restores moto's check."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        return PermissionResult.NEUTRAL

    return replace_methods(
        FakeBucket, {"get_permission": get_permission}, what="the gate's judgement of bucket policies"
    )
