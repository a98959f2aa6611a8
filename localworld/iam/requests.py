"""A signed request on the wire → the authorizations IAM needs for it.

:func:`authorizations` maps one :class:`WireRequest` (built from a WSGI environ by
:func:`from_environ`) to the :class:`~localworld.iam.model.Authorization` s IAM evaluates for it,
following the actions, resource types and ARN formats of AWS's Service Authorization Reference and
each service's API reference (which permission an operation needs):

- DynamoDB: the operation on its table (``.../table/NAME``), on the index for a Query or Scan that
  names ``IndexName``; a batch needs the batch action once per table named; a transaction needs
  ``dynamodb:PutItem``/``UpdateItem``/``DeleteItem``/``ConditionCheckItem`` (writes) or
  ``dynamodb:GetItem`` (reads) on each table, with ``dynamodb:EnclosingOperation``.
- SQS (JSON or query protocol): the action on the queue of ``QueueUrl`` or ``QueueName``; the
  ``…Batch`` operations need their single-message action.
- S3 (REST, path-style or virtual-hosted): the action of the method, path and sub-resource on the
  bucket or object ARN (the permission table of the S3 API reference: ``HEAD`` bucket needs
  ``s3:ListBucket``, an upload part ``s3:PutObject``, ``DELETE ?cors`` ``s3:PutBucketCORS``...);
  ``POST ?delete`` needs ``s3:DeleteObject`` (``…Version`` with a VersionId) per key; a copy
  also needs ``s3:GetObject`` on its source. Every S3 authorization carries ``s3:signatureversion``,
  ``s3:authType`` and ``s3:TlsVersion``; listings carry ``s3:prefix`` ("" when none is given, as S3
  does) and ``s3:delimiter``/``s3:max-keys`` when given.
- SSM: SendCommand on its document and on each instance (``mi-`` IDs are managed instances) and
  output bucket; parameters and documents by name; the Run Command reads on ``*``.
- STS: AssumeRole on the role with ``sts:ExternalId``/``sts:RoleSessionName``/``sts:SourceIdentity``,
  ``aws:ResourceAccount`` and ``aws:ResourceOrgID`` (when the role's account is in an organization),
  plus ``sts:SetSourceIdentity`` when a SourceIdentity is given and ``sts:TagSession`` when tags
  are; GetCallerIdentity needs no permission.
- Secrets Manager: the secret's full ARN (a name or partial ARN is resolved by ``lookups``).
- Organizations: the root/OU/account ARN of ``ParentId``, ``OrganizationalUnitId`` or ``AccountId``.
- IAM (role, user and policy ARNs), KMS (a key ID or key ARN), CloudWatch Logs (log group and
  stream ARNs); EC2 and everything else: the action on ``*``.
- Security Hub (REST JSON, the operation from method and path): ``BatchImportFindings`` on each
  product ARN its findings name (resource type ``product``); ``GetFindings``,
  ``EnableSecurityHub``, ``DescribeHub`` and ``DisableSecurityHub`` on the account's hub
  (``arn:aws:securityhub:REGION:ACCOUNT:hub/default``). What Security Hub itself then refuses (a
  finding of another account or region) is :mod:`localworld.securityhub`'s.

Any request the mapper does not know still needs one authorization, the service's action on ``*``:
nothing passes unjudged, and a least-privilege role is refused it.

Every authorization carries ``aws:RequestedRegion`` (the SigV4 credential scope's region; us-east-1
for IAM and Organizations, whose one endpoint AWS signs for us-east-1),
``aws:PrincipalArn`` (the role's ARN for a role session), ``aws:PrincipalAccount`` and
``aws:SecureTransport``. The world serves plain HTTP on 127.0.0.1 in place of AWS's TLS endpoints,
so ``aws:SecureTransport`` is ``"true"`` and ``s3:TlsVersion`` ``"1.3"``: a policy that denies
non-TLS requests or old TLS versions judges the world's calls as it judges the functions' calls on
AWS.

The module is pure: what it needs from the world's state (an account's organization, a secret's
full ARN) comes through :class:`Lookups`.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from localworld.iam.model import Authorization, Principal

__all__ = [
    "NO_LOOKUPS",
    "Lookups",
    "Organization",
    "WireRequest",
    "authorizations",
    "credential_scope",
    "from_environ",
    "operation",
    "s3_location",
    "securityhub_findings",
]

SIGV4 = "AWS4-HMAC-SHA256"
TLS_VERSION = "1.3"
# Global services: one endpoint, signed for us-east-1 on AWS, whatever region a client has (the
# world's clients reach them at the world's endpoint, so botocore signs them with their own region).
_GLOBAL_REGION = {"iam": "us-east-1", "organizations": "us-east-1"}


@dataclass(frozen=True)
class Organization:
    """The organization an account belongs to, as ARNs of Organizations resources need it."""

    id: str  # "o-abc123"
    management_account_id: str


@dataclass(frozen=True)
class Lookups:
    """What the mapping reads from the world's state: the organization of an account, and the full
    ARN of a secret named by name or partial ARN (``(account, region, secret_id)``)."""

    organization: Callable[[str], Organization | None] = lambda _account: None
    secret_arn: Callable[[str, str, str], str | None] = lambda _account, _region, _secret_id: None


NO_LOOKUPS = Lookups()


@dataclass(frozen=True)
class WireRequest:
    """One signed request as it arrived: who signed it, for which service and region, and what it
    asks. ``body`` is the JSON or form body (empty for S3 uploads, which are never read)."""

    service: str  # the SigV4 signing name: "dynamodb", "s3", ...
    region: str  # the SigV4 credential scope's region
    principal: Principal
    method: str = "POST"
    path: str = "/"  # decoded
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    presigned: bool = False
    host: str = ""

    @property
    def target(self) -> str:
        return self.headers.get("x-amz-target", "")

    @cached_property
    def query_params(self) -> dict[str, str]:
        return dict(self.query)

    @cached_property
    def params(self) -> dict[str, Any]:
        """The operation's parameters: the JSON body, or the query protocol's form and query."""
        if self.target:
            try:
                parsed = json.loads(self.body or b"{}")
            except ValueError:
                return {}
            return parsed if isinstance(parsed, dict) else {}
        params: dict[str, Any] = dict(self.query)
        if self.body and self.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return params


def credential_scope(authorization: str, query: Mapping[str, str]) -> list[str]:
    """``[access key, date, region, service, "aws4_request"]`` from a SigV4 header or query."""
    if "Credential=" in authorization:
        return authorization.split("Credential=", 1)[1].split(",", 1)[0].strip().split("/")
    if "X-Amz-Credential" in query:
        return query["X-Amz-Credential"].split("/")
    return []


def from_environ(environ: Mapping[str, Any], body: bytes, principal: Principal) -> WireRequest:
    """The :class:`WireRequest` of a WSGI request whose ``body`` has been read."""
    query = tuple(parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True))
    scope = credential_scope(str(environ.get("HTTP_AUTHORIZATION", "")), dict(query))
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    raw_path = str(environ.get("PATH_INFO", "/"))
    return WireRequest(
        service=scope[3] if len(scope) > 3 else "",
        region=scope[2] if len(scope) > 2 else "",
        principal=principal,
        method=str(environ.get("REQUEST_METHOD", "GET")),
        path=raw_path.encode("latin-1", "replace").decode("utf-8", "replace"),
        query=query,
        headers=headers,
        body=body,
        presigned="HTTP_AUTHORIZATION" not in environ and "X-Amz-Credential" in dict(query),
        host=headers.get("host", ""),
    )


def operation(request: WireRequest) -> str:
    """The API operation's name: the JSON target's, the query protocol's ``Action``, or S3's own."""
    if request.target:
        return request.target.rsplit(".", 1)[-1]
    if request.service == "s3":
        return ""
    if request.service == "securityhub":
        return _SECURITYHUB_ROUTES.get((request.method.upper(), request.path.rstrip("/")), "")
    return str(request.params.get("Action", ""))


@dataclass(frozen=True)
class _Need:
    action: str  # without the service prefix
    resource: str
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


def authorizations(request: WireRequest, lookups: Lookups = NO_LOOKUPS) -> list[Authorization]:
    """Every authorization IAM needs for ``request``; an unknown request needs its action on ``*``."""
    mapper = _MAPPERS.get(request.service)
    op = operation(request)
    needs = mapper(request, op, lookups) if mapper is not None else [_Need(op or "UnknownOperation", "*")]
    base = common_context(request)
    seen: set[tuple[str, str]] = set()
    result: list[Authorization] = []
    for need in needs:
        action = f"{request.service}:{need.action}"
        if (action, need.resource) in seen:
            continue
        seen.add((action, need.resource))
        result.append(Authorization(action, need.resource, {**base, **need.context}))
    return result


def common_context(request: WireRequest) -> dict[str, str | Sequence[str]]:
    principal = request.principal
    context: dict[str, str | Sequence[str]] = {
        "aws:RequestedRegion": _GLOBAL_REGION.get(request.service, request.region),
        "aws:PrincipalArn": principal.role_arn or principal.arn,
        "aws:PrincipalAccount": principal.account_id,
        "aws:SecureTransport": "true",
    }
    if request.service == "s3":
        context["s3:signatureversion"] = SIGV4
        context["s3:authType"] = "REST-QUERY-STRING" if request.presigned else "REST-HEADER"
        context["s3:TlsVersion"] = TLS_VERSION
        sha = request.headers.get("x-amz-content-sha256") or request.query_params.get("X-Amz-Content-Sha256")
        if sha:
            context["s3:x-amz-content-sha256"] = sha
    return context


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


# --- DynamoDB ---------------------------------------------------------------------------------

_TRANSACT_WRITE = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _dynamodb(request: WireRequest, op: str, _lookups: Lookups) -> list[_Need]:
    params = request.params
    account, region = request.principal.account_id, request.region

    def table(name: str) -> str:
        return name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"

    if op in ("BatchGetItem", "BatchWriteItem"):
        items = params.get("RequestItems")
        return [_Need(op, table(name)) for name in (items if isinstance(items, dict) else {})]
    if op in ("TransactWriteItems", "TransactGetItems"):
        enclosing = {"dynamodb:EnclosingOperation": op}
        needs: list[_Need] = []
        for item in _as_dicts(params.get("TransactItems")):
            for kind, spec in item.items():
                action = "GetItem" if kind == "Get" else _TRANSACT_WRITE.get(kind, kind)
                if isinstance(spec, dict) and spec.get("TableName"):
                    needs.append(_Need(action, table(str(spec["TableName"])), enclosing))
        return needs or [_Need(op, "*")]
    name = params.get("TableName") or params.get("ResourceArn")
    if not name:
        return [_Need(op or "UnknownOperation", "*")]
    resource = table(str(name))
    if op in ("Query", "Scan") and params.get("IndexName"):
        resource = f"{resource}/index/{params['IndexName']}"
    return [_Need(op, resource)]


def _as_dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


# --- SQS --------------------------------------------------------------------------------------

_SQS_BATCH = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def _sqs(request: WireRequest, op: str, _lookups: Lookups) -> list[_Need]:
    params = request.params
    action = _SQS_BATCH.get(op, op) or "UnknownOperation"
    url = params.get("QueueUrl")
    if url:
        return [_Need(action, _queue_arn(str(url), request.region))]
    name = params.get("QueueName")
    if name:
        owner = str(params.get("QueueOwnerAWSAccountId") or request.principal.account_id)
        return [_Need(action, f"arn:aws:sqs:{request.region}:{owner}:{name}")]
    return [_Need(action, "*")]


def _queue_arn(url: str, region: str) -> str:
    """``http(s)://host/ACCOUNT/NAME`` → the queue's ARN (the region of an AWS host, else ours)."""
    parsed = urlparse(url)
    parts = [p for p in parsed.path.split("/") if p]
    host = parsed.hostname or ""
    labels = host.split(".")
    if len(labels) > 2 and labels[0] == "sqs" and labels[-2:] == ["amazonaws", "com"]:
        region = labels[1]
    if len(parts) >= 2:
        return f"arn:aws:sqs:{region}:{parts[0]}:{parts[1]}"
    return "*"


# --- S3 ---------------------------------------------------------------------------------------

_BUCKET_GET = {
    "acl": "GetBucketAcl",
    "cors": "GetBucketCORS",
    "encryption": "GetEncryptionConfiguration",
    "lifecycle": "GetLifecycleConfiguration",
    "location": "GetBucketLocation",
    "logging": "GetBucketLogging",
    "notification": "GetBucketNotification",
    "policy": "GetBucketPolicy",
    "policyStatus": "GetBucketPolicyStatus",
    "publicAccessBlock": "GetBucketPublicAccessBlock",
    "ownershipControls": "GetBucketOwnershipControls",
    "tagging": "GetBucketTagging",
    "versioning": "GetBucketVersioning",
    "website": "GetBucketWebsite",
    "replication": "GetReplicationConfiguration",
    "object-lock": "GetBucketObjectLockConfiguration",
    "accelerate": "GetAccelerateConfiguration",
    "requestPayment": "GetBucketRequestPayment",
    "analytics": "GetAnalyticsConfiguration",
    "inventory": "GetInventoryConfiguration",
    "metrics": "GetMetricsConfiguration",
    "intelligent-tiering": "GetIntelligentTieringConfiguration",
    "uploads": "ListBucketMultipartUploads",
    "versions": "ListBucketVersions",
}
_BUCKET_PUT = {
    "acl": "PutBucketAcl",
    "cors": "PutBucketCORS",
    "encryption": "PutEncryptionConfiguration",
    "lifecycle": "PutLifecycleConfiguration",
    "logging": "PutBucketLogging",
    "notification": "PutBucketNotification",
    "policy": "PutBucketPolicy",
    "publicAccessBlock": "PutBucketPublicAccessBlock",
    "ownershipControls": "PutBucketOwnershipControls",
    "tagging": "PutBucketTagging",
    "versioning": "PutBucketVersioning",
    "website": "PutBucketWebsite",
    "replication": "PutReplicationConfiguration",
    "object-lock": "PutBucketObjectLockConfiguration",
    "accelerate": "PutAccelerateConfiguration",
    "requestPayment": "PutBucketRequestPayment",
    "analytics": "PutAnalyticsConfiguration",
    "inventory": "PutInventoryConfiguration",
    "metrics": "PutMetricsConfiguration",
    "intelligent-tiering": "PutIntelligentTieringConfiguration",
}
# Deleting a bucket's configuration needs the permission that puts it, but for these three.
_BUCKET_DELETE = {
    **{
        name: action for name, action in _BUCKET_PUT.items() if name not in ("acl", "logging", "notification")
    },
    "policy": "DeleteBucketPolicy",
    "website": "DeleteBucketWebsite",
}
# Object sub-resources: (action, action with a versionId).
_OBJECT_GET = {
    "acl": ("GetObjectAcl", "GetObjectVersionAcl"),
    "tagging": ("GetObjectTagging", "GetObjectVersionTagging"),
    "attributes": ("GetObjectAttributes", "GetObjectVersionAttributes"),
    "retention": ("GetObjectRetention", "GetObjectRetention"),
    "legal-hold": ("GetObjectLegalHold", "GetObjectLegalHold"),
    "torrent": ("GetObjectTorrent", "GetObjectVersionTorrent"),
    "uploadId": ("ListMultipartUploadParts", "ListMultipartUploadParts"),
}
_OBJECT_PUT = {
    "acl": ("PutObjectAcl", "PutObjectVersionAcl"),
    "tagging": ("PutObjectTagging", "PutObjectVersionTagging"),
    "retention": ("PutObjectRetention", "PutObjectRetention"),
    "legal-hold": ("PutObjectLegalHold", "PutObjectLegalHold"),
}
_OBJECT_POST = {
    "uploads": "PutObject",
    "uploadId": "PutObject",
    "restore": "RestoreObject",
    "select": "GetObject",
}


def s3_location(request: WireRequest) -> tuple[str, str]:
    """``(bucket, key)`` of an S3 request: virtual-hosted when the Host names a bucket
    (``BUCKET.s3.REGION.amazonaws.com``, ``BUCKET.localhost``), else path-style ``/BUCKET/KEY``."""
    host = request.host.rsplit(":", 1)[0] if request.host.count(":") == 1 else request.host
    for marker in (".s3.", ".s3-", ".localhost"):
        index = host.find(marker)
        if index > 0:
            return host[:index], request.path.lstrip("/")
    bucket, _, key = request.path.lstrip("/").partition("/")
    return bucket, key


def _subresource(query: Mapping[str, str], names: Iterable[str]) -> str | None:
    return next((name for name in names if name in query), None)


def _s3(request: WireRequest, _op: str, _lookups: Lookups) -> list[_Need]:
    bucket, key = s3_location(request)
    query = request.query_params
    method = request.method.upper()
    if not bucket:
        return [_Need("ListAllMyBuckets" if method == "GET" else "UnknownOperation", "*")]
    bucket_arn = f"arn:aws:s3:::{bucket}"
    if key:
        return _s3_object(request, method, query, bucket_arn, key)
    if method == "POST" and "delete" in query:
        return _s3_delete_objects(request.body, bucket_arn)
    if method == "HEAD":
        return [_Need("ListBucket", bucket_arn)]
    table = {"GET": _BUCKET_GET, "PUT": _BUCKET_PUT, "DELETE": _BUCKET_DELETE}.get(method, {})
    sub = _subresource(query, table)
    if sub is not None:
        action = table[sub]
        context = _listing_context(query) if action == "ListBucketVersions" else {}
        return [_Need(action, bucket_arn, context)]
    plain = {"GET": "ListBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method)
    if plain is None:
        return [_Need("UnknownOperation", bucket_arn)]
    return [_Need(plain, bucket_arn, _listing_context(query) if plain == "ListBucket" else {})]


def _listing_context(query: Mapping[str, str]) -> dict[str, str | Sequence[str]]:
    context: dict[str, str | Sequence[str]] = {"s3:prefix": query.get("prefix", "")}
    if "delimiter" in query:
        context["s3:delimiter"] = query["delimiter"]
    if "max-keys" in query:
        context["s3:max-keys"] = query["max-keys"]
    return context


def _s3_object(
    request: WireRequest, method: str, query: Mapping[str, str], bucket_arn: str, key: str
) -> list[_Need]:
    resource = f"{bucket_arn}/{key}"
    versioned = "versionId" in query
    version_context: dict[str, str | Sequence[str]] = (
        {"s3:versionid": query["versionId"]} if versioned else {}
    )
    if method in ("GET", "HEAD"):
        sub = _subresource(query, _OBJECT_GET)
        plain, version = _OBJECT_GET[sub] if sub is not None else ("GetObject", "GetObjectVersion")
        return [_Need(version if versioned else plain, resource, version_context)]
    if method == "PUT":
        sub = _subresource(query, _OBJECT_PUT)
        if sub is not None:
            plain, version = _OBJECT_PUT[sub]
            return [_Need(version if versioned else plain, resource, version_context)]
        needs = [_Need("PutObject", resource)]
        source = request.headers.get("x-amz-copy-source")
        if source:
            needs.append(_copy_source(source))
        return needs
    if method == "POST":
        sub = _subresource(query, _OBJECT_POST)
        return [_Need(_OBJECT_POST[sub] if sub is not None else "PutObject", resource)]
    if method == "DELETE":
        if "uploadId" in query:
            return [_Need("AbortMultipartUpload", resource)]
        if "tagging" in query:
            return [_Need("DeleteObjectVersionTagging" if versioned else "DeleteObjectTagging", resource)]
        return [_Need("DeleteObjectVersion" if versioned else "DeleteObject", resource, version_context)]
    return [_Need("UnknownOperation", resource)]


def _copy_source(header: str) -> _Need:
    """``x-amz-copy-source: /BUCKET/KEY?versionId=V`` (URL-encoded) → s3:GetObject(Version) on it."""
    path, _, version = header.partition("?versionId=")
    source = unquote(path).lstrip("/")
    if version:
        return _Need("GetObjectVersion", f"arn:aws:s3:::{source}", {"s3:versionid": unquote(version)})
    return _Need("GetObject", f"arn:aws:s3:::{source}")


def _s3_delete_objects(body: bytes, bucket_arn: str) -> list[_Need]:
    """``POST ?delete``: s3:DeleteObject (s3:DeleteObjectVersion with a VersionId) per key named."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - a request of the world's own clients on loopback
    except ET.ParseError:
        return [_Need("DeleteObject", f"{bucket_arn}/*")]
    needs: list[_Need] = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "Object":
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in element}
        key = fields.get("Key", "")
        if fields.get("VersionId"):
            needs.append(
                _Need("DeleteObjectVersion", f"{bucket_arn}/{key}", {"s3:versionid": fields["VersionId"]})
            )
        else:
            needs.append(_Need("DeleteObject", f"{bucket_arn}/{key}"))
    return needs or [_Need("DeleteObject", f"{bucket_arn}/*")]


# --- SSM --------------------------------------------------------------------------------------

_SSM_DOCUMENT_ACTIONS = {
    "CreateDocument",
    "DeleteDocument",
    "DescribeDocument",
    "DescribeDocumentPermission",
    "GetDocument",
    "ListDocumentVersions",
    "ModifyDocumentPermission",
    "UpdateDocument",
    "UpdateDocumentDefaultVersion",
    "UpdateDocumentMetadata",
}
_SSM_PARAMETER_ACTIONS = {
    "DeleteParameter",
    "GetParameter",
    "GetParameterHistory",
    "LabelParameterVersion",
    "PutParameter",
    "UnlabelParameterVersion",
}


def _ssm(request: WireRequest, op: str, _lookups: Lookups) -> list[_Need]:
    params = request.params
    account, region = request.principal.account_id, request.region

    def document(name: str) -> str:
        return name if name.startswith("arn:") else f"arn:aws:ssm:{region}:{account}:document/{name}"

    def parameter(name: str) -> str:
        if name.startswith("arn:"):
            head, _, tail = name.partition(":parameter/")
            return f"{head}:parameter/{tail.split(':', 1)[0]}"
        return f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/').split(':', 1)[0]}"

    if op == "SendCommand":
        needs = [_Need(op, document(str(params.get("DocumentName", ""))))]
        for instance in _strings(params.get("InstanceIds")):
            if instance.startswith("mi-"):
                needs.append(_Need(op, f"arn:aws:ssm:{region}:{account}:managed-instance/{instance}"))
            else:
                needs.append(_Need(op, f"arn:aws:ec2:{region}:{account}:instance/{instance}"))
        if params.get("OutputS3BucketName"):
            needs.append(_Need(op, f"arn:aws:s3:::{params['OutputS3BucketName']}"))
        return needs
    if op in _SSM_DOCUMENT_ACTIONS and params.get("Name"):
        return [_Need(op, document(str(params["Name"])))]
    if op in _SSM_PARAMETER_ACTIONS and params.get("Name"):
        return [_Need(op, parameter(str(params["Name"])))]
    if op in ("GetParameters", "DeleteParameters"):
        return [_Need(op, parameter(name)) for name in _strings(params.get("Names"))] or [_Need(op, "*")]
    if op == "GetParametersByPath" and params.get("Path"):
        return [_Need(op, parameter(str(params["Path"])))]
    return [_Need(op or "UnknownOperation", "*")]


# --- STS --------------------------------------------------------------------------------------


def _sts(request: WireRequest, op: str, lookups: Lookups) -> list[_Need]:
    if op == "GetCallerIdentity":
        return []  # needs no permission
    if op != "AssumeRole":
        return [_Need(op or "UnknownOperation", "*")]
    params = request.params
    role_arn = str(params.get("RoleArn", ""))
    parts = role_arn.split(":")
    role_account = parts[4] if len(parts) > 5 else ""
    context: dict[str, str | Sequence[str]] = {"sts:RoleSessionName": str(params.get("RoleSessionName", ""))}
    if params.get("ExternalId") is not None:
        context["sts:ExternalId"] = str(params["ExternalId"])
    source = params.get("SourceIdentity")
    if source:
        context["sts:SourceIdentity"] = str(source)
    if role_account:
        context["aws:ResourceAccount"] = role_account
        organization = lookups.organization(role_account)
        if organization is not None:
            context["aws:ResourceOrgID"] = organization.id
    needs = [_Need("AssumeRole", role_arn or "*", context)]
    if source:
        needs.append(_Need("SetSourceIdentity", role_arn or "*", context))
    tags = _session_tags(params)
    if tags:
        tag_context = {**context, "aws:TagKeys": list(tags)}
        tag_context.update({f"aws:RequestTag/{name}": value for name, value in tags.items()})
        needs.append(_Need("TagSession", role_arn or "*", tag_context))
    return needs


def _session_tags(params: Mapping[str, Any]) -> dict[str, str]:
    tags: dict[str, str] = {}
    index = 1
    while f"Tags.member.{index}.Key" in params:
        tags[str(params[f"Tags.member.{index}.Key"])] = str(params.get(f"Tags.member.{index}.Value", ""))
        index += 1
    return tags


# --- Secrets Manager, Organizations, IAM, KMS, CloudWatch Logs ---------------------------------


def _secretsmanager(request: WireRequest, op: str, lookups: Lookups) -> list[_Need]:
    params = request.params
    account, region = request.principal.account_id, request.region
    secret_id = params.get("SecretId")
    if secret_id:
        secret_id = str(secret_id)
        owner, where = account, region
        if secret_id.startswith("arn:"):
            parts = secret_id.split(":")
            where, owner = (parts[3], parts[4]) if len(parts) > 5 else (region, account)
        resolved = lookups.secret_arn(owner, where, secret_id)
        resource = resolved or (
            secret_id
            if secret_id.startswith("arn:")
            else f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id}"
        )
        context: dict[str, str | Sequence[str]] = {"secretsmanager:SecretId": secret_id}
        for name in ("VersionId", "VersionStage"):
            if params.get(name):
                context[f"secretsmanager:{name}"] = str(params[name])
        return [_Need(op, resource, context)]
    if op == "CreateSecret" and params.get("Name"):
        return [_Need(op, f"arn:aws:secretsmanager:{region}:{account}:secret:{params['Name']}")]
    return [_Need(op or "UnknownOperation", "*")]


def _organizations(request: WireRequest, op: str, lookups: Lookups) -> list[_Need]:
    params = request.params
    organization = lookups.organization(request.principal.account_id)

    def arn(entity: str) -> str:
        if organization is None:
            return "*"
        base = f"arn:aws:organizations::{organization.management_account_id}"
        if entity.startswith("r-"):
            return f"{base}:root/{organization.id}/{entity}"
        if entity.startswith("ou-"):
            return f"{base}:ou/{organization.id}/{entity}"
        return f"{base}:account/{organization.id}/{entity}"

    names = (
        "ParentId",
        "OrganizationalUnitId",
        "AccountId",
        "ChildId",
        "SourceParentId",
        "DestinationParentId",
    )
    if op in ("ListRoots", "ListAccounts", "DescribeOrganization", "CreateOrganization", "CreateAccount"):
        return [_Need(op, "*")]
    entities = [str(params[name]) for name in names if params.get(name)]
    return [_Need(op, arn(entity)) for entity in entities] or [_Need(op or "UnknownOperation", "*")]


def _iam(request: WireRequest, op: str, _lookups: Lookups) -> list[_Need]:
    params = request.params
    account = request.principal.account_id
    path = str(params.get("Path") or "/")
    if params.get("RoleName"):
        return [_Need(op, f"arn:aws:iam::{account}:role{path}{params['RoleName']}")]
    if params.get("UserName"):
        return [_Need(op, f"arn:aws:iam::{account}:user{path}{params['UserName']}")]
    if params.get("PolicyArn"):
        return [_Need(op, str(params["PolicyArn"]))]
    if op == "CreatePolicy" and params.get("PolicyName"):
        return [_Need(op, f"arn:aws:iam::{account}:policy{path}{params['PolicyName']}")]
    if op == "CreateAccessKey" and request.principal.user_name:
        return [_Need(op, request.principal.arn)]
    return [_Need(op or "UnknownOperation", "*")]


def _kms(request: WireRequest, op: str, _lookups: Lookups) -> list[_Need]:
    key = str(request.params.get("KeyId", ""))
    if key.startswith("arn:") and ":key/" in key:
        return [_Need(op, key)]
    if key and not key.startswith(("alias/", "arn:")):
        return [_Need(op, f"arn:aws:kms:{request.region}:{request.principal.account_id}:key/{key}")]
    return [_Need(op or "UnknownOperation", "*")]


def _logs(request: WireRequest, op: str, _lookups: Lookups) -> list[_Need]:
    params = request.params
    group = params.get("logGroupName")
    if not group:
        return [_Need(op or "UnknownOperation", "*")]
    base = f"arn:aws:logs:{request.region}:{request.principal.account_id}:log-group:{group}"
    stream = params.get("logStreamName")
    return [_Need(op, f"{base}:log-stream:{stream}" if stream else base)]


# --- Security Hub -------------------------------------------------------------------------------

# The REST routes of the operations the project calls (botocore's securityhub model).
_SECURITYHUB_ROUTES = {
    ("POST", "/findings/import"): "BatchImportFindings",
    ("POST", "/findings"): "GetFindings",
    ("POST", "/accounts"): "EnableSecurityHub",
    ("GET", "/accounts"): "DescribeHub",
    ("DELETE", "/accounts"): "DisableSecurityHub",
}
_HUB_OPERATIONS = {"GetFindings", "EnableSecurityHub", "DescribeHub", "DisableSecurityHub"}


def securityhub_findings(request: WireRequest) -> list[dict[str, Any]]:
    """The ``Findings`` of a Security Hub request's JSON body (only the objects among them)."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return []
    findings = body.get("Findings") if isinstance(body, dict) else None
    return [f for f in findings if isinstance(f, dict)] if isinstance(findings, list) else []


def _securityhub(request: WireRequest, op: str, _lookups: Lookups) -> list[_Need]:
    if op == "BatchImportFindings":
        products = dict.fromkeys(str(f.get("ProductArn", "")) for f in securityhub_findings(request))
        return [_Need(op, product) for product in products if product] or [_Need(op, "*")]
    if op in _HUB_OPERATIONS:
        hub = f"arn:aws:securityhub:{request.region}:{request.principal.account_id}:hub/default"
        return [_Need(op, hub)]
    return [_Need(op or "UnknownOperation", "*")]


_Mapper = Callable[[WireRequest, str, Lookups], list[_Need]]
_MAPPERS: dict[str, _Mapper] = {
    "dynamodb": _dynamodb,
    "sqs": _sqs,
    "s3": _s3,
    "ssm": _ssm,
    "sts": _sts,
    "secretsmanager": _secretsmanager,
    "organizations": _organizations,
    "iam": _iam,
    "kms": _kms,
    "logs": _logs,
    "securityhub": _securityhub,
}
