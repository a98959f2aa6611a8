"""The documents of every (account, region): CreateDocument's checks, the SHA-256 hash, and
sharing by ARN with other accounts of the same region (ModifyDocumentPermission)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from localworld.ssm.clock import Clock
from localworld.ssm.documents import DocumentSpec, check_document_name, document_hash, parse_document
from localworld.ssm.errors import (
    DocumentAlreadyExists,
    DocumentPermissionLimit,
    InvalidDocument,
    InvalidDocumentOperation,
    InvalidDocumentVersion,
    InvalidPermissionType,
    ValidationException,
)
from localworld.ssm.instances import page
from localworld.ssm.shapes import timestamp_of, validation_error

__all__ = ["DocumentStore", "StoredDocument", "check_version"]

DOCUMENT_ARN = re.compile(r"^arn:aws[a-z-]*:ssm:([a-z0-9-]+):(\d{12}):document/([a-zA-Z0-9_\-.]{3,128})$")
MAX_SHARE_PER_CALL, MAX_SHARES = 20, 1000


@dataclass
class StoredDocument:
    name: str
    owner: str
    region: str
    content: str
    document_format: str
    spec: DocumentSpec
    hash: str
    created: float
    target_type: str | None
    tags: list[dict[str, str]]
    shared_with: set[str] = field(default_factory=set)

    def arn(self) -> str:
        return f"arn:aws:ssm:{self.region}:{self.owner}:document/{self.name}"


def check_version(version: object) -> None:
    """Documents have one version here: 1, also known as $DEFAULT and $LATEST."""
    if version not in (None, "1", "$DEFAULT", "$LATEST"):
        raise InvalidDocumentVersion(f"Document version {version} is not valid.")


class DocumentStore:
    """Command documents per (account, region); methods answer the API calls of the same name."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._documents: dict[tuple[str, str], dict[str, StoredDocument]] = {}

    def _own(self, account_id: str, region: str) -> dict[str, StoredDocument]:
        return self._documents.setdefault((account_id, region), {})

    def find(self, account_id: str, region: str, reference: str) -> StoredDocument:
        """A document the caller may use: its own by name or ARN, or one shared with it by ARN."""
        not_found = InvalidDocument(f"Document with name {reference} does not exist.")
        match = DOCUMENT_ARN.match(reference)
        if match is None:
            if reference.startswith("arn:"):
                raise not_found
            found = self._own(account_id, region).get(reference)
            if found is None:
                raise not_found
            return found
        arn_region, owner, name = match.groups()
        if arn_region != region:
            raise not_found
        found = self._documents.get((owner, region), {}).get(name)
        if found is None:
            raise not_found
        if owner != account_id and account_id not in found.shared_with and "All" not in found.shared_with:
            raise not_found
        return found

    def _description(self, document: StoredDocument) -> dict[str, Any]:
        return {
            "Hash": document.hash,
            "HashType": "Sha256",
            "Name": document.name,
            "Owner": document.owner,
            "CreatedDate": timestamp_of(document.created),
            "Status": "Active",
            "DocumentVersion": "1",
            "Description": document.spec.description,
            "Parameters": [
                {
                    "Name": p.name,
                    "Type": p.type,
                    "Description": p.description,
                    **(
                        {"DefaultValue": p.default if isinstance(p.default, str) else json.dumps(p.default)}
                        if p.default is not None
                        else {}
                    ),
                }
                for p in document.spec.parameters
            ],
            "PlatformTypes": list(document.spec.platform_types),
            "DocumentType": "Command",
            "SchemaVersion": document.spec.schema_version,
            "LatestVersion": "1",
            "DefaultVersion": "1",
            "DocumentFormat": document.document_format,
            **({"TargetType": document.target_type} if document.target_type else {}),
            "Tags": document.tags,
        }

    def create(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        name = check_document_name(request.get("Name"))
        content = request.get("Content")
        if not isinstance(content, str) or not content:
            raise validation_error(content, "content", "have length greater than or equal to 1")
        document_type = request.get("DocumentType", "Command")
        if document_type != "Command":
            raise ValidationException(f"DocumentType {document_type} is not emulated; only Command is.")
        document_format = request.get("DocumentFormat", "JSON")
        spec = parse_document(content, document_format)
        with self._lock:
            own = self._own(account_id, region)
            if name in own:
                raise DocumentAlreadyExists("Document with same name already exists")
            document = StoredDocument(
                name=name,
                owner=account_id,
                region=region,
                content=content,
                document_format=document_format,
                spec=spec,
                hash=document_hash(content),
                created=self.clock.now(),
                target_type=request.get("TargetType"),
                tags=list(request.get("Tags") or []),
            )
            own[name] = document
            return {"DocumentDescription": self._description(document)}

    def describe(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            document = self.find(account_id, region, str(request.get("Name", "")))
            check_version(request.get("DocumentVersion"))
            return {"Document": self._description(document)}

    def get(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            document = self.find(account_id, region, str(request.get("Name", "")))
            check_version(request.get("DocumentVersion"))
        wanted = request.get("DocumentFormat", document.document_format)
        content = document.content
        if wanted != document.document_format:
            loaded = json.loads(content) if document.document_format == "JSON" else yaml.safe_load(content)
            content = (
                json.dumps(loaded, indent=2) if wanted == "JSON" else yaml.safe_dump(loaded, sort_keys=False)
            )
        return {
            "Name": document.name,
            "CreatedDate": timestamp_of(document.created),
            "DocumentVersion": "1",
            "Status": "Active",
            "Content": content,
            "DocumentType": "Command",
            "DocumentFormat": wanted,
        }

    def _own_document(self, account_id: str, region: str, reference: str) -> StoredDocument:
        document = self.find(account_id, region, reference)
        if document.owner != account_id:
            raise InvalidDocument(f"Document with name {reference} does not exist.")
        return document

    def modify_permission(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        if request.get("PermissionType") != "Share":
            raise InvalidPermissionType("Only the Share permission type is supported.")
        add = list(request.get("AccountIdsToAdd") or [])
        remove = list(request.get("AccountIdsToRemove") or [])
        for label, ids in (("accountIdsToAdd", add), ("accountIdsToRemove", remove)):
            if len(ids) > MAX_SHARE_PER_CALL:
                raise DocumentPermissionLimit(
                    f"You can add or remove at most {MAX_SHARE_PER_CALL} accounts in one call ({label})."
                )
            for value in ids:
                if value != "All" and not re.fullmatch(r"\d{12}", str(value)):
                    raise validation_error(
                        value, label, r"satisfy regular expression pattern: (?i)all|[0-9]{12}"
                    )
        with self._lock:
            document = self._own_document(account_id, region, str(request.get("Name", "")))
            shared = (document.shared_with | set(add)) - set(remove)
            if len(shared - {"All"}) > MAX_SHARES:
                raise DocumentPermissionLimit(f"A document can be shared with at most {MAX_SHARES} accounts.")
            document.shared_with = shared
        return {}

    def describe_permission(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        if request.get("PermissionType") != "Share":
            raise InvalidPermissionType("Only the Share permission type is supported.")
        with self._lock:
            document = self._own_document(account_id, region, str(request.get("Name", "")))
            accounts = sorted(document.shared_with)
        return {
            "AccountIds": accounts,
            "AccountSharingInfoList": [
                {"AccountId": a, "SharedDocumentVersion": "$DEFAULT"} for a in accounts
            ],
        }

    def delete(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            document = self._own_document(account_id, region, str(request.get("Name", "")))
            if document.shared_with:
                raise InvalidDocumentOperation("Must unshare document first")
            del self._own(account_id, region)[document.name]
        return {}

    def list(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        owner = "Self"
        for entry in request.get("Filters") or []:
            if entry.get("Key") == "Owner" and entry.get("Values"):
                owner = entry["Values"][0]
        with self._lock:
            documents: list[StoredDocument] = []
            if owner in ("Self", "All"):
                documents += self._own(account_id, region).values()
            if owner in ("Private", "All"):
                documents += [
                    d
                    for (acct, reg), docs in self._documents.items()
                    if acct != account_id and reg == region
                    for d in docs.values()
                    if account_id in d.shared_with or "All" in d.shared_with
                ]
        identifiers = [
            {
                "Name": d.name if d.owner == account_id else d.arn(),
                "CreatedDate": timestamp_of(d.created),
                "Owner": d.owner,
                "PlatformTypes": list(d.spec.platform_types),
                "DocumentVersion": "1",
                "DocumentType": "Command",
                "SchemaVersion": d.spec.schema_version,
                "DocumentFormat": d.document_format,
                "Tags": d.tags,
            }
            for d in sorted(documents, key=lambda d: (d.owner, d.name))
        ]
        chunk, token = page(identifiers, int(request.get("MaxResults", 50)), request.get("NextToken"), owner)
        return {"DocumentIdentifiers": chunk, **({"NextToken": token} if token else {})}
