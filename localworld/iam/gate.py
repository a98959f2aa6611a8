"""The IAM gate in front of moto: every signed call judged with the caller's policies, refused with
the service's own AccessDenied, and written to the call log.

For a request signed with a known key (header-signed, or presigned and already verified), the gate
asks :func:`~localworld.iam.requests.authorizations` what it needs and evaluates each authorization
against the principal's identity policies and, for S3 buckets and SQS queues, the resource's
policy. The call goes on to moto only if every one is allowed; otherwise the first denied one is
answered (:mod:`localworld.iam.denied`). Nothing is cached: policies can change while the world
runs, and evaluating a handful of statements costs less than keeping a cache right.

S3's answer for a missing object depends on ``s3:ListBucket``: a GET or HEAD of a key that does not
exist answers 404 only to a caller allowed to list the bucket, and 403 ``AccessDenied`` to any
other (:meth:`IamGate.missing_object`). The gate judges that ``s3:ListBucket`` (with no ``s3:prefix``
in its context) after moto has answered 404.

Principals without any identity policy (the world's ``localworld-admin`` setup users before the
world gives them one) are denied like any other, unless the gate is built with
``IamGate(enforce=False)``: then their calls pass and are logged with ``"enforced": false``.

The call log (:class:`CallLog`) has one JSON object per authorization judged::

    {"function": "cce-scan-notifier", "role": "arn:aws:iam::111111111111:role/...",
     "service": "sqs", "action": "sqs:ReceiveMessage", "resource": "arn:aws:sqs:...", "allowed": true}

``function`` is the Lambda function of the role (registered with :meth:`IamGate.name_role`), for a
session that a function's session obtained with AssumeRole that function (the worker in member
accounts), ``"setup"`` for IAM users and the sessions they obtained, ``"unknown"`` otherwise. A
presigned call adds ``"via": "presigned"`` and is logged as its signer's; the ``s3:ListBucket``
judged for a missing object adds ``"because": "NoSuchKey"``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from localworld.accounts import KeyInfo
from localworld.iam.denied import Answer, access_denied
from localworld.iam.lookups import moto_lookups
from localworld.iam.model import Authorization, Decision, Effect, PolicyDocument, Principal
from localworld.iam.policy import evaluate as iam_evaluate
from localworld.iam.principals import identity_policies as moto_identity_policies
from localworld.iam.principals import principal_for as key_principal
from localworld.iam.principals import resource_policy as moto_resource_policy
from localworld.iam.requests import Lookups, WireRequest, authorizations, from_environ, s3_location

__all__ = ["CallLog", "Checked", "IamGate", "Judgement"]

Evaluate = Callable[[Authorization, Principal, Sequence[PolicyDocument], PolicyDocument | None], Decision]
PrincipalFor = Callable[[KeyInfo], Principal]
IdentityPolicies = Callable[[Principal], Sequence[PolicyDocument]]
ResourcePolicy = Callable[[str], PolicyDocument | None]

SETUP = "setup"
UNKNOWN = "unknown"
_ALLOW = Decision(Effect.ALLOW)
_ACCESS_KEY_ID = re.compile(rb"<AccessKeyId>\s*([A-Z0-9]+)\s*</AccessKeyId>")
_OBJECT_READS = ("s3:GetObject", "s3:GetObjectVersion")


class CallLog:
    """The judged calls: kept in memory (tests read :meth:`entries`) and, once :meth:`open` has
    named a file, appended to it as JSON lines, one write and flush per line under a lock."""

    def __init__(self, keep: bool = True) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._file: IO[str] | None = None

    def open(self, path: Path | str) -> None:
        """Append every later entry to ``path`` (``.jsonl``), closing a file opened before."""
        handle = Path(path).open("a", encoding="utf-8")  # noqa: SIM115 - open until close()
        with self._lock:
            previous, self._file = self._file, handle
        if previous is not None:
            previous.close()

    def close(self) -> None:
        with self._lock:
            handle, self._file = self._file, None
        if handle is not None:
            handle.close()

    def record(self, entry: Mapping[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self._lock:
            if self.keep:
                self._entries.append(dict(entry))
            if self._file is not None:
                self._file.write(line)
                self._file.flush()

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass(frozen=True)
class Judgement:
    """The authorizations a request needs and IAM's decision on each."""

    authorizations: tuple[Authorization, ...]
    decisions: tuple[Decision, ...]
    enforced: bool = True

    @property
    def denied(self) -> tuple[Authorization, Decision] | None:
        """The first authorization denied, with its decision; ``None`` when all are allowed."""
        return next(
            (
                (auth, decision)
                for auth, decision in zip(self.authorizations, self.decisions, strict=True)
                if not decision.allowed
            ),
            None,
        )


@dataclass(frozen=True)
class Checked:
    """A judged request: what the server needs to refuse it or let it through."""

    request: WireRequest
    key: KeyInfo
    judgement: Judgement
    refusal: Answer | None
    via: str | None = None

    @property
    def reads_object(self) -> bool:
        """A GET or HEAD of an object that was allowed: S3's 404 for it depends on s3:ListBucket."""
        return self.refusal is None and any(
            auth.action in _OBJECT_READS for auth in self.judgement.authorizations
        )

    @property
    def assumes_role(self) -> bool:
        return self.refusal is None and any(
            auth.action == "sts:AssumeRole" for auth in self.judgement.authorizations
        )


def _policy_owner(resource: str) -> str | None:
    """The resource whose policy applies to ``resource``: an S3 object's bucket, an SQS queue, a
    Secrets Manager secret; ``None`` for resources of services without resource policies here."""
    if resource.startswith("arn:aws:s3:::"):
        return "arn:aws:s3:::" + resource[len("arn:aws:s3:::") :].split("/", 1)[0]
    if resource.startswith(("arn:aws:sqs:", "arn:aws:secretsmanager:")):
        return resource
    return None


class IamGate:
    """Judges signed calls with IAM policies (see the module docstring).

    ``evaluate`` is IAM's policy evaluation (:func:`localworld.iam.policy.evaluate`);
    ``principal_for``, ``identity_policies`` and ``resource_policy`` the principal of a key and the
    policies moto holds (:mod:`localworld.iam.principals`); ``lookups`` what mapping a request needs
    from the world's state (moto's). Tests inject their own.
    """

    def __init__(
        self,
        *,
        evaluate: Evaluate = iam_evaluate,
        principal_for: PrincipalFor = key_principal,
        identity_policies: IdentityPolicies = moto_identity_policies,
        resource_policy: ResourcePolicy = moto_resource_policy,
        lookups: Lookups | None = None,
        enforce: bool = True,
        calls: CallLog | None = None,
    ) -> None:
        self._evaluate = evaluate
        self._principal_for = principal_for
        self._identity_policies = identity_policies
        self._resource_policy = resource_policy
        self.lookups = lookups if lookups is not None else moto_lookups()
        self.enforce = enforce
        self.calls = calls if calls is not None else CallLog()
        self._functions: dict[str, str] = {}  # role ARN -> function
        self._sessions: dict[str, str] = {}  # access key of a session -> function that obtained it
        self._lock = threading.Lock()

    # --- who calls ---------------------------------------------------------------------------

    def name_role(self, role_arn: str, function: str) -> None:
        """Log the calls of ``role_arn``'s sessions as the Lambda function ``function``'s."""
        with self._lock:
            self._functions[role_arn] = function

    def function_of(self, key: KeyInfo) -> str:
        """The function a key's calls come from (see the module docstring)."""
        if key.role_arn is None:
            return SETUP
        named = self._functions.get(key.role_arn)
        if named is not None:
            return named
        return self._sessions.get(key.access_key, UNKNOWN)

    def note_assumed(self, caller: KeyInfo, response_body: bytes) -> None:
        """Remember that the session key in an AssumeRole answer was obtained by ``caller``'s function."""
        match = _ACCESS_KEY_ID.search(response_body)
        if match is None:
            return
        with self._lock:
            self._sessions[match.group(1).decode()] = self.function_of(caller)

    # --- judging -----------------------------------------------------------------------------

    def check(self, environ: Mapping[str, Any], body: bytes, key: KeyInfo, via: str | None = None) -> Checked:
        """Judge the WSGI request ``environ`` (whose ``body`` was read) signed with ``key``, log it,
        and build the service's AccessDenied answer when it is refused."""
        request = from_environ(environ, body, self._principal_for(key))
        judgement = self.judge(request)
        self._log(judgement, request.service, key, via)
        denied = judgement.denied
        refusal = access_denied(request, *denied) if denied is not None else None
        return Checked(request, key, judgement, refusal, via)

    def judge(self, request: WireRequest) -> Judgement:
        """IAM's decision on each authorization ``request`` needs."""
        needed = tuple(authorizations(request, self.lookups))
        if not needed:
            return Judgement((), ())
        policies = self._identity_policies(request.principal)
        if not policies and not self.enforce:
            return Judgement(needed, tuple(_ALLOW for _ in needed), enforced=False)
        owners: dict[str, PolicyDocument | None] = {}
        return Judgement(
            needed, tuple(self._decide(auth, request.principal, policies, owners) for auth in needed)
        )

    def _decide(
        self,
        auth: Authorization,
        principal: Principal,
        policies: Sequence[PolicyDocument],
        resource_policies: dict[str, PolicyDocument | None],
    ) -> Decision:
        owner = _policy_owner(auth.resource)
        resource_policy: PolicyDocument | None = None
        if owner is not None:
            if owner not in resource_policies:
                resource_policies[owner] = self._resource_policy(owner)
            resource_policy = resource_policies[owner]
        return self._evaluate(auth, principal, policies, resource_policy)

    def missing_object(self, checked: Checked) -> Answer | None:
        """S3's answer to an allowed GET/HEAD of a missing key: ``None`` (keep moto's 404) when the
        caller may ``s3:ListBucket`` the bucket, else 403 AccessDenied for that action."""
        request = checked.request
        bucket, _ = s3_location(request)
        read = next(auth for auth in checked.judgement.authorizations if auth.action in _OBJECT_READS)
        context = {name: value for name, value in read.context.items() if name != "s3:versionid"}
        auth = Authorization("s3:ListBucket", f"arn:aws:s3:::{bucket}", context)
        decision = self.judge_one(request, checked.key, auth, via=checked.via, because="NoSuchKey")
        return None if decision.allowed else access_denied(request, auth, decision)

    def judge_one(
        self,
        request: WireRequest,
        key: KeyInfo,
        auth: Authorization,
        *,
        via: str | None = None,
        because: str | None = None,
    ) -> Decision:
        """Judge and log one authorization beside a request's own: S3's missing-key rule, or a call
        to a service the world serves outside moto (Lambda's Invoke)."""
        policies = self._identity_policies(request.principal)
        if not policies and not self.enforce:
            judgement = Judgement((auth,), (_ALLOW,), enforced=False)
        else:
            judgement = Judgement((auth,), (self._decide(auth, request.principal, policies, {}),))
        self._log(judgement, request.service, key, via, because=because)
        return judgement.decisions[0]

    # --- the call log ------------------------------------------------------------------------

    def _log(
        self, judgement: Judgement, service: str, key: KeyInfo, via: str | None, because: str | None = None
    ) -> None:
        function = self.function_of(key)
        role = key.role_arn or key.principal_arn
        for auth, decision in zip(judgement.authorizations, judgement.decisions, strict=True):
            entry: dict[str, Any] = {
                "function": function,
                "role": role,
                "service": service,
                "action": auth.action,
                "resource": auth.resource,
                "allowed": decision.allowed,
            }
            if via is not None:
                entry["via"] = via
            if because is not None:
                entry["because"] = because
            if not judgement.enforced:
                entry["enforced"] = False
            self.calls.record(entry)
