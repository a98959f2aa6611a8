"""SigV4 presigned URLs for hosts: one GET for the bundle, one PUT per host for its result tar.

Hosts get no S3 permissions; these URLs are all they hold. Their life is the shortest of: the
command's own limit (delivery timeout + execution timeout), the signing credentials' remaining
life (a URL dies with the session that signed it anyway) and SigV4's 7 days.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config as BotoConfig
from botocore.credentials import RefreshableCredentials

from scanner.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["SIGV4_MAX_SECONDS", "Presigner", "bundle_key", "credential_expiry", "result_key", "url_lifetime"]

SIGV4_MAX_SECONDS = 604_800
# Never hand out a URL that would outlive its credentials by clock skew.
CREDENTIAL_MARGIN_SECONDS = 60
MIN_LIFETIME_SECONDS = 60


def bundle_key(sha256: str) -> str:
    return f"bundles/{sha256}/script.tar"


def result_key(scan_id: str, account_id: str, instance_id: str) -> str:
    return f"results/{scan_id}/{account_id}/{instance_id}.tar"


def credential_expiry(session: boto3.Session) -> datetime | None:
    """When the session's credentials expire, if botocore knows (assumed roles, Lambda, SSO)."""
    credentials = session.get_credentials()
    if isinstance(credentials, RefreshableCredentials):
        # botocore keeps the expiry private; there is no public accessor.
        expiry = getattr(credentials, "_expiry_time", None)
        if isinstance(expiry, datetime):
            return expiry if expiry.tzinfo else expiry.replace(tzinfo=UTC)
    return None


def url_lifetime(command_seconds: int, credentials_expire_at: datetime | None, now: datetime) -> int:
    """Seconds a URL may live: ≤ the command's limit, ≤ the signer's remaining life, ≤ 7 days."""
    lifetime = min(command_seconds, SIGV4_MAX_SECONDS)
    if credentials_expire_at is not None:
        remaining = int((credentials_expire_at - now).total_seconds()) - CREDENTIAL_MARGIN_SECONDS
        lifetime = min(lifetime, remaining)
    return max(lifetime, MIN_LIFETIME_SECONDS) if lifetime > 0 else 1


class Presigner:
    """Signs the scan's URLs with the central account's credentials (SigV4 always)."""

    def __init__(
        self,
        config: Config,
        session: boto3.Session,
        *,
        endpoint_url: str | None = None,
        credentials_expire_at: datetime | None = None,
        client: S3Client | None = None,
    ) -> None:
        self._config = config
        self._expires_at = credentials_expire_at or credential_expiry(session)
        if client is None:
            s3_options: dict[str, str] = {"addressing_style": "path" if endpoint_url else "virtual"}
            if endpoint_url is None:
                s3_options["us_east_1_regional_endpoint"] = "regional"
            client = session.client(
                "s3",
                region_name=config.central.region,
                endpoint_url=endpoint_url,
                config=BotoConfig(signature_version="s3v4", s3=s3_options),  # type: ignore[arg-type]
            )
        self._s3 = client

    def lifetime(self, now: datetime | None = None) -> int:
        scan = self._config.scan
        return url_lifetime(
            scan.delivery_timeout_seconds + scan.execution_timeout_seconds,
            self._expires_at,
            now or datetime.now(UTC),
        )

    def bundle_get(self, sha256: str, instance_id: str, *, now: datetime | None = None) -> str:
        """The bundle's GET URL for one host. The signed ``response-content-disposition`` names the
        host, so each host's URL is its own (it can expire or be revoked alone) and S3 access logs
        show which host fetched the bundle."""
        return self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._config.results_bucket,
                "Key": bundle_key(sha256),
                "ResponseContentDisposition": f"attachment; filename={instance_id}-script.tar",
            },
            ExpiresIn=self.lifetime(now),
        )

    def result_put(
        self, scan_id: str, account_id: str, instance_id: str, *, now: datetime | None = None
    ) -> str:
        """The host's result PUT URL. It signs ``If-None-Match: *`` (S3 conditional write): the key
        can be written once, so neither a second run of the command nor anyone else holding the URL
        can replace a result, and a request without the header fails the signature check."""
        return self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._config.results_bucket,
                "Key": result_key(scan_id, account_id, instance_id),
                "IfNoneMatch": "*",
            },
            ExpiresIn=self.lifetime(now),
        )
