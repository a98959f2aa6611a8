"""The S3 presigned-URL gate: SigV4 query-string signatures and expiry, checked like S3 does.

moto serves presigned URLs without looking at them. This module verifies them first, against the
secret moto holds for the access key (an IAM user's key or an STS session's), and answers with S3's
own XML errors when they fail:

- a missing or unknown key: 403 ``InvalidAccessKeyId``;
- ``X-Amz-Expires`` over 604800: 400 ``AuthorizationQueryParametersError``;
- past ``X-Amz-Date + X-Amz-Expires``: 403 ``AccessDenied`` "Request has expired";
- a session token that does not belong to the key: 400 ``InvalidToken``;
- a session past its expiry: 400 ``ExpiredToken`` "The provided token has expired.";
- any difference in method, path, query or signed headers: 403 ``SignatureDoesNotMatch``.

A request without any authentication (no ``Authorization`` header, no query authentication) gets
403 ``AccessDenied``, as every object in this world is private; a URL cut short (a shell that ends
it at the first unquoted ``&``) lacks parameters and gets 400 ``AuthorizationQueryParametersError``.

SigV2 query authentication (``AWSAccessKeyId``/``Signature``/``Expires``) is refused with 400
``InvalidRequest``, as regions opened after 2014 (ap-northeast-2 among them) only take SigV4.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from localworld.accounts import KeyInfo

__all__ = [
    "MAX_EXPIRES",
    "S3Error",
    "anonymous_denied",
    "canonical_request",
    "check_presigned",
    "is_presigned",
    "sign",
]

MAX_EXPIRES = 604800
ALGORITHM = "AWS4-HMAC-SHA256"
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class S3Error:
    """An S3 error response: status, code, message and the extra elements S3 adds."""

    status: int
    code: str
    message: str
    extra: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        parts = [f"<Code>{escape(self.code)}</Code>", f"<Message>{escape(self.message)}</Message>"]
        parts += [f"<{name}>{escape(value)}</{name}>" for name, value in self.extra.items()]
        request_id = uuid.uuid4().hex[:16].upper()
        parts += [f"<RequestId>{request_id}</RequestId>", "<HostId>localworld</HostId>"]
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>").encode()


def is_presigned(query_string: str) -> bool:
    """Whether a request authenticates in its query string (SigV4 or SigV2)."""
    names = {name for name, _ in parse_qsl(query_string, keep_blank_values=True)}
    return bool(names & _QUERY_AUTH)


_QUERY_AUTH = {
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
    "AWSAccessKeyId",
    "Signature",
}


def anonymous_denied() -> S3Error:
    """What S3 answers an unsigned request for a private bucket or object."""
    return S3Error(403, "AccessDenied", "Access Denied")


def _uri_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_request(
    method: str,
    path: bytes,
    query: list[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: list[str],
    payload_hash: str,
) -> str:
    """SigV4's canonical request for S3 (the path is URI-encoded once, '/' kept)."""
    canonical_uri = quote(path, safe="/~") or "/"
    pairs = sorted((_uri_encode(k), _uri_encode(v)) for k, v in query if k != "X-Amz-Signature")
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    lowered = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(
        f"{name}:{' '.join(lowered.get(name, '').split())}\n" for name in signed_headers
    )
    return "\n".join(
        [method, canonical_uri, canonical_query, canonical_headers, ";".join(signed_headers), payload_hash]
    )


def sign(secret: str, amz_date: str, region: str, service: str, request: str) -> tuple[str, str]:
    """(string to sign, hex signature) for a canonical request."""
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    key = f"AWS4{secret}".encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return to_sign, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _expired(expires: int, now: datetime, signed_at: datetime) -> S3Error:
    return S3Error(
        403,
        "AccessDenied",
        "Request has expired",
        {
            "X-Amz-Expires": str(expires),
            "Expires": (signed_at + timedelta(seconds=expires)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ServerTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )


def check_presigned(
    method: str,
    path: bytes,
    query_string: str,
    headers: Mapping[str, str],
    now: datetime,
    lookup: Callable[[str], KeyInfo | None],
    expired_signature: Callable[[str], bool] = lambda _sig: False,
) -> S3Error | None:
    """Verify one presigned request; ``None`` when S3 would serve it, else the error S3 gives.

    ``path`` is the request path as raw bytes (percent-decoded), ``headers`` the request headers,
    ``lookup`` maps an access key to what moto knows about it, ``expired_signature`` says whether
    a fault marked this URL as expired.
    """
    query = parse_qsl(query_string, keep_blank_values=True)
    params = dict(query)
    if "X-Amz-Signature" not in params and "Signature" in params:
        return S3Error(
            400,
            "InvalidRequest",
            "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
        )
    missing = [
        name
        for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders")
        if name not in params
    ]
    if missing or params.get("X-Amz-Algorithm") != ALGORITHM:
        return S3Error(
            400,
            "AuthorizationQueryParametersError",
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
            "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
        )
    credential = params["X-Amz-Credential"].split("/")
    if len(credential) != 5 or credential[4] != "aws4_request":
        return S3Error(
            400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter."
        )
    access_key, scope_date, region, service, _ = credential
    try:
        signed_at = datetime.strptime(params["X-Amz-Date"], _DATE_FORMAT).replace(tzinfo=UTC)
        expires = int(params.get("X-Amz-Expires", "0"))
    except ValueError:
        return S3Error(400, "AuthorizationQueryParametersError", "X-Amz-Date or X-Amz-Expires is malformed.")
    if expires < 0:
        return S3Error(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be non-negative")
    if expires > MAX_EXPIRES:
        return S3Error(
            400,
            "AuthorizationQueryParametersError",
            f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES}",
        )
    key = lookup(access_key)
    if key is None:
        return S3Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            {"AWSAccessKeyId": access_key},
        )
    if now > signed_at + timedelta(seconds=expires) or expired_signature(params.get("X-Amz-Signature", "")):
        return _expired(expires, now, signed_at)
    token = params.get("X-Amz-Security-Token")
    if key.session_token is not None and token != key.session_token:
        if token is None:
            return S3Error(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                {"AWSAccessKeyId": access_key},
            )
        return S3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
    if key.session_token is None and token is not None:
        return S3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
    if key.expiration is not None and now >= key.expiration:
        return S3Error(400, "ExpiredToken", "The provided token has expired.", {"Token-0": token or ""})
    signed_headers = params["X-Amz-SignedHeaders"].split(";")
    payload = params.get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
    request = canonical_request(method, path, query, headers, signed_headers, payload)
    if scope_date != params["X-Amz-Date"][:8]:
        return _mismatch(access_key, "", request, params.get("X-Amz-Signature", ""))
    to_sign, expected = sign(key.secret, params["X-Amz-Date"], region, service, request)
    provided = params.get("X-Amz-Signature", "")
    if not hmac.compare_digest(expected, provided):
        return _mismatch(access_key, to_sign, request, provided)
    return None


def _mismatch(access_key: str, to_sign: str, request: str, provided: str) -> S3Error:
    return S3Error(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        {
            "AWSAccessKeyId": access_key,
            "StringToSign": to_sign,
            "SignatureProvided": provided,
            "CanonicalRequest": request,
        },
    )
