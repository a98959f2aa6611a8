"""Lambda, locally: the Invoke API on 127.0.0.1, SQS event-source mappings, and each function in
execution environments of its own.

Every execution environment is a process of its own, as on Lambda: ``python -m awslambdaric
<handler>`` (AWS's runtime interface client, the one Lambda's container images run) with the
function's environment variables and its own role's credentials, speaking the Lambda Runtime API
(``/2018-06-01/runtime/invocation/next``, ``…/response``, ``…/error``, ``/runtime/init/error``)
to a server here. So two functions never share a client, a cache or credentials, and a module
cache lives exactly as long as an environment.

- An environment takes one invocation at a time. An invocation waits for an idle environment of
  its function; a new one is started (a cold start: the handler module is imported again) while
  the function has fewer than ``max_concurrency``.
- A handler that runs past the function's timeout is stopped with its environment ("Task timed
  out after N seconds"); an environment whose process dies fails the invocation it held.
- boto3 reaches :class:`LocalLambda` through ``AWS_ENDPOINT_URL_LAMBDA`` (how Bolt's lazy
  listeners re-invoke the bot); every Invoke is authorized by the ``authorize`` hook when one is
  given (the world's IAM), and refused with Lambda's 403 ``AccessDeniedException``.
- SQS messages reach handlers as the event a real event-source mapping builds, with
  ``ReportBatchItemFailures`` honoured; a failed asynchronous invocation is tried twice more.

What the functions print goes to ``<log_dir>/<function>.log``.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

__all__ = ["EnvironmentUsage", "FunctionSpec", "Invocation", "LocalLambda"]

RUNTIME_API = "/2018-06-01/runtime"
# How long an idle environment's /next waits before it looks at the stop flag again.
_NEXT_POLL_SECONDS = 0.5

# The hook that authorizes an Invoke: (request headers, function ARN) → None when allowed, else
# the AccessDenied message.
Authorize = Callable[[Mapping[str, str], str], str | None]
# Environment variables with the role credentials of a new execution environment of a function.
CredentialsFor = Callable[["FunctionSpec"], Mapping[str, str]]


@dataclass(frozen=True)
class FunctionSpec:
    """A function: its name, handler (``module.attribute``), limits and environment variables."""

    name: str
    handler: str
    timeout_s: float = 900.0
    memory_mb: int = 512
    environment: Mapping[str, str] = field(default_factory=dict)
    max_concurrency: int = 4


@dataclass(frozen=True)
class EnvironmentUsage:
    """A function's live execution environments, measured (:meth:`LocalLambda.usage`)."""

    environments: int
    peak_rss_mb: float  # the largest VmHWM of one environment's process
    cpu_seconds: float  # user and system time of them all


def _process_usage(pid: int) -> tuple[float, float] | None:
    """(peak RSS in MB, CPU seconds) of a live process, from ``/proc``; None if it cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return None
    peak_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    ticks = os.sysconf("SC_CLK_TCK")
    # After the command name: state is field 3, utime and stime fields 14 and 15 (proc(5)).
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    return peak_kb / 1024, cpu


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
class _Pending:
    """An invocation on its way through an execution environment."""

    request_id: str
    function: FunctionSpec
    payload: bytes
    deadline: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)
    response: bytes | None = None
    error: str | None = None

    def finish(self, *, response: bytes | None = None, error: str | None = None) -> None:
        if self.done.is_set():
            return
        self.response, self.error = response, error
        self.done.set()


class _Environment:
    """One execution environment: a runtime-interface-client process and its Runtime API server."""

    def __init__(self, owner: LocalLambda, spec: FunctionSpec, work: queue.Queue[_Pending]) -> None:
        self.owner = owner
        self.spec = spec
        self.work = work
        self.current: _Pending | None = None
        self.initialized = False
        self.stopping = threading.Event()
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"runtime-api-{spec.name}", daemon=True
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.started = time.monotonic()

    def start(self, environment: Mapping[str, str], log: IO[bytes]) -> None:
        self._thread.start()
        env = {**environment, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{self._server.server_port}"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", self.spec.handler],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def idle(self) -> bool:
        return self.initialized and self.current is None and not self.stopping.is_set()

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self) -> None:
        self.stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # The Runtime API

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        return self._answer(request)(environ, start_response)

    def _answer(self, request: Request) -> Response:
        path = request.path
        if request.method == "GET" and path == f"{RUNTIME_API}/invocation/next":
            return self._next()
        if request.method == "POST" and path == f"{RUNTIME_API}/init/error":
            self.owner.init_failed(self, _error_text(request.get_data()))
            return Response(status=202)
        parts = path.removeprefix(f"{RUNTIME_API}/invocation/").split("/")
        if request.method == "POST" and len(parts) == 2 and parts[1] in ("response", "error"):
            pending = self.current
            if pending is None or pending.request_id != parts[0]:
                return _runtime_error(400, "InvalidRequestID", f"no invocation {parts[0]} in progress")
            self.current = None
            if parts[1] == "response":
                pending.finish(response=request.get_data())
            else:
                pending.finish(error=_error_text(request.get_data()))
            return Response(status=202)
        return _runtime_error(404, "UnknownOperation", f"{request.method} {path}")

    def _next(self) -> Response:
        self.initialized = True
        self.owner.wake()
        while not self.stopping.is_set():
            try:
                pending = self.work.get(timeout=_NEXT_POLL_SECONDS)
            except queue.Empty:
                continue
            if self.stopping.is_set():
                self.work.put(pending)
                break
            pending.deadline = time.monotonic() + self.spec.timeout_s
            self.current = pending
            deadline_ms = int((time.time() + self.spec.timeout_s) * 1000)
            return Response(
                pending.payload,
                status=200,
                mimetype="application/json",
                headers={
                    "Lambda-Runtime-Aws-Request-Id": pending.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": self.owner.arn(self.spec.name),
                    "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
                },
            )
        return _runtime_error(500, "ServiceStopping", "the local Lambda service is stopping")


class LocalLambda:
    """Runs the given functions on demand (Invoke API) and from SQS queues (event-source mappings)."""

    def __init__(
        self,
        functions: Iterable[FunctionSpec],
        *,
        account_id: str,
        region: str,
        credentials: CredentialsFor | None = None,
        authorize: Authorize | None = None,
        log_dir: Path | None = None,
        max_workers: int = 8,
        async_retry_delays: tuple[float, ...] = (60.0, 120.0),
    ) -> None:
        self.functions = {spec.name: spec for spec in functions}
        self._async_retry_delays = async_retry_delays
        self._crashes: dict[str, int] = {}
        # Told of every injected crash as it happens (``cce-scan local --faults`` prints them).
        self.on_fire: Callable[[str], None] | None = None
        self.account_id = account_id
        self.region = region
        self.invocations: list[Invocation] = []
        self._credentials = credentials
        self._authorize = authorize
        self._log_dir = log_dir
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._work: dict[str, queue.Queue[_Pending]] = {name: queue.Queue() for name in self.functions}
        self._environments: dict[str, list[_Environment]] = {name: [] for name in self.functions}
        self._logs: dict[str, IO[bytes]] = {}
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="lambda")
        self._pending: set[Future[Any]] = set()
        self._busy = 0
        self._mappings: list[_SqsMapping] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._monitor: threading.Thread | None = None
        self._stopped = threading.Event()

    # Lifecycle

    def start(self) -> LocalLambda:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="lambda-api", daemon=True)
        self._thread.start()
        self._monitor = threading.Thread(target=self._watch, name="lambda-monitor", daemon=True)
        self._monitor.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        for mapping in self._mappings:
            mapping.stop.set()
        for mapping in self._mappings:
            for thread in mapping.threads:
                thread.join(timeout=mapping.wait_seconds + mapping.window_seconds + 5)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            self._wakeup.notify_all()
            environments = [env for envs in self._environments.values() for env in envs]
            for envs in self._environments.values():
                envs.clear()
        for env in environments:
            env.stop()
            if env.current is not None:
                env.current.finish(error="the local Lambda service stopped")
        for work in self._work.values():
            while not work.empty():
                work.get_nowait().finish(error="the local Lambda service stopped")
        if self._monitor is not None:
            self._monitor.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        for log in self._logs.values():
            log.close()
        self._server = self._thread = self._monitor = None

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

    def log_path(self, name: str) -> Path | None:
        """Where function ``name``'s environments write what they print (None: nowhere)."""
        return self._log_dir / f"{name}.log" if self._log_dir is not None else None

    def usage(self) -> dict[str, EnvironmentUsage]:
        """What each function's live execution environments have used so far, from ``/proc``: the
        largest peak resident set of one environment (a function's memory setting bounds each
        environment on its own) and the CPU seconds of them all. Environments already gone (stopped
        past their timeout, crashed) are not counted; empty where ``/proc`` is not there."""
        with self._lock:
            processes = {
                name: [
                    env.process.pid for env in environments if env.process is not None and not env.exited()
                ]
                for name, environments in self._environments.items()
            }
        found = {}
        for name, pids in processes.items():
            measured = [m for m in (_process_usage(pid) for pid in pids) if m is not None]
            if measured:
                found[name] = EnvironmentUsage(
                    environments=len(measured),
                    peak_rss_mb=max(rss for rss, _ in measured),
                    cpu_seconds=sum(cpu for _, cpu in measured),
                )
        return found

    def warm(self, *names: str) -> None:
        """Start one execution environment of each named function now (as provisioned concurrency
        would), so the first invocation does not wait for a cold start."""
        with self._lock:
            for name in names or tuple(self.functions):
                if not self._environments[name]:
                    self._spawn(self.functions[name])

    # Invoking

    def invoke(self, name: str, payload: Any) -> Any:
        """A synchronous (RequestResponse) invocation; the handler's exception propagates."""
        record = self._run(name, payload, "RequestResponse")
        if record.error is not None:
            raise RuntimeError(f"{name} failed: {record.error}")
        return record.result

    def invoke_async(self, name: str, payload: Any) -> None:
        """An ``Event`` invocation: queued, run on a worker thread; a failed one is tried again after
        each of ``async_retry_delays`` (Lambda: twice, about one and two minutes later), then given
        up (on AWS it then goes to the function's on-failure destination)."""

        def run() -> None:
            for delay in (0.0, *self._async_retry_delays):
                if delay and self._stopped.wait(delay):
                    return
                if self._run(name, payload, "Event").error is None:
                    return

        self._submit(run)

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

    def crash_after_next(self, name: str, times: int = 1) -> None:
        """The next ``times`` invocations of ``name`` run to the end, then their runtime dies before
        Lambda hears the result: the side effects are done, the invocation fails (an SQS batch is
        not deleted and comes back; an asynchronous event is tried again)."""
        with self._lock:
            self._crashes[name] = self._crashes.get(name, 0) + times

    def _crash_now(self, name: str) -> bool:
        with self._lock:
            left = self._crashes.get(name, 0)
            if left <= 0:
                return False
            self._crashes[name] = left - 1
        listener = self.on_fire
        if listener is not None:
            listener(f"crash of {name} after its handler returned")
        return True

    def failures(self) -> list[Invocation]:
        with self._lock:
            return [record for record in self.invocations if record.error is not None]

    def _submit(self, work: Callable[[], Any]) -> None:
        future = self._pool.submit(work)
        with self._lock:
            self._pending = {f for f in self._pending if not f.done()}
            self._pending.add(future)

    def _run(self, name: str, payload: Any, kind: str) -> Invocation:
        spec = self.functions.get(name)
        if spec is None:
            raise LookupError(name)
        record = Invocation(function=name, kind=kind, payload=payload, started=time.monotonic())
        pending = _Pending(str(uuid.uuid4()), spec, json.dumps(payload).encode())
        with self._lock:
            self._busy += 1
        try:
            self._enqueue(pending)
            pending.done.wait()
        finally:
            with self._lock:
                self._busy -= 1
        if pending.error is not None:
            record.error = pending.error
        elif self._crash_now(name):
            record.error = "Runtime.ExitError: the runtime died after the handler returned (injected)"
        else:
            try:
                record.result = json.loads(pending.response or b"null")
            except json.JSONDecodeError:
                record.error = "Runtime.InvalidResponse: the handler's response is not JSON"
        record.ended = time.monotonic()
        with self._lock:
            self.invocations.append(record)
        return record

    # Execution environments

    def _enqueue(self, pending: _Pending) -> None:
        if self._stopped.is_set():
            pending.finish(error="the local Lambda service stopped")
            return
        with self._lock:
            self._work[pending.function.name].put(pending)
            self._scale(pending.function)

    def _scale(self, spec: FunctionSpec) -> None:
        """Start an environment when the function's queue has more work than idle or starting ones."""
        environments = self._environments[spec.name]
        ready = sum(1 for env in environments if env.idle or not env.initialized)
        if self._work[spec.name].qsize() > ready and len(environments) < spec.max_concurrency:
            self._spawn(spec)

    def _spawn(self, spec: FunctionSpec) -> None:
        env = _Environment(self, spec, self._work[spec.name])
        variables = {
            **_base_environment(),
            **spec.environment,
            **(self._credentials(spec) if self._credentials is not None else {}),
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{uuid.uuid4().hex}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            # The Lambda service the function's own calls reach (Bolt's lazy listeners invoke it).
            "AWS_ENDPOINT_URL_LAMBDA": self.endpoint_url,
        }
        env.start(variables, self._log(spec.name))
        self._environments[spec.name].append(env)

    def _log(self, name: str) -> IO[bytes]:
        log = self._logs.get(name)
        if log is None:
            path = self.log_path(name) or Path(os.devnull)
            if self._log_dir is not None:
                self._log_dir.mkdir(parents=True, exist_ok=True)
            log = self._logs[name] = path.open("ab", buffering=0)
        return log

    def wake(self) -> None:
        with self._lock:
            self._wakeup.notify_all()

    def init_failed(self, env: _Environment, error: str) -> None:
        """An environment's init failed: Lambda answers the invocation waiting for it with that error."""
        env.stopping.set()
        try:
            pending = env.work.get_nowait()
        except queue.Empty:
            return
        pending.finish(error=f"Runtime.InitError: {error}")

    def _watch(self) -> None:
        """Stop handlers past their timeout and forget environments whose process has died."""
        while not self._stopped.is_set():
            with self._lock:
                self._wakeup.wait(timeout=0.2)
                now = time.monotonic()
                finished: list[_Environment] = []
                for name, environments in self._environments.items():
                    for env in list(environments):
                        pending = env.current
                        if pending is not None and now > pending.deadline:
                            pending.finish(error=f"Task timed out after {env.spec.timeout_s:.2f} seconds")
                            env.current = None
                            environments.remove(env)
                            finished.append(env)
                        elif env.exited() or (env.stopping.is_set() and env.current is None):
                            if pending is not None:
                                code = env.process.returncode if env.process is not None else None
                                pending.finish(
                                    error=f"Runtime.ExitError: the runtime exited with status {code}"
                                )
                                env.current = None
                            environments.remove(env)
                            finished.append(env)
                    self._scale(self.functions[name])
            for env in finished:
                env.stop()

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
        name_or_arn = unquote(parts[2])
        name = _function_name(name_or_arn)
        if name not in self.functions:
            return _error(404, "ResourceNotFoundException", f"Function not found: {self.arn(name)}")
        if self._authorize is not None:
            parts = name_or_arn.split(":")
            qualifier = parts[7] if name_or_arn.startswith("arn:") and len(parts) > 7 else ""
            if not name_or_arn.startswith("arn:") and len(parts) > 1:
                qualifier = parts[1]
            qualifier = qualifier or request.args.get("Qualifier", "")
            resource = self.arn(name) + (f":{qualifier}" if qualifier else "")
            denied = self._authorize(dict(request.headers.items()), resource)
            if denied is not None:
                return _error(403, "AccessDeniedException", denied)
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
        self,
        function: str,
        queue_url: str,
        client: Any,
        batch_size: int = 10,
        window_seconds: float = 0.0,
        concurrency: int = 1,
        wait_seconds: int = 1,
    ) -> None:
        """Deliver messages of ``queue_url`` to ``function`` as an event-source mapping does: up to
        ``batch_size`` messages an invocation, gathered for up to ``window_seconds`` from the first
        one (Lambda's ``MaximumBatchingWindowInSeconds``; with none, what one poll returns goes at
        once), by ``concurrency`` pollers that each deliver one batch at a time (the mapping's
        ``ScalingConfig.MaximumConcurrency``). Polls are long polls of ``wait_seconds``."""
        if not 1 <= batch_size <= 10_000:
            raise ValueError(f"BatchSize {batch_size} is outside 1..10000")
        if not 0 <= window_seconds <= 300:
            raise ValueError(f"MaximumBatchingWindowInSeconds {window_seconds} is outside 0..300")
        if batch_size > 10 and window_seconds < 1:
            # Lambda's own rule for standard queues (CreateEventSourceMapping refuses it).
            raise ValueError("a BatchSize above 10 needs a MaximumBatchingWindowInSeconds of at least 1")
        arn = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        mapping = _SqsMapping(function, queue_url, arn, client, batch_size, wait_seconds, window_seconds)
        mapping.threads = [
            threading.Thread(target=self._poll, args=(mapping,), name=f"sqs-{function}-{n}", daemon=True)
            for n in range(concurrency)
        ]
        self._mappings.append(mapping)
        for thread in mapping.threads:
            thread.start()

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

    def _receive(self, mapping: _SqsMapping, most: int, wait_seconds: int) -> list[dict[str, Any]] | None:
        """One ReceiveMessage of at most ``most`` (SQS's limit is 10); None when it failed."""
        try:
            received = mapping.client.receive_message(
                QueueUrl=mapping.queue_url,
                MaxNumberOfMessages=min(10, most),
                WaitTimeSeconds=wait_seconds,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        except Exception:  # the server went away while stopping, or a fault was injected
            return None
        messages: list[dict[str, Any]] = received.get("Messages", [])
        return messages

    def _poll(self, mapping: _SqsMapping) -> None:
        while not mapping.stop.is_set():
            messages = self._receive(mapping, mapping.batch_size, mapping.wait_seconds)
            if messages is None:
                if mapping.stop.wait(0.2):
                    return
                continue
            if not messages:
                continue
            # The batching window: more polls until the batch is full or the window is over.
            closes = time.monotonic() + mapping.window_seconds
            while len(messages) < mapping.batch_size and not mapping.stop.is_set():
                left = closes - time.monotonic()
                if left <= 0:
                    break
                more = self._receive(mapping, mapping.batch_size - len(messages), 0)
                if more:
                    messages.extend(more)
                elif mapping.stop.wait(min(left, 0.1)):
                    break
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


@dataclass
class _SqsMapping:
    function: str
    queue_url: str
    queue_arn: str
    client: Any
    batch_size: int
    wait_seconds: int
    window_seconds: float = 0.0
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)


def _base_environment() -> dict[str, str]:
    """What every environment starts from: a plain PATH, the code on the import path, no credentials
    or endpoints of this process (each function gets its own)."""
    paths = [entry for entry in sys.path if entry and Path(entry).is_dir()]
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(paths),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_DISABLE_PREVIEW_WARN": "1",
    }


def _error_text(body: bytes) -> str:
    """An ``/error`` or ``/init/error`` body (``errorType``, ``errorMessage``, ``stackTrace``) as text."""
    try:
        data = json.loads(body or b"{}")
    except json.JSONDecodeError:
        return body.decode("utf-8", "replace")
    if not isinstance(data, dict):
        return str(data)
    text = f"{data.get('errorType', 'Error')}: {data.get('errorMessage', '')}"
    trace = data.get("stackTrace")
    if isinstance(trace, list) and trace:
        text += "\n" + "".join(str(line) for line in trace)
    return text


def _function_name(name_or_arn: str) -> str:
    """``name``, ``name:qualifier`` or a function ARN with an optional qualifier → the name."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn.split(":")[0]


def _runtime_error(status: int, kind: str, message: str) -> Response:
    return Response(
        json.dumps({"errorType": kind, "errorMessage": message}), status=status, mimetype="application/json"
    )


def _error(status: int, kind: str, message: str) -> Response:
    return Response(
        json.dumps({"Type": "User", "Message": message}),
        status=status,
        headers={"x-amzn-ErrorType": kind},
        mimetype="application/json",
    )
