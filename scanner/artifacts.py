"""What a scan sends: the current check bundle (by SHA-256) and the shared document's hash.

The bundle is found by listing ``bundles/`` in the results bucket: every deploy uploads
``bundles/<sha256>/script.tar``, and the most recently uploaded one is current. A scan looks it up
once when it starts and keeps it, so every host in the scan runs the same bytes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from scanner.errors import BundleNotFoundError, DocumentNotFoundError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient

__all__ = ["current_bundle_sha256", "document_hash"]

_BUNDLE_KEY = re.compile(r"^bundles/([0-9a-f]{64})/script\.tar$")


def current_bundle_sha256(s3: S3Client, bucket: str) -> str:
    """The SHA-256 of the newest ``bundles/<sha256>/script.tar`` in ``bucket``."""
    newest: tuple[object, str] | None = None
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="bundles/"):
            for item in page.get("Contents", []):
                match = _BUNDLE_KEY.match(item["Key"])
                if match and (newest is None or (item["LastModified"], match[1]) > newest):
                    newest = (item["LastModified"], match[1])
    except ClientError as exc:
        raise BundleNotFoundError(f"cannot list s3://{bucket}/bundles/: {exc}") from exc
    if newest is None:
        raise BundleNotFoundError(f"no bundles/<sha256>/script.tar in s3://{bucket}: deploy the bundle first")
    return newest[1]


def document_hash(ssm: SSMClient, document: str) -> str:
    """The SHA-256 hash of the shared document's default version, for SendCommand's DocumentHash."""
    try:
        description = ssm.describe_document(Name=document)["Document"]
    except ClientError as exc:
        raise DocumentNotFoundError(f"cannot describe the document {document}: {exc}") from exc
    value = description.get("Hash")
    if not value:
        raise DocumentNotFoundError(f"the document {document} has no hash")
    return value
