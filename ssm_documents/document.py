"""The Command document: render ``ssm_documents/document.template.yaml`` (package data) for one results bucket.

The template's parameters admit only presigned URLs of the bucket's endpoint; rendering replaces
the placeholder with the endpoint's regular expression. With no endpoint the bucket's AWS
virtual-hosted endpoint ``https://<bucket>.s3.<region>.amazonaws.com/`` is used; a local endpoint
is passed whole, bucket path included (``http://127.0.0.1:PORT/<bucket>/``).
"""

from __future__ import annotations

import re
from pathlib import Path

from ssm_documents.errors import DocumentError

__all__ = ["PLACEHOLDER", "TEMPLATE_PATH", "endpoint_for", "endpoint_pattern", "render_document"]

TEMPLATE_PATH = Path(__file__).resolve().parent / "document.template.yaml"
PLACEHOLDER = "__BUCKET_ENDPOINT_RE__"

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]")
_ENDPOINT = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._-]+)*/")


def endpoint_for(bucket: str, region: str, endpoint: str | None = None) -> str:
    """The URL prefix every presigned URL of the bucket starts with (ends with ``/``)."""
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise DocumentError(f"not an S3 bucket name: {bucket!r}")
    if not _REGION.fullmatch(region):
        raise DocumentError(f"not an AWS region: {region!r}")
    if endpoint is None:
        return f"https://{bucket}.s3.{region}.amazonaws.com/"
    prefix = endpoint if endpoint.endswith("/") else endpoint + "/"
    if not _ENDPOINT.fullmatch(prefix):
        raise DocumentError(
            f"endpoint must be http(s)://host[:port][/path]/ of plain characters: {endpoint!r}"
        )
    return prefix


def endpoint_pattern(prefix: str) -> str:
    """A regular expression matching ``prefix`` literally, valid for Java, Go (RE2) and Python."""
    return "".join("\\." if char == "." else char for char in prefix)


def render_document(bucket: str, region: str, endpoint: str | None = None) -> str:
    """The Command document (YAML text) for the results bucket ``bucket`` in ``region``."""
    template = TEMPLATE_PATH.read_text(encoding="utf-8")
    if PLACEHOLDER not in template:
        raise DocumentError(f"{TEMPLATE_PATH.name} has no {PLACEHOLDER} placeholder")
    return template.replace(PLACEHOLDER, endpoint_pattern(endpoint_for(bucket, region, endpoint)))
