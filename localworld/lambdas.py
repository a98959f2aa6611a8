"""Lambda, locally: the Invoke API on 127.0.0.1 and SQS event-source mappings, running handlers here.

cce-scan's Lambda entries (``bot.handler.handler``, ``scanner.entries.worker.handler``, …) run
unchanged: boto3's Lambda client reaches :class:`LocalLambda` through ``AWS_ENDPOINT_URL_LAMBDA``
(how Bolt's lazy listeners re-invoke the bot), and SQS messages reach handlers as the event a real
event-source mapping builds, with ``ReportBatchItemFailures`` honoured. Handlers run in this
process, each invocation on a worker thread, with a context object shaped like Lambda's.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

__all__ = ["FunctionSpec", "Invocation", "LambdaContext", "LocalLambda"]

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class FunctionSpec:
    """A function: its name and the handler it runs (``module.attribute``)."""

    name: str
    handler: str
    timeout_s: float = 900.0
    memory_mb: int = 512


@dataclass
class LambdaContext:
    """The attributes of Lambda's Python context object that handlers and libraries read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    deadline: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass
class Invocation:
    """One finished invocation, kept so tests and the demo can see what ran and how it ended."""

    function: str
    kind: str
    payload: Any
    result: Any = None
    error: str | None = None
    started: float = 0.0
    ended: float = 0.0


@dataclass
class _SqsMapping:
    function: str
    queue_url: str
    queue_arn: str
    client: Any
    batch_size: int
    wait_seconds: int
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class LocalLambda:
    """Runs the given functions on demand (Invoke API) and from SQS queues (event-source mappings)."""

    def __init__(
        self,
        functions: Iterable[FunctionSpec],
        *,
        account_id: str,
        region: str,
        max_workers: int = 8,
    ) -> None:
        self.functions = {spec.name: spec for spec in functions}
        self.account_id = account_id
        self.region = region
        self.invocations: list[Invocation] = []
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="lambda")
        self._pending: set[Future[Any]] = set()
        self._busy = 0
        self._mappings: list[_SqsMapping] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle

    def start(self) -> LocalLambda:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="lambda-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        for mapping in self._mappings:
            mapping.stop.set()
        for mapping in self._mappings:
            if mapping.thread is not None:
                mapping.thread.join(timeout=mapping.wait_seconds + 5)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._server = self._thread = None

    def __enter__(self) -> LocalLambda:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        """The value for ``AWS_ENDPOINT_URL_LAMBDA``."""
        if self._server is None:
            raise RuntimeError("the local Lambda service is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    def arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"

    # Invoking

    def invoke(self, name: str, payload: Any) -> Any:
        """A synchronous (RequestResponse) invocation; the handler's exception propagates."""
        record = self._run(name, payload, "RequestResponse")
        if record.error is not None:
            raise RuntimeError(f"{name} failed: {record.error}")
        return record.result

    def invoke_async(self, name: str, payload: Any) -> None:
        """An ``Event`` invocation: queued, run on a worker thread."""
        self._submit(lambda: self._run(name, payload, "Event"))

    def settle(self, timeout: float = 60.0, idle: float = 0.3) -> None:
        """Wait until no invocation is running and the mapped queues look empty for ``idle`` seconds."""
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            with self._lock:
                busy = self._busy > 0 or any(not future.done() for future in self._pending)
            if not busy and not self._queues_have_messages():
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= idle:
                    return
            else:
                quiet_since = None
            time.sleep(0.05)
        raise TimeoutError(f"local Lambda did not settle within {timeout} s")

    def failures(self) -> list[Invocation]:
        with self._lock:
            return [record for record in self.invocations if record.error is not None]

    def _submit(self, work: Callable[[], Any]) -> None:
        future = self._pool.submit(work)
        with self._lock:
            self._pending = {f for f in self._pending if not f.done()}
            self._pending.add(future)

    def _handler(self, name: str) -> tuple[FunctionSpec, Handler]:
        spec = self.functions.get(name)
        if spec is None:
            raise LookupError(name)
        with self._lock:
            handler = self._handlers.get(name)
            if handler is None:
                module_name, _, attribute = spec.handler.rpartition(".")
                handler = getattr(importlib.import_module(module_name), attribute)
                self._handlers[name] = handler
        return spec, handler

    def _run(self, name: str, payload: Any, kind: str) -> Invocation:
        spec, handler = self._handler(name)
        context = LambdaContext(
            function_name=name,
            invoked_function_arn=self.arn(name),
            memory_limit_in_mb=spec.memory_mb,
            aws_request_id=str(uuid.uuid4()),
            deadline=time.monotonic() + spec.timeout_s,
            log_group_name=f"/aws/lambda/{name}",
        )
        record = Invocation(function=name, kind=kind, payload=payload, started=time.monotonic())
        try:
            record.result = handler(payload, context)
        except Exception as exc:  # a handler's crash is Lambda's "Unhandled" function error
            record.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
        record.ended = time.monotonic()
        with self._lock:
            self.invocations.append(record)
        return record

    # The Invoke API over HTTP

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._invoke_http(request)
        return response(environ, start_response)

    def _invoke_http(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if (
            request.method != "POST"
            or len(parts) != 4
            or parts[0] != "2015-03-31"
            or parts[3] != "invocations"
        ):
            return _error(
                404, "UnknownOperationException", f"unknown operation {request.method} {request.path}"
            )
        name = _function_name(unquote(parts[2]))
        if name not in self.functions:
            return _error(404, "ResourceNotFoundException", f"Function not found: {self.arn(name)}")
        kind = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        try:
            payload = json.loads(request.get_data() or b"{}")
        except json.JSONDecodeError:
            return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
        if kind == "DryRun":
            return Response(status=204)
        if kind == "Event":
            self.invoke_async(name, payload)
            return Response(status=202)
        record = self._run(name, payload, kind)
        if record.error is not None:
            body = {"errorMessage": record.error.splitlines()[0], "errorType": "Unhandled"}
            return Response(json.dumps(body), status=200, headers={"X-Amz-Function-Error": "Unhandled"})
        return Response(json.dumps(record.result), status=200, mimetype="application/json")

    # SQS event-source mappings

    def map_sqs(
        self, function: str, queue_url: str, client: Any, batch_size: int = 10, wait_seconds: int = 1
    ) -> None:
        """Deliver messages of ``queue_url`` to ``function`` as an event-source mapping does."""
        arn = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        mapping = _SqsMapping(function, queue_url, arn, client, batch_size, wait_seconds)
        mapping.thread = threading.Thread(
            target=self._poll, args=(mapping,), name=f"sqs-{function}", daemon=True
        )
        self._mappings.append(mapping)
        mapping.thread.start()

    def _queues_have_messages(self) -> bool:
        counts = (
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        )
        for mapping in self._mappings:
            attributes = mapping.client.get_queue_attributes(
                QueueUrl=mapping.queue_url, AttributeNames=list(counts)
            )["Attributes"]
            if any(int(attributes.get(name, "0")) for name in counts):
                return True
        return False

    def _poll(self, mapping: _SqsMapping) -> None:
        while not mapping.stop.is_set():
            try:
                received = mapping.client.receive_message(
                    QueueUrl=mapping.queue_url,
                    MaxNumberOfMessages=mapping.batch_size,
                    WaitTimeSeconds=mapping.wait_seconds,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
            except Exception:  # the server went away while stopping, or a fault was injected
                if mapping.stop.wait(0.2):
                    return
                continue
            messages = received.get("Messages", [])
            if messages:
                self._deliver(mapping, messages)

    def _deliver(self, mapping: _SqsMapping, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [self._record(mapping, message) for message in messages]}
        with self._lock:
            self._busy += 1
        try:
            record = self._run(mapping.function, event, "SQS")
        finally:
            with self._lock:
                self._busy -= 1
        if record.error is not None:
            return  # the whole batch becomes visible again after the visibility timeout
        failed = set()
        if isinstance(record.result, dict):
            failed = {item.get("itemIdentifier") for item in record.result.get("batchItemFailures", [])}
        entries = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(messages)
            if message["MessageId"] not in failed
        ]
        if entries:
            mapping.client.delete_message_batch(QueueUrl=mapping.queue_url, Entries=entries)

    def _record(self, mapping: _SqsMapping, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                key: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value["DataType"],
                }
                for key, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": mapping.queue_arn,
            "awsRegion": self.region,
        }


def _function_name(name_or_arn: str) -> str:
    """``name``, ``name:qualifier`` or a function ARN with an optional qualifier → the name."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn.split(":")[0]


def _error(status: int, kind: str, message: str) -> Response:
    return Response(
        json.dumps({"Type": "User", "message": message}),
        status=status,
        headers={"x-amzn-ErrorType": kind},
        mimetype="application/json",
    )
