"""Seed the central account as Terraform would: results bucket, bundle, shared Command document.

The caller builds the bundle and renders the document (``ssm_documents.bundle_tar``/``ssm_documents.document``)
and passes bytes and text in, so this module depends on neither.
"""

from __future__ import annotations

import hashlib
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from localworld.errors import DeployError
from scanner.config import Config

__all__ = ["SHARE_BATCH", "Deployment", "bundle_key", "deploy"]

SHARE_BATCH = 20  # ModifyDocumentPermission takes at most 20 account IDs per call


class Deployment(BaseModel):
    """What :func:`deploy` created."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    region: str
    bundle_key: str
    bundle_sha256: str
    document_name: str
    document_arn: str
    document_hash: str
    shared_with: tuple[str, ...]


def bundle_key(sha256: str) -> str:
    """Where the bundle lives in the results bucket (docs/design.md, "The results bucket")."""
    return f"bundles/{sha256}/script.tar"


def _client(session: boto3.Session, service: str, endpoint_url: str) -> Any:
    config = BotoConfig(
        signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}
    )
    return session.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]


def deploy(
    session: boto3.Session,
    endpoint_url: str,
    config: Config,
    bundle: bytes,
    bundle_sha256: str,
    document: str,
    document_format: str = "YAML",
) -> Deployment:
    """Create the bucket, upload the bundle, create the document and share it with every member.

    ``session`` holds credentials of the central account. Raises :class:`DeployError` when the
    bundle does not match its SHA-256 or an AWS call fails.
    """
    actual = hashlib.sha256(bundle).hexdigest()
    if actual != bundle_sha256:
        raise DeployError(f"bundle SHA-256 is {actual}, not the {bundle_sha256} given")
    region = config.central.region
    bucket = config.results_bucket
    key = bundle_key(bundle_sha256)
    s3 = _client(session, "s3", endpoint_url)
    ssm = _client(session, "ssm", endpoint_url)
    members = tuple(dict.fromkeys(a.id for a in config.accounts if a.id != config.central.account_id))
    try:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        # Versioned, as terraform/modules/central/s3.tf has it: the analyzer reads the version its
        # event names.
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=bucket, Key=key, Body=bundle, ContentType="application/x-tar")
        created = ssm.create_document(
            Content=document,
            Name=config.document.name,
            DocumentType="Command",
            DocumentFormat=document_format,
        )["DocumentDescription"]
        for start in range(0, len(members), SHARE_BATCH):
            ssm.modify_document_permission(
                Name=config.document.name,
                PermissionType="Share",
                AccountIdsToAdd=list(members[start : start + SHARE_BATCH]),
            )
    except ClientError as exc:
        raise DeployError(f"deploying to the central account failed: {exc}") from exc
    return Deployment(
        bucket=bucket,
        region=region,
        bundle_key=key,
        bundle_sha256=bundle_sha256,
        document_name=config.document.name,
        document_arn=config.document_arn(),
        document_hash=str(created.get("Hash") or hashlib.sha256(document.encode()).hexdigest()),
        shared_with=members,
    )
