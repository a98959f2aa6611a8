"""AccessDenied as each service answers it: its protocol, status, error code and wording.

The message is IAM's: ``User: <caller ARN> is not authorized to perform: <action> on resource:
<resource> because no identity-based policy allows the <action> action`` (or ``with an explicit
deny in ...``), with each service's own variations:

- S3 quotes the resource (``on resource: "arn:aws:s3:::bucket/key"``); a HEAD answer has no body;
- SQS names the action in lower case (``sqs:sendmessage``);
- an action on ``*`` names no resource, except SSM's, which names ``arn:aws:ssm:REGION:ACCOUNT:*``;
- EC2 prefixes "You are not authorized to perform this operation." and answers
  ``UnauthorizedOperation``.

| service | status | body |
|---|---|---|
| DynamoDB | 400 | JSON 1.0 ``{"__type": "com.amazon.coral.service#AccessDeniedException", "Message": ...}`` |
| SQS, JSON | 403 | JSON 1.0 ``AccessDeniedException`` with ``x-amzn-query-error: AccessDenied;Sender`` (botocore reports ``AccessDenied``, as for the query protocol) |
| SQS, query | 403 | ``<ErrorResponse>`` ``AccessDenied``, Type Sender |
| other JSON (SSM, Secrets Manager, Organizations, KMS, Logs) | 400 | JSON 1.1 ``{"__type": "AccessDeniedException", "Message": ...}`` |
| S3 | 403 | ``<Error><Code>AccessDenied</Code>...`` |
| STS, IAM, other query | 403 | ``<ErrorResponse>`` ``AccessDenied``, Type Sender |
| EC2 | 403 | ``<Response><Errors><Error><Code>UnauthorizedOperation</Code>...`` |
| other REST | 403 | JSON ``{"Message": ...}`` with ``x-amzn-ErrorType: AccessDeniedException`` |
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from localworld.iam.model import Authorization, Decision
from localworld.iam.requests import WireRequest

__all__ = ["Answer", "access_denied", "denial_message"]

_QUERY_NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sqs": "http://queue.amazonaws.com/doc/2012-11-05/",
}


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status line, headers, body."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def denial_message(request: WireRequest, authorization: Authorization, decision: Decision) -> str:
    """IAM's AccessDenied message for ``authorization``, in the wording of ``request``'s service."""
    service = request.service
    action = authorization.action.lower() if service == "sqs" else authorization.action
    resource = authorization.resource
    if resource == "*":
        where = (
            f" on resource: arn:aws:ssm:{request.region}:{request.principal.account_id}:*"
            if service == "ssm"
            else ""
        )
    elif service == "s3":
        where = f' on resource: "{resource}"'
    else:
        where = f" on resource: {resource}"
    message = f"User: {request.principal.arn} is not authorized to perform: {action}{where} {decision.reason(action)}"
    if service == "ec2":
        return f"You are not authorized to perform this operation. {message}"
    return message


def access_denied(request: WireRequest, authorization: Authorization, decision: Decision) -> Answer:
    """The service's AccessDenied answer to ``request`` for the denied ``authorization``."""
    message = denial_message(request, authorization, decision)
    service = request.service
    if request.target:
        if service == "dynamodb":
            return _json(
                "400 Bad Request",
                "application/x-amz-json-1.0",
                "com.amazon.coral.service#AccessDeniedException",
                message,
            )
        if service == "sqs":
            answer = _json(
                "403 Forbidden",
                "application/x-amz-json-1.0",
                "com.amazon.coral.service#AccessDeniedException",
                message,
            )
            return Answer(
                answer.status, (*answer.headers, ("x-amzn-query-error", "AccessDenied;Sender")), answer.body
            )
        return _json("400 Bad Request", "application/x-amz-json-1.1", "AccessDeniedException", message)
    if service == "s3":
        body = b"" if request.method.upper() == "HEAD" else _s3_error(message)
        return Answer("403 Forbidden", (("Content-Type", "application/xml"),), body)
    if service == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code>'
            f"<Message>{escape(message)}</Message></Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>"
        ).encode()
        return Answer("403 Forbidden", (("Content-Type", "text/xml;charset=UTF-8"),), body)
    if "Action" in request.params or service in _QUERY_NAMESPACES:
        return Answer("403 Forbidden", (("Content-Type", "text/xml"),), _query_error(service, message))
    body = json.dumps({"Message": message}).encode()
    return Answer(
        "403 Forbidden",
        (("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")),
        body,
    )


def _json(status: str, content_type: str, error_type: str, message: str) -> Answer:
    body = json.dumps({"__type": error_type, "Message": message}).encode()
    return Answer(status, (("Content-Type", content_type), ("x-amzn-RequestId", str(uuid.uuid4()))), body)


def _s3_error(message: str) -> bytes:
    request_id = uuid.uuid4().hex[:16].upper()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId><HostId>localworld</HostId></Error>"
    ).encode()


def _query_error(service: str, message: str) -> bytes:
    namespace = _QUERY_NAMESPACES.get(service)
    opening = f'<ErrorResponse xmlns="{namespace}">' if namespace else "<ErrorResponse>"
    return (
        f"{opening}<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{escape(message)}</Message>"
        f"</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()
