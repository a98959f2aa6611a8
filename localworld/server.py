"""The moto server of the local world: moto's WSGI app behind strict middleware, on 127.0.0.1.

Middleware order, for every request:

1. drop ``x-moto-account-id`` (the account comes from the access key only, as on AWS);
2. account faults (latency, connection reset, HTTP 500, throttling) in the service's own protocol;
3. the S3 presigned-URL gate (:mod:`localworld.presign`), then for a valid URL the IAM gate as
   its signer;
4. the session checks of header-signed calls (a session's token and expiry);
5. the IAM gate (:mod:`localworld.iam.gate`), when the server has one: the caller's identity
   policies and the resource's policy;
6. Security Hub's own rule (:mod:`localworld.securityhub`): a ``BatchImportFindings`` only of the
   caller's account, under its default product in the endpoint's region;
7. the STS AssumeRole gate (:mod:`localworld.sts_gate`): the role's trust policy;
8. moto.

The server runs in one thread with one thread per connection; :meth:`MotoServer.stop` shuts
the listener, closes open connections and joins every thread it started.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from localworld.accounts import KeyInfo, lookup_key, lookup_role
from localworld.errors import ServerError
from localworld.faults import Faults
from localworld.iam.gate import Checked, IamGate
from localworld.iam.requests import credential_scope
from localworld.presign import anonymous_denied, check_presigned, is_presigned
from localworld.securityhub import refusal as securityhub_refusal
from localworld.sts_gate import check_assume_role, sts_error_body

__all__ = ["MotoServer", "RequestInfo", "describe_request"]

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_RESET_KEY = "localworld.reset"
_JSON_TYPE = "application/x-amz-json-1.1"


@dataclass(frozen=True)
class RequestInfo:
    """Who calls what: access key, account, service (SigV4 signing name), action, protocol."""

    access_key: str | None
    account_id: str | None
    service: str | None
    action: str | None
    protocol: str  # "json" | "query" | "rest-xml"
    key: KeyInfo | None = None


def _credential_scope(environ: Environ, query: dict[str, str]) -> list[str]:
    scope = credential_scope(str(environ.get("HTTP_AUTHORIZATION", "")), query)
    if not scope and "AWSAccessKeyId" in query:
        return [query["AWSAccessKeyId"], "", "", "s3", ""]
    return scope


def _s3_action(method: str, path: str) -> str:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "ListBuckets"
    on_object = len(parts) > 1
    names = {
        "GET": ("GetObject", "ListObjects"),
        "PUT": ("PutObject", "CreateBucket"),
        "HEAD": ("HeadObject", "HeadBucket"),
        "DELETE": ("DeleteObject", "DeleteBucket"),
        "POST": ("PostObject", "PostBucket"),
    }
    pair = names.get(method, (method, method))
    return pair[0] if on_object else pair[1]


def _is_form(environ: Environ) -> bool:
    return str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded")


def _read_body(environ: Environ) -> bytes:
    """Read the request body and put it back for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return bytes(body)


def _body_to_judge(environ: Environ) -> bool:
    """The requests whose body says what they do: JSON and query-protocol calls, S3's multi-object
    delete. S3 uploads, however large, are never read."""
    if environ.get("HTTP_X_AMZ_TARGET") or _is_form(environ):
        return True
    if "/securityhub/" in str(environ.get("HTTP_AUTHORIZATION", "")):  # REST JSON: the findings
        return True
    names = {name for name, _ in parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)}
    return environ.get("REQUEST_METHOD") == "POST" and "delete" in names


def describe_request(environ: Environ, form: dict[str, str]) -> RequestInfo:
    """Identify the caller and the operation of a request (no side effects on moto)."""
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    scope = _credential_scope(environ, query)
    access_key = scope[0] if scope else None
    service = scope[3] if len(scope) > 3 and scope[3] else None
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        action: str | None = target.rsplit(".", 1)[-1]
        protocol = "json"
    elif service == "s3":
        action = _s3_action(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/"))
        protocol = "rest-xml"
    else:
        action = form.get("Action") or query.get("Action")
        protocol = "query"
    key = lookup_key(access_key) if access_key else None
    return RequestInfo(access_key, key.account_id if key else None, service, action, protocol, key)


def _throttle_response(info: RequestInfo) -> tuple[str, list[tuple[str, str]], bytes]:
    if info.protocol == "json":
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        return (
            "400 Bad Request",
            [("Content-Type", _JSON_TYPE), ("x-amzn-ErrorType", "ThrottlingException")],
            body,
        )
    if info.protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
            "<Message>Please reduce your request rate.</Message>"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId><HostId>localworld</HostId></Error>"
        ).encode()
        return "503 Slow Down", [("Content-Type", "application/xml")], body
    return "400 Bad Request", [("Content-Type", "text/xml")], sts_error_body("Throttling", "Rate exceeded")


def _access_denied_response(info: RequestInfo) -> tuple[str, list[tuple[str, str]], bytes]:
    """A one-shot ``access_denied`` fault: the service's AccessDenied, worded as IAM words it."""
    action = f"{info.service}:{info.action}"
    message = (
        f"User: arn:aws:sts::{info.account_id}:assumed-role/cce-scan-member/fault is not authorized to "
        f"perform: {action} because no identity-based policy allows the {action} action"
    )
    if info.protocol == "json":
        body = json.dumps({"__type": "AccessDeniedException", "Message": message}).encode()
        return "400 Bad Request", [("Content-Type", _JSON_TYPE)], body
    if info.protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>Access Denied</Message><RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId>"
            "<HostId>localworld</HostId></Error>"
        ).encode()
        return "403 Forbidden", [("Content-Type", "application/xml")], body
    return "403 Forbidden", [("Content-Type", "text/xml")], sts_error_body("AccessDenied", message)


def _internal_error_response(info: RequestInfo) -> tuple[str, list[tuple[str, str]], bytes]:
    if info.protocol == "json":
        body = json.dumps(
            {"__type": "InternalServerError", "message": "An internal error occurred."}
        ).encode()
        return "500 Internal Server Error", [("Content-Type", _JSON_TYPE)], body
    if info.protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
            "<Message>We encountered an internal error. Please try again.</Message>"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId><HostId>localworld</HostId></Error>"
        ).encode()
        return "500 Internal Server Error", [("Content-Type", "application/xml")], body
    body = sts_error_body("InternalFailure", "An internal error occurred.", sender=False)
    return "500 Internal Server Error", [("Content-Type", "text/xml")], body


def _session_refusal(
    info: RequestInfo, token: str | None, now: datetime
) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """Refuse a header-signed call made with STS session credentials that are wrong or expired."""
    key = info.key
    assert key is not None
    if token == key.session_token and (key.expiration is None or now < key.expiration):
        return None
    expired = token == key.session_token
    if info.protocol == "json":
        code = "ExpiredTokenException" if expired else "UnrecognizedClientException"
        message = (
            "The security token included in the request is expired"
            if expired
            else "The security token included in the request is invalid."
        )
        body = json.dumps({"__type": code, "message": message}).encode()
        return "400 Bad Request", [("Content-Type", _JSON_TYPE)], body
    if info.protocol == "rest-xml":
        code, message, status = (
            ("ExpiredToken", "The provided token has expired.", "400 Bad Request")
            if expired
            else ("InvalidToken", "The provided token is malformed or otherwise invalid.", "400 Bad Request")
        )
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId><HostId>localworld</HostId></Error>"
        ).encode()
        return status, [("Content-Type", "application/xml")], body
    if expired:
        body = sts_error_body("ExpiredToken", "The security token included in the request is expired")
        return "400 Bad Request", [("Content-Type", "text/xml")], body
    body = sts_error_body("InvalidClientTokenId", "The security token included in the request is invalid.")
    return "403 Forbidden", [("Content-Type", "text/xml")], body


def _anonymous(environ: Environ) -> bool:
    """An unsigned request (moto's own /moto-api and CORS preflights excepted)."""
    return (
        "HTTP_AUTHORIZATION" not in environ
        and not environ.get("PATH_INFO", "").startswith("/moto-api")
        and environ.get("REQUEST_METHOD") != "OPTIONS"
    )


_REASONS = {400: "Bad Request", 403: "Forbidden", 500: "Internal Server Error", 503: "Slow Down"}


def _respond(
    start_response: StartResponse, status: str, headers: list[tuple[str, str]], body: bytes
) -> list[bytes]:
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]


def _drain(result: Iterable[bytes]) -> bytes:
    """The whole body of a WSGI app's answer, its iterable closed."""
    try:
        return b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if callable(close):
            close()


class GateMiddleware:
    """WSGI middleware: faults, the presigned gate, the IAM gate (when given) and the AssumeRole
    gate in front of moto."""

    def __init__(
        self,
        app: WsgiApp,
        faults: Faults,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], object] = time.sleep,
        iam: IamGate | None = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.now = now
        self.sleep = sleep
        self.iam = iam
        self._apps: dict[tuple[str, str], WsgiApp] = {}
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        self._dispatcher = app if isinstance(app, DomainDispatcherApplication) else None

    def warm(self, services: Iterable[str]) -> None:
        """Build moto's app for each service now rather than on the service's first request.

        moto builds an app under its dispatcher's lock, with a backend that loads the service's
        catalogue (EC2's AMIs, SSM's public parameters: up to a second), so a scan's first call
        to EC2 would stall every request of the world meanwhile.
        """
        dispatcher = self._dispatcher
        if dispatcher is None:
            return
        with dispatcher.lock:
            for service in services:
                if service not in dispatcher.app_instances:
                    dispatcher.app_instances[service] = dispatcher.create_app(service)  # type: ignore[arg-type]

    def _forward(self, info: RequestInfo, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Pass a request on to moto's app for its service.

        moto's dispatcher finds the app for every request anew, under one process-wide lock and
        with a listing of moto's package directory; the app of a (signing service, JSON target
        prefix) pair never changes, so it is looked up once and reused.
        """
        dispatcher = self._dispatcher
        if info.service is None or dispatcher is None:
            return self.app(environ, start_response)
        key = (info.service, str(environ.get("HTTP_X_AMZ_TARGET", "")).split(".", 1)[0])
        app = self._apps.get(key)
        if app is None:
            app = self._apps.setdefault(key, dispatcher.get_application(environ))
        return app(environ, start_response)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        environ.pop("HTTP_X_MOTO_ACCOUNT_ID", None)
        judged = self.iam is not None and _body_to_judge(environ)
        body = _read_body(environ) if judged or _is_form(environ) else b""
        form: dict[str, str] = {}
        if not environ.get("HTTP_X_AMZ_TARGET") and _is_form(environ):
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        info = describe_request(environ, form)
        if info.account_id is not None:
            decision = self.faults.decide(info.account_id, info.service, info.action)
            # The server's sleeper returns True when it was cut short by stop(): drop the call.
            stopped = bool(decision.latency_ms) and self.sleep(decision.latency_ms / 1000) is True
            if decision.kind == "reset" or stopped:
                reset = environ.get(_RESET_KEY)
                if callable(reset):
                    reset()
                raise ConnectionResetError("connection reset by the local world (fault)")
            if decision.kind == "http_500":
                return _respond(start_response, *_internal_error_response(info))
            if decision.kind == "throttle":
                return _respond(start_response, *_throttle_response(info))
            if decision.kind == "access_denied":
                return _respond(start_response, *_access_denied_response(info))
        query_string = environ.get("QUERY_STRING", "")
        if query_string and is_presigned(query_string):
            return self._presigned(info, environ, start_response, query_string)
        if _anonymous(environ):
            denied = anonymous_denied().body()
            return _respond(start_response, "403 Forbidden", [("Content-Type", "application/xml")], denied)
        if info.key is not None and info.key.session_token is not None:
            refusal = _session_refusal(info, environ.get("HTTP_X_AMZ_SECURITY_TOKEN"), self.now())
            if refusal is not None:
                return _respond(start_response, *refusal)
        checked: Checked | None = None
        if self.iam is not None and info.key is not None:
            checked = self.iam.check(environ, body, info.key)
            if checked.refusal is not None:
                answer = checked.refusal
                return _respond(start_response, answer.status, list(answer.headers), answer.body)
            hub = securityhub_refusal(checked.request)  # Security Hub's own account and region rule
            if hub is not None:
                return _respond(start_response, hub.status, list(hub.headers), hub.body)
        if info.service == "sts" and info.action == "AssumeRole":
            error = check_assume_role(info.key, form, lookup_role, self.faults.assume_role_denied)
            if error is not None:
                status = f"{error.status} {_REASONS.get(error.status, 'Error')}"
                return _respond(start_response, status, [("Content-Type", "text/xml")], error.body())
        # DynamoDB's item actions are made atomic below the server (localworld/dynamodb_atomic.py,
        # installed by the world), in-process moto included.
        return self._forward_checked(info, environ, start_response, checked)

    def _forward_checked(
        self, info: RequestInfo, environ: Environ, start_response: StartResponse, checked: Checked | None
    ) -> Iterable[bytes]:
        """Forward a judged request; S3's 404 for a missing object becomes 403 for a caller not
        allowed to list the bucket, and an AssumeRole's new key is attributed to its caller."""
        iam = self.iam
        if iam is None or checked is None:
            return self._forward(info, environ, start_response)
        if checked.reads_object:
            held: list[tuple[str, list[tuple[str, str]]]] = []

            def hold_404(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                if status.startswith("404"):
                    held.append((status, headers))
                    return lambda _data: None
                return (
                    start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
                )

            result = self._forward(info, environ, hold_404)
            if not held:
                return result
            moto_body = _drain(result)
            refusal = None if b"<Code>NoSuchBucket</Code>" in moto_body else iam.missing_object(checked)
            if refusal is not None:
                return _respond(start_response, refusal.status, list(refusal.headers), refusal.body)
            start_response(*held[0])
            return [moto_body]
        if checked.assumes_role:
            answer = _drain(self._forward(info, environ, start_response))
            iam.note_assumed(checked.key, answer)
            return [answer]
        return self._forward(info, environ, start_response)

    def _presigned(
        self, info: RequestInfo, environ: Environ, start_response: StartResponse, query_string: str
    ) -> Iterable[bytes]:
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = environ["CONTENT_LENGTH"]
        path = environ.get("PATH_INFO", "/").encode("latin-1")
        error = check_presigned(
            environ.get("REQUEST_METHOD", "GET"),
            path,
            query_string,
            headers,
            self.now(),
            lookup_key,
            self.faults.url_expired,
        )
        if error is None:
            # moto takes the account from the Authorization header, which a presigned request has
            # not: name the verified signer's account, so the request acts (and notifies) as it.
            credential = parse_qs(query_string).get("X-Amz-Credential", [""])[0]
            signer = lookup_key(credential.split("/", 1)[0])
            if signer is None:
                return self._forward(info, environ, start_response)
            environ["HTTP_X_MOTO_ACCOUNT_ID"] = signer.account_id
            checked: Checked | None = None
            if self.iam is not None:
                # A presigned request acts as its signer: judged with the signer's policies.
                checked = self.iam.check(environ, b"", signer, via="presigned")
                if checked.refusal is not None:
                    answer = checked.refusal
                    return _respond(start_response, answer.status, list(answer.headers), answer.body)
            return self._forward_checked(info, environ, start_response, checked)
        status = f"{error.status} {_REASONS.get(error.status, 'Error')}"
        return _respond(start_response, status, [("Content-Type", "application/xml")], error.body())


def _handler_class() -> type[Any]:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class Handler(MotoRequestHandler):
        def make_environ(self) -> Environ:
            environ: Environ = super().make_environ()
            environ[_RESET_KEY] = self._reset
            return environ

        def _reset(self) -> None:
            """Answer nothing and close the connection with a TCP reset (SO_LINGER 0)."""
            self.close_connection = True
            server: Any = self.server
            server.mark_reset(self.connection)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """Quiet: the world is used by tests and demos, not watched."""

    return Handler


def _server_class() -> type[Any]:
    from werkzeug.serving import ThreadedWSGIServer

    class Server(ThreadedWSGIServer):
        """Tracks its connection threads and sockets so stop() can close and join them all."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._live: dict[threading.Thread, socket.socket] = {}
            self._resets: set[int] = set()
            self._track = threading.Lock()

        def process_request(self, request: Any, client_address: Any) -> None:
            thread = threading.Thread(
                target=self._serve_one, args=(request, client_address), name="localworld-conn", daemon=True
            )
            with self._track:
                self._live[thread] = request
            thread.start()

        def _serve_one(self, request: socket.socket, client_address: Any) -> None:
            try:
                self.process_request_thread(request, client_address)
            finally:
                with self._track:
                    self._live.pop(threading.current_thread(), None)

        def mark_reset(self, request: socket.socket) -> None:
            with self._track:
                self._resets.add(id(request))

        def shutdown_request(self, request: Any) -> None:
            with self._track:
                reset = id(request) in self._resets
                self._resets.discard(id(request))
            if reset:
                with contextlib.suppress(OSError):
                    request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_request(request)
                return
            super().shutdown_request(request)

        def close_connections(self, timeout: float) -> list[threading.Thread]:
            """Shut every open connection and join its thread; return the threads still alive."""
            with self._track:
                live = dict(self._live)
            for sock in live.values():
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            deadline = time.monotonic() + timeout
            for thread in live:
                thread.join(max(0.0, deadline - time.monotonic()))
            return [t for t in live if t.is_alive()]

        def handle_error(self, request: Any, client_address: Any) -> None:
            """Connection errors after a stop or an injected reset are expected; stay quiet."""

    return Server


class MotoServer:
    """moto's WSGI app behind :class:`GateMiddleware` in a threaded werkzeug server on 127.0.0.1."""

    def __init__(
        self,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Callable[[], datetime] | None = None,
        iam: IamGate | None = None,
    ) -> None:
        """``now`` is the wall clock the presigned gate checks expiry against (tests shift it);
        ``iam`` judges every signed call with IAM policies (none: calls are not judged)."""
        if host not in ("127.0.0.1", "localhost"):
            raise ServerError(f"the local world binds 127.0.0.1 only, not {host}")
        self.faults = faults or Faults()
        self._host = "127.0.0.1"
        self._port = port
        self._now = now or (lambda: datetime.now(UTC))
        self.iam = iam
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._gate: GateMiddleware | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise ServerError("the server is not running")
        return int(self._server.server_port)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        if self._server is not None:
            raise ServerError("the server is already running")
        self._stopping = threading.Event()
        app = self._gate = GateMiddleware(
            DomainDispatcherApplication(create_backend_app),
            self.faults,
            now=self._now,
            sleep=self._stopping.wait,  # injected latency ends at once when the server stops
            iam=self.iam,
        )
        try:
            server = _server_class()(self._host, self._port, app, handler=_handler_class())
        except OSError as exc:
            raise ServerError(f"cannot listen on 127.0.0.1:{self._port}: {exc.strerror}") from exc
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="localworld-moto", daemon=True
        )
        self._thread.start()
        return self

    def warm(self, services: Iterable[str]) -> None:
        """Build moto's apps for ``services`` before the first request (see :meth:`GateMiddleware.warm`)."""
        if self._gate is None:
            raise ServerError("the server is not running")
        self._gate.warm(services)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening, close open connections and join every thread; idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = None
        self._thread = None
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout)
        stuck = server.close_connections(timeout)
        if stuck or (thread is not None and thread.is_alive()):
            raise ServerError(f"{len(stuck)} connection thread(s) did not stop within {timeout} s")

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
