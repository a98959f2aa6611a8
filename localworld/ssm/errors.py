"""Errors the SSM emulator answers with: each carries the AWS error code and HTTP status.

They subclass moto's ``ServiceException`` so moto serialises them exactly like its own errors
(``__type`` and ``message`` in the JSON body, status 400).
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException

__all__ = [
    "DocumentAlreadyExists",
    "DocumentPermissionLimit",
    "DuplicateInstanceId",
    "InvalidCommandId",
    "InvalidDocument",
    "InvalidDocumentContent",
    "InvalidDocumentOperation",
    "InvalidDocumentSchemaVersion",
    "InvalidDocumentVersion",
    "InvalidFilterKey",
    "InvalidInstanceId",
    "InvalidInstanceInformationFilterValue",
    "InvalidNextToken",
    "InvalidParameters",
    "InvalidPermissionType",
    "InvalidPluginName",
    "InvocationDoesNotExist",
    "MaxDocumentSizeExceeded",
    "SsmApiError",
    "ValidationException",
]


class SsmApiError(ServiceException):
    """Base class of every error the emulated SSM API returns to a client."""

    code = "InternalServerError"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class ValidationException(SsmApiError):
    """A request breaks a constraint of the API model (length, range, pattern, combination)."""

    code = "ValidationException"


class InvalidDocument(SsmApiError):
    """The document does not exist, is not shared with the caller, or its hash does not match."""

    code = "InvalidDocument"


class InvalidDocumentVersion(SsmApiError):
    """The document version asked for does not exist."""

    code = "InvalidDocumentVersion"


class InvalidDocumentContent(SsmApiError):
    """The document content does not parse or is not a valid Command document."""

    code = "InvalidDocumentContent"


class InvalidDocumentSchemaVersion(SsmApiError):
    """The document's schemaVersion is missing or not emulated (only 2.2 is)."""

    code = "InvalidDocumentSchemaVersion"


class InvalidDocumentOperation(SsmApiError):
    """The operation is not allowed on this document (e.g. deleting a shared document)."""

    code = "InvalidDocumentOperation"


class DocumentAlreadyExists(SsmApiError):
    """A document with this name already exists in the account and region."""

    code = "DocumentAlreadyExists"


class MaxDocumentSizeExceeded(SsmApiError):
    """The document, with the parameter values of a command, is larger than 64 KB."""

    code = "MaxDocumentSizeExceeded"


class DocumentPermissionLimit(SsmApiError):
    """More than 20 accounts in one sharing call, or more than 1,000 on one document."""

    code = "DocumentPermissionLimit"


class InvalidPermissionType(SsmApiError):
    """The permission type is not ``Share``."""

    code = "InvalidPermissionType"


class InvalidParameters(SsmApiError):
    """A parameter is unknown, missing, or fails its allowedPattern/allowedValues/length rules."""

    code = "InvalidParameters"


class InvalidInstanceId(SsmApiError):
    """A node is unknown, terminated, or belongs to another account or region."""

    code = "InvalidInstanceId"


class DuplicateInstanceId(SsmApiError):
    """The same instance ID is listed twice in one call."""

    code = "DuplicateInstanceId"


class InvalidCommandId(SsmApiError):
    """The command ID is not one of the caller's commands."""

    code = "InvalidCommandId"


class InvocationDoesNotExist(SsmApiError):
    """No invocation of this command on this node is visible (yet)."""

    code = "InvocationDoesNotExist"


class InvalidPluginName(SsmApiError):
    """The plugin (step) name is missing on a multi-step document, or names no step."""

    code = "InvalidPluginName"


class InvalidFilterKey(SsmApiError):
    """A filter key is unknown, or tag filters are combined with other filters."""

    code = "InvalidFilterKey"


class InvalidInstanceInformationFilterValue(SsmApiError):
    """A DescribeInstanceInformation filter value is not one the key accepts."""

    code = "InvalidInstanceInformationFilterValue"


class InvalidNextToken(SsmApiError):
    """The pagination token was not issued for this request."""

    code = "InvalidNextToken"
