"""Response bodies for the world's own answers, written from the result rather than the shape.

moto serialises a result by walking every member of the operation's output shape and trying each
spelling a key might have. For 50 EC2 instances (an ``Instance`` has about 80 members) that is
40 ms of the world's one interpreter per ``DescribeInstances``; a ``SendCommand`` answer costs a
few milliseconds, hundreds of times a second. The SSM emulator and the EC2 inventory already
answer with the API's member names, so their bodies are written by walking only what they hold,
with botocore's model for the wire names and types. Members the shape does not know are dropped,
as moto's serializer drops them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from botocore.model import ListShape, OperationModel, Shape, StructureShape

__all__ = ["JSON_CONTENT_TYPE", "ec2_xml_body", "json_body"]

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/"


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        when = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return round(when.timestamp(), 3)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_body(result: Mapping[str, Any]) -> str:
    """An awsJson body: the result as it is, timestamps as epoch seconds (the protocol's default)."""
    return json.dumps(result, default=_epoch, separators=(",", ":"))


def _iso(value: datetime) -> str:
    when = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _scalar(shape: Shape, value: Any) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value is True or value in ("true", "True") else "false"
    if kind in ("integer", "long"):
        return str(int(value))
    if kind in ("float", "double"):
        return repr(float(value))
    if kind == "timestamp":
        return _iso(value) if isinstance(value, datetime) else str(value)
    if kind == "string":
        return str(value)
    raise TypeError(f"the local world does not write {kind} members in EC2 XML")


def _fill(element: ET.Element, shape: Shape, value: Any) -> None:
    if isinstance(shape, StructureShape):
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None or item is None:
                continue
            child = ET.SubElement(element, member.serialization.get("name", key))
            _fill(child, member, item)
    elif isinstance(shape, ListShape):
        name = shape.member.serialization.get("name", "member")
        for item in value:
            _fill(ET.SubElement(element, name), shape.member, item)
    else:
        element.text = _scalar(shape, value)


def ec2_xml_body(operation: OperationModel, result: Mapping[str, Any], request_id: str | None = None) -> str:
    """An EC2 query-protocol body: ``<{Operation}Response>`` with its ``requestId`` and the result."""
    root = ET.Element(f"{operation.name}Response", xmlns=EC2_NAMESPACE)
    ET.SubElement(root, "requestId").text = request_id or str(uuid.uuid4())
    if operation.output_shape is not None:
        _fill(root, operation.output_shape, result)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
