"""The SSM Run Command emulator: documents, managed nodes, commands and their invocations.

State is kept per (account, region). Each API method takes the caller's account and region and
the request as parsed JSON, and returns the response as a dict shaped like the botocore model (moto
serialises it); errors are :mod:`localworld.ssm.errors`. Hosts run on a bounded thread pool: real
hosts execute the document with ``sh`` (:mod:`localworld.ssm.agent`), synthetic hosts publish a
planned timeline and upload a generated tar (:mod:`localworld.ssm.synthetic`).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from localworld.faults import Faults
from localworld.fleet import FleetSpec, HostSpec
from localworld.ssm.agent import HostRuntime, run_real_invocation
from localworld.ssm.clock import Clock, SystemClock
from localworld.ssm.docstore import DocumentStore, check_version
from localworld.ssm.documents import (
    MAX_DOCUMENT_BYTES,
    DocumentSpec,
    resolve_parameters,
)
from localworld.ssm.errors import (
    DuplicateInstanceId,
    InvalidCommandId,
    InvalidDocument,
    InvalidInstanceId,
    InvalidPluginName,
    InvocationDoesNotExist,
    MaxDocumentSizeExceeded,
    ValidationException,
)
from localworld.ssm.instances import describe_instances, page
from localworld.ssm.shapes import command_filters, filters_match, max_results, timestamp_of, validation_error
from localworld.ssm.state import (
    CommandRecord,
    InvocationRecord,
    InvocationView,
    PluginRecord,
    PluginView,
    command_view,
    invocation_view,
    iso,
)
from localworld.ssm.synthetic import (
    Putter,
    SyntheticHost,
    SyntheticPlan,
    http_put,
    plan_synthetic_invocation,
)
from localworld.ssm.timeline import Timeline

__all__ = ["EmulatorSettings", "SsmEmulator"]

INSTANCE_ID = re.compile(r"(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)")
DOCUMENT_REF = re.compile(r"^[a-zA-Z0-9_\-.:/]{3,128}$")
CONCURRENCY = re.compile(r"^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$")
ERRORS = re.compile(r"^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$")
MIN_TIMEOUT, MAX_TIMEOUT = 30, 2_592_000
MAX_INSTANCE_IDS = 50


EXPIRED_DATE = "X-Amz-Date=20000101T000000Z"
_AMZ_DATE = re.compile(r"X-Amz-Date=[0-9]{8}T[0-9]{6}Z")


def expired_parameters(parameters: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The parameters a host with the ``expire_urls`` fault sees: every presigned URL signed
    long ago, so the S3 gate answers 403 "Request has expired" (it checks expiry before the
    signature, as S3 does). Only that host is affected; the command keeps its real parameters."""
    return {
        name: [_AMZ_DATE.sub(EXPIRED_DATE, v) if v.startswith(("http://", "https://")) else v for v in values]
        for name, values in parameters.items()
    }


class EmulatorSettings(BaseModel):
    """Timing and behaviour knobs; durations are in emulated seconds (see the clock)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    consistency_window: float = Field(
        default=0.5, ge=0, description="After SendCommand, invocations stay invisible this long."
    )
    delivery_delay: float = Field(default=0.2, ge=0, description="Time until the agent picks a command up.")
    workers: int = Field(default=8, ge=1, le=256, description="Hosts executing at the same time.")
    upload_parameter: str = Field(default="uploadUrl", description="Where synthetic hosts find the PUT URL.")
    crash_step: str = Field(default="run", description="The step a crash_run_step fault kills.")
    default_timeout_seconds: int = Field(default=3600, ge=MIN_TIMEOUT, le=MAX_TIMEOUT)


class SsmEmulator:
    """Strict SSM Run Command for the local world (see the module docstring)."""

    def __init__(
        self,
        fleet: FleetSpec,
        faults: Faults | None,
        hosts_dir: Path,
        clock: Clock | None = None,
        *,
        settings: EmulatorSettings | None = None,
        cce_roots: Mapping[str, Path] | None = None,
        put: Putter = http_put,
    ) -> None:
        self.fleet = fleet
        self.faults = faults if faults is not None else Faults()
        self.hosts_dir = Path(hosts_dir)
        self.clock: Clock = clock or SystemClock()
        self.settings = settings or EmulatorSettings()
        self._cce_roots = dict(cce_roots or {})
        self._put = put
        self._lock = threading.RLock()
        self.documents = DocumentStore(self.clock)
        self._commands: dict[tuple[str, str], dict[str, CommandRecord]] = {}
        self._pool = ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="ssm-host")
        self._closed = False
        self._futures: list[Future[None]] = []
        self._timeline = Timeline(self.clock, self._submit)
        self._scoped: dict[tuple[str, str], list[HostSpec]] = {}
        for spec in fleet.hosts:
            if spec.ssm_managed:  # SSM knows nothing of an instance without its agent or role
                self._scoped.setdefault((spec.account_id, spec.region), []).append(spec)
        self._host_ids = {scope: {h.instance_id: h for h in hosts} for scope, hosts in self._scoped.items()}

    # Lifecycle ---------------------------------------------------------------------------

    def set_cce_root(self, instance_id: str, root: Path) -> None:
        """Point a real host's ``CCE_ROOT`` elsewhere than its default ``<hosts_dir>/<id>/root``."""
        with self._lock:
            self._cce_roots[instance_id] = Path(root)

    def sandbox(self, instance_id: str) -> Path:
        """The directory that stands in for the host's ``/`` (its default cwd)."""
        return self.hosts_dir / instance_id

    def close(self) -> None:
        """Cancel what still runs (process groups are killed) and stop the workers."""
        with self._lock:
            self._closed = True
            for commands in self._commands.values():
                for command in commands.values():
                    for invocation in command.invocations.values():
                        invocation.cancel.set()
        self._timeline.close()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every host that was handed a command is done with it (for tests and
        benchmarks); returns False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [f for f in self._futures if not f.done()]
                self._futures = pending
            _, not_done = wait(pending, timeout=max(0.0, deadline - time.monotonic()))
            if not_done:
                return False
            if self._timeline.pending() == 0 and not any(not f.done() for f in self._futures):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def _submit(self, function: Callable[..., None], *args: Any) -> None:
        future = self._pool.submit(function, *args)
        with self._lock:
            if len(self._futures) >= 4096:
                self._futures = [f for f in self._futures if not f.done()]
            self._futures.append(future)

    # Dispatch ----------------------------------------------------------------------------

    def handle(self, action: str, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Answer one API call (``action`` in CamelCase) for the caller's account and region."""
        method: Callable[[str, str, Mapping[str, Any]], dict[str, Any]] | None = getattr(
            self, "api_" + re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower(), None
        )
        if method is None:
            raise ValidationException(f"{action} is not emulated")
        return method(account_id, region, request)

    # Managed nodes -----------------------------------------------------------------------

    def _hosts(self, account_id: str, region: str) -> list[HostSpec]:
        return self._scoped.get((account_id, region), [])

    def _offline(self, host: HostSpec) -> bool:
        return host.ping_status == "ConnectionLost" or self.faults.host(host.instance_id).offline

    def _ping(self, host: HostSpec) -> str:
        return "ConnectionLost" if self._offline(host) else "Online"

    def api_describe_instance_information(
        self, account_id: str, region: str, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        selected, token = describe_instances(self._hosts(account_id, region), request, self._ping)
        now = self.clock.now()
        items = []
        for host in selected:
            ping = self._ping(host)
            items.append(
                {
                    "InstanceId": host.instance_id,
                    "PingStatus": ping,
                    "LastPingDateTime": timestamp_of(now if ping == "Online" else now - 3600),
                    "AgentVersion": host.agent_version,
                    "IsLatestVersion": False,
                    "PlatformType": host.platform_type,
                    "PlatformName": host.platform_name,
                    "PlatformVersion": host.platform_version,
                    "ResourceType": host.resource_type,
                    "IPAddress": host.private_ip,
                    "ComputerName": host.computer_name,
                    "SourceId": host.instance_id,
                    "SourceType": "AWS::EC2::Instance",
                }
            )
        response: dict[str, Any] = {"InstanceInformationList": items}
        if token:
            response["NextToken"] = token
        return response

    # Documents (see localworld.ssm.docstore) ----------------------------------------------

    def api_create_document(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        return self.documents.create(account_id, region, request)

    def api_describe_document(
        self, account_id: str, region: str, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self.documents.describe(account_id, region, request)

    def api_get_document(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        return self.documents.get(account_id, region, request)

    def api_modify_document_permission(
        self, account_id: str, region: str, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self.documents.modify_permission(account_id, region, request)

    def api_describe_document_permission(
        self, account_id: str, region: str, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self.documents.describe_permission(account_id, region, request)

    def api_delete_document(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        return self.documents.delete(account_id, region, request)

    def api_list_documents(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        return self.documents.list(account_id, region, request)

    # SendCommand -------------------------------------------------------------------------

    def _target_ids(self, account_id: str, region: str, request: Mapping[str, Any]) -> list[str]:
        ids = request.get("InstanceIds")
        targets = request.get("Targets")
        if ids and targets:
            raise ValidationException("InstanceIds and Targets cannot be specified together.")
        if targets:
            if len(targets) > 5:
                raise validation_error(targets, "targets", "have length less than or equal to 5")
            resolved: list[str] = []
            running = [h for h in self._hosts(account_id, region) if h.state == "running"]
            for target in targets:
                key, values = target.get("Key", ""), list(target.get("Values") or [])
                if len(values) > MAX_INSTANCE_IDS:
                    raise validation_error(
                        values, "targets.member.values", "have length less than or equal to 50"
                    )
                if key == "InstanceIds":
                    resolved += values
                elif key.startswith("tag:"):
                    resolved += [h.instance_id for h in running if h.all_tags.get(key[4:]) in values]
                elif key == "tag-key":
                    resolved += [h.instance_id for h in running if set(values) & set(h.all_tags)]
                else:
                    raise ValidationException(f"Target key {key} is not supported.")
            return list(dict.fromkeys(resolved))
        if not ids:
            raise ValidationException("You must specify either InstanceIds or Targets.")
        return list(ids)

    def _check_request_shape(self, request: Mapping[str, Any], ids: Sequence[str]) -> int:
        """The API model's constraints, checked before anything else (ValidationException)."""
        if len(ids) > MAX_INSTANCE_IDS:
            raise validation_error(ids, "instanceIds", "have length less than or equal to 50")
        for instance_id in ids:
            if not isinstance(instance_id, str) or not INSTANCE_ID.match(instance_id):
                raise validation_error(
                    instance_id,
                    "instanceIds",
                    r"satisfy regular expression pattern: (^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)",
                )
        name = request.get("DocumentName")
        if not isinstance(name, str) or not DOCUMENT_REF.match(name):
            raise validation_error(
                name, "documentName", r"satisfy regular expression pattern: ^[a-zA-Z0-9_\-.:/]{3,128}$"
            )
        timeout = request.get("TimeoutSeconds", self.settings.default_timeout_seconds)
        if not isinstance(timeout, int) or timeout < MIN_TIMEOUT:
            raise validation_error(
                timeout, "timeoutSeconds", f"have value greater than or equal to {MIN_TIMEOUT}"
            )
        if timeout > MAX_TIMEOUT:
            raise validation_error(
                timeout, "timeoutSeconds", f"have value less than or equal to {MAX_TIMEOUT}"
            )
        comment = request.get("Comment")
        if comment is not None and len(str(comment)) > 100:
            raise validation_error(comment, "comment", "have length less than or equal to 100")
        concurrency = request.get("MaxConcurrency")
        if concurrency is not None and not CONCURRENCY.match(str(concurrency)):
            raise validation_error(
                concurrency, "maxConcurrency", "satisfy regular expression pattern: N or N%"
            )
        max_errors = request.get("MaxErrors")
        if max_errors is not None and not ERRORS.match(str(max_errors)):
            raise validation_error(max_errors, "maxErrors", "satisfy regular expression pattern: N or N%")
        duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
        if duplicates:
            raise DuplicateInstanceId(f"Instance Id {duplicates[0]} is listed more than once.")
        return timeout

    def api_send_command(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        ids = self._target_ids(account_id, region, request)
        timeout = self._check_request_shape(request, ids)
        reference = str(request["DocumentName"])
        with self._lock:
            document = self.documents.find(account_id, region, reference)
        check_version(request.get("DocumentVersion"))
        given_hash = request.get("DocumentHash")
        if given_hash is not None and (
            request.get("DocumentHashType", "Sha256") != "Sha256" or given_hash != document.hash
        ):
            raise InvalidDocument("The document hash does not match the document.")
        parameters = resolve_parameters(document.spec, request.get("Parameters"))
        size = len(document.content.encode()) + sum(len(v.encode()) for vs in parameters.values() for v in vs)
        if size > MAX_DOCUMENT_BYTES:
            raise MaxDocumentSizeExceeded("The size limit of a document is 64 KB.")
        known = self._host_ids.get((account_id, region), {})
        invalid = [i for i in ids if i not in known or known[i].state == "terminated"]
        if invalid:
            raise InvalidInstanceId(
                f"Instances [[{', '.join(invalid)}]] not in a valid state for account {account_id}"
            )
        now = self.clock.now()
        execution = (
            int(parameters.get("executionTimeout", ["0"])[0]) if "executionTimeout" in parameters else 0
        )
        expires = now + timeout + execution
        command_id = str(uuid.uuid4())
        steps = tuple(s.name for s in document.spec.steps)
        command = CommandRecord(
            command_id=command_id,
            account_id=account_id,
            region=region,
            document_name=reference,
            document_version="1",
            comment=str(request.get("Comment", "")),
            parameters=parameters,
            instance_ids=[] if request.get("Targets") else list(ids),
            targets=list(request.get("Targets") or []),
            requested=now,
            expires_after=expires,
            timeout_seconds=timeout,
            max_concurrency=str(request.get("MaxConcurrency", "50")),
            max_errors=str(request.get("MaxErrors", "0")),
            multi_step=len(steps) > 1,
            step_names=steps,
            invocations={},
        )
        for instance_id in ids:
            host = known[instance_id]  # invocations keyed by node, whether named or targeted
            command.invocations[instance_id] = self._new_invocation(command, host, document.spec, now)
        with self._lock:
            if self._closed:
                raise ValidationException("The emulator is stopped.")
            self._commands.setdefault((account_id, region), {})[command_id] = command
        for instance_id in ids:
            self._dispatch(command, command.invocations[instance_id], known[instance_id], document.spec)
        with self._lock:
            return {"Command": self._command_dict(command, now)}

    def _new_invocation(
        self, command: CommandRecord, host: HostSpec, spec: DocumentSpec, now: float
    ) -> InvocationRecord:
        if host.state != "running":
            delivery = "undeliverable"
        elif host.platform_type not in spec.platform_types:
            delivery = "invalid_platform"
        elif self._offline(host):
            delivery = "offline"
        else:
            delivery = "run"
        invocation = InvocationRecord(
            command_id=command.command_id,
            instance_id=host.instance_id,
            instance_name=host.computer_name,
            requested=now,
            visible_at=now + self.settings.consistency_window,
            expires_after=command.expires_after,
            delivery=delivery,  # type: ignore[arg-type]
            plugins=[PluginRecord(name=s.name) for s in spec.steps],
        )
        at = self._delivery_time(invocation)
        if delivery == "undeliverable":
            invocation.finish(at, "Failed", "Undeliverable")
        elif delivery == "invalid_platform":
            invocation.finish(at, "Failed", "InvalidPlatform")
        return invocation

    def _dispatch(
        self, command: CommandRecord, invocation: InvocationRecord, host: HostSpec, spec: DocumentSpec
    ) -> None:
        if invocation.delivery != "run":
            return
        flags = self.faults.host(host.instance_id)
        parameters = expired_parameters(command.parameters) if flags.expire_urls else command.parameters
        if host.synthetic is not None:
            synthetic = SyntheticHost(
                instance_id=host.instance_id,
                account_id=host.account_id,
                region=host.region,
                hostname=host.computer_name,
                behaviour=host.synthetic,
                expire_urls=flags.expire_urls,
            )
            # Picked up at its delivery time; no worker waits for it meanwhile.
            self._timeline.at(
                self._delivery_time(invocation),
                self._run_synthetic,
                command,
                invocation,
                spec,
                synthetic,
                host,
            )
        else:
            with self._lock:
                cce_root = self._cce_roots.get(host.instance_id, self.sandbox(host.instance_id) / "root")
            runtime = HostRuntime(
                instance_id=host.instance_id,
                region=host.region,
                platform_type=host.platform_type,
                platform_name=host.platform_name,
                platform_version=host.platform_version,
                sandbox=self.sandbox(host.instance_id),
                cce_root=cce_root,
                crash_step=self.settings.crash_step if flags.crash_run_step else None,
            )
            self._submit(self._run_real, command, invocation, spec, runtime, host, parameters)

    def _delivery_time(self, invocation: InvocationRecord) -> float:
        """When the agent gets the command: never before the invocation is visible, so an
        invocation cannot be seen to end before it can be seen at all."""
        return max(invocation.requested + self.settings.delivery_delay, invocation.visible_at)

    def _wait_for_delivery(self, invocation: InvocationRecord, host: HostSpec) -> float | None:
        """Wait until the agent would pick the command up; None if it must not run (any more).

        A host that went offline in the meantime never picks it up (it ends DeliveryTimedOut).
        """
        start = self._delivery_time(invocation)
        while (now := self.clock.now()) < start:
            if invocation.cancel.is_set():
                return None
            self.clock.sleep(min(start - now, 0.05))
        with self._lock:
            if (
                invocation.finished_at is not None
                or invocation.cancel.is_set()
                or now >= invocation.expires_after
            ):
                return None
        if self._offline(host):
            with self._lock:
                invocation.delivery = "offline"
            return None
        return now

    def _run_real(
        self,
        command: CommandRecord,
        invocation: InvocationRecord,
        spec: DocumentSpec,
        host: HostRuntime,
        host_spec: HostSpec,
        parameters: Mapping[str, Sequence[str]],
    ) -> None:
        start = self._wait_for_delivery(invocation, host_spec)
        if start is None:
            return
        with self._lock:
            invocation.delivered_at = start
        host.sandbox.mkdir(parents=True, exist_ok=True)
        try:
            run_real_invocation(invocation, spec, parameters, host, self.clock, self._lock)
        except Exception as exc:  # the agent reports what broke instead of hanging the invocation
            with self._lock:
                for plugin in invocation.plugins:
                    if plugin.end is None:
                        plugin.start = plugin.start or self.clock.now()
                        plugin.status, plugin.details, plugin.response_code = "Failed", "Failed", 1
                        plugin.stderr = f"emulated agent error: {exc}"
                        plugin.end = self.clock.now()
                invocation.finish(self.clock.now(), "Failed", "Failed")

    def _run_synthetic(
        self,
        command: CommandRecord,
        invocation: InvocationRecord,
        spec: DocumentSpec,
        host: SyntheticHost,
        host_spec: HostSpec,
    ) -> None:
        start = self._wait_for_delivery(invocation, host_spec)
        if start is None:
            return
        plan = self._plan(command, spec, host, start, put=None)
        with self._lock:
            if invocation.finished_at is not None:
                return
            invocation.plugins = plan.plugins
            invocation.delivered_at = start
            if plan.upload is None:
                invocation.finish(plan.end, plan.status, plan.details)
                return
        self._timeline.at(
            plan.upload.at, self._upload_synthetic, command, invocation, spec, host, start, plan
        )

    def _plan(
        self,
        command: CommandRecord,
        spec: DocumentSpec,
        host: SyntheticHost,
        start: float,
        put: Putter | None,
    ) -> SyntheticPlan:
        """The host's timeline from ``start``; ``put=None`` leaves the upload for its time."""
        return plan_synthetic_invocation(
            command.command_id, spec, command.parameters, host, start, self.settings.upload_parameter, put
        )

    def _upload_synthetic(
        self,
        command: CommandRecord,
        invocation: InvocationRecord,
        spec: DocumentSpec,
        host: SyntheticHost,
        start: float,
        plan: SyntheticPlan,
    ) -> None:
        """The upload step of a synthetic host, at the time it starts: the PUT decides its outcome."""
        if plan.upload is None:
            return
        with self._lock:
            if invocation.finished_at is not None or invocation.cancel.is_set():
                return
        status = self._put(plan.upload.url, plan.upload.body)
        final = self._plan(command, spec, host, start, put=lambda _url, _body: status)
        with self._lock:
            if invocation.finished_at is not None:
                return
            invocation.plugins = final.plugins
            invocation.finish(final.end, final.status, final.details)

    # Reading commands --------------------------------------------------------------------

    def _command(self, account_id: str, region: str, command_id: object) -> CommandRecord:
        if not isinstance(command_id, str) or len(command_id) != 36:
            raise validation_error(command_id, "commandId", "have length equal to 36")
        command = self._commands.get((account_id, region), {}).get(command_id)
        if command is None:
            raise InvalidCommandId("Command ID is not valid.")
        return command

    def _command_dict(self, command: CommandRecord, now: float) -> dict[str, Any]:
        view = command_view(command, now)
        return {
            "CommandId": command.command_id,
            "DocumentName": command.document_name,
            "DocumentVersion": command.document_version,
            "Comment": command.comment,
            "ExpiresAfter": timestamp_of(command.expires_after),
            "Parameters": command.parameters,
            "InstanceIds": command.instance_ids,
            "Targets": command.targets,
            "RequestedDateTime": timestamp_of(command.requested),
            "Status": view.status,
            "StatusDetails": view.details,
            "OutputS3Region": command.region,
            "OutputS3BucketName": "",
            "OutputS3KeyPrefix": "",
            "MaxConcurrency": command.max_concurrency,
            "MaxErrors": command.max_errors,
            "TargetCount": view.target_count,
            "CompletedCount": view.completed,
            "ErrorCount": view.errors,
            "DeliveryTimedOutCount": view.delivery_timed_out,
            "ServiceRole": "",
            "NotificationConfig": {"NotificationArn": "", "NotificationEvents": [], "NotificationType": ""},
            "CloudWatchOutputConfig": {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False},
            "TimeoutSeconds": command.timeout_seconds,
            "TriggeredAlarms": [],
        }

    def api_list_commands(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        rules = command_filters(
            request, ("InvokedAfter", "InvokedBefore", "Status", "DocumentName", "ExecutionStage")
        )
        limit = max_results(request)
        now = self.clock.now()
        with self._lock:
            if request.get("CommandId"):
                commands = [self._command(account_id, region, request["CommandId"])]
            else:
                commands = sorted(
                    self._commands.get((account_id, region), {}).values(),
                    key=lambda c: c.requested,
                    reverse=True,
                )
            instance_id = request.get("InstanceId")
            if instance_id:
                commands = [c for c in commands if instance_id in c.invocations]
            items = []
            for command in commands:
                view = command_view(command, now)
                if filters_match(
                    rules,
                    command.requested,
                    view.status,
                    view.details,
                    command.document_name,
                    view.completed == view.target_count,
                ):
                    items.append(self._command_dict(command, now))
        scope = json.dumps([request.get("CommandId"), instance_id, rules, limit])
        chunk, token = page(items, limit, request.get("NextToken"), scope)
        return {"Commands": chunk, **({"NextToken": token} if token else {})}

    def _plugin_dict(self, plugin: PluginView, region: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            "Name": plugin.name,
            "Status": plugin.status,
            "StatusDetails": plugin.details,
            "ResponseCode": plugin.response_code,
            "Output": plugin.output,
            "StandardOutputUrl": "",
            "StandardErrorUrl": "",
            "OutputS3Region": region,
            "OutputS3BucketName": "",
            "OutputS3KeyPrefix": "",
        }
        if plugin.start is not None:
            item["ResponseStartDateTime"] = timestamp_of(plugin.start)
        if plugin.end is not None:
            item["ResponseFinishDateTime"] = timestamp_of(plugin.end)
        return item

    def _invocation_dict(self, command: CommandRecord, view: InvocationView, details: bool) -> dict[str, Any]:
        record = view.record
        return {
            "CommandId": command.command_id,
            "InstanceId": record.instance_id,
            "InstanceName": record.instance_name,
            "Comment": command.comment,
            "DocumentName": command.document_name,
            "DocumentVersion": command.document_version,
            "RequestedDateTime": timestamp_of(record.requested),
            "Status": view.status,
            "StatusDetails": view.details,
            "TraceOutput": "",
            "StandardOutputUrl": "",
            "StandardErrorUrl": "",
            "CommandPlugins": [self._plugin_dict(p, command.region) for p in view.plugins] if details else [],
            "ServiceRole": "",
            "NotificationConfig": {"NotificationArn": "", "NotificationEvents": [], "NotificationType": ""},
            "CloudWatchOutputConfig": {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False},
        }

    def api_list_command_invocations(
        self, account_id: str, region: str, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        rules = command_filters(
            request, ("InvokedAfter", "InvokedBefore", "Status", "DocumentName", "ExecutionStage")
        )
        limit = max_results(request)
        details = bool(request.get("Details", False))
        instance_id = request.get("InstanceId")
        now = self.clock.now()
        with self._lock:
            if request.get("CommandId"):
                commands = [self._command(account_id, region, request["CommandId"])]
            else:
                commands = sorted(
                    self._commands.get((account_id, region), {}).values(),
                    key=lambda c: c.requested,
                    reverse=True,
                )
            items = []
            for command in commands:
                for record in command.invocations.values():
                    if now < record.visible_at or (instance_id and record.instance_id != instance_id):
                        continue
                    view = invocation_view(record, now)
                    if filters_match(
                        rules,
                        record.requested,
                        view.status,
                        view.details,
                        command.document_name,
                        view.terminal,
                    ):
                        items.append(self._invocation_dict(command, view, details))
        scope = json.dumps([request.get("CommandId"), instance_id, rules, limit, details])
        chunk, token = page(items, limit, request.get("NextToken"), scope)
        return {"CommandInvocations": chunk, **({"NextToken": token} if token else {})}

    def api_get_command_invocation(
        self, account_id: str, region: str, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        now = self.clock.now()
        instance_id = request.get("InstanceId")
        plugin_name = request.get("PluginName")
        with self._lock:
            command = self._command(account_id, region, request.get("CommandId"))
            record = command.invocations.get(str(instance_id))
            if record is None or now < record.visible_at:
                raise InvocationDoesNotExist("An error occurred (InvocationDoesNotExist)")
            if plugin_name is None and command.multi_step:
                raise InvalidPluginName(
                    "The document has more than one step: specify the name of the step in PluginName."
                )
            if plugin_name is not None and plugin_name not in command.step_names:
                raise InvalidPluginName(f"Plugin {plugin_name} is not a step of the document.")
            name = plugin_name or command.step_names[0]
            view = invocation_view(record, now)
        plugin = next((p for p in view.plugins if p.name == name), None)
        status, details = view.status, view.details
        code, stdout, stderr, start, end = -1, "", "", None, None
        if plugin is not None:
            if plugin_name is not None:
                status, details = plugin.status, plugin.details
            code, stdout, stderr, start, end = (
                plugin.response_code,
                plugin.stdout,
                plugin.stderr,
                plugin.start,
                plugin.end,
            )
        return {
            "CommandId": command.command_id,
            "InstanceId": record.instance_id,
            "Comment": command.comment,
            "DocumentName": command.document_name,
            "DocumentVersion": command.document_version,
            "PluginName": name,
            "ResponseCode": code,
            "ExecutionStartDateTime": iso(start) if start is not None else "",
            "ExecutionElapsedTime": f"PT{(end - start):.3f}S"
            if start is not None and end is not None
            else "",
            "ExecutionEndDateTime": iso(end) if end is not None else "",
            "Status": status,
            "StatusDetails": details,
            "StandardOutputContent": stdout,
            "StandardOutputUrl": "",
            "StandardErrorContent": stderr,
            "StandardErrorUrl": "",
            "CloudWatchOutputConfig": {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False},
        }

    def api_cancel_command(self, account_id: str, region: str, request: Mapping[str, Any]) -> dict[str, Any]:
        ids = list(request.get("InstanceIds") or [])
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise DuplicateInstanceId(f"Instance Id {duplicates[0]} is listed more than once.")
        now = self.clock.now()
        with self._lock:
            command = self._command(account_id, region, request.get("CommandId"))
            unknown = [i for i in ids if i not in command.invocations]
            if unknown:
                raise InvalidInstanceId(f"Instance Id {unknown[0]} is not part of the command.")
            command.cancel_requested = True
            for instance_id in ids or list(command.invocations):
                record = command.invocations[instance_id]
                if invocation_view(record, now).terminal:
                    continue
                record.cancel.set()
                spec = self._host_ids.get((account_id, region), {}).get(instance_id)
                running_real = (
                    record.delivery == "run"
                    and record.delivered_at is not None
                    and record.finished_at is None
                    and spec is not None
                    and spec.synthetic is None
                )
                if running_real:
                    continue  # the worker kills the process group and reports Cancelled
                for plugin in record.plugins:
                    if plugin.end is None or plugin.end > now:
                        plugin.status = plugin.details = "Cancelled"
                        plugin.response_code = 137 if plugin.start is not None and plugin.start <= now else -1
                        plugin.start = min(plugin.start, now) if plugin.start is not None else now
                        plugin.end = now
                record.finish(now, "Cancelled", "Cancelled")
        return {}
