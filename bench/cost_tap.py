"""What each request to the local world costs: one record per HTTP request, with DynamoDB units.

The world's call log (``aws-calls.jsonl``) has one line per authorization IAM judged: a
``TransactWriteItems`` of three items is three lines, a call the world throttled before IAM is
none, and no line carries a size. So the benchmark taps the world's server itself, in the
world's process:

- :class:`Tap` wraps the server's middleware (:class:`localworld.server.GateMiddleware`): every
  request gets one :class:`Request` with the function that made it (the IAM gate's attribution,
  as in the call log), service, action, HTTP status, error code, payload size and, for SQS, the
  messages it carried;
- it wraps moto's DynamoDB item actions below the world's item lock
  (:mod:`localworld.dynamodb_atomic`), and reads the items each action touches back from the
  table before and after it: write and read units are computed from those item sizes as DynamoDB
  bills them (:func:`item_size`), not from what the request or answer happens to show.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from moto.dynamodb.responses import DynamoHandler

from localworld.presign import is_presigned
from localworld.server import GateMiddleware, describe_request

__all__ = ["LambdaClock", "Request", "Tap", "item_size"]

KB = 1024
READ_UNIT = 4 * KB
SQS_CHUNK = 64 * KB
_WRITES = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items")
_READS = ("get_item", "batch_get_item", "transact_get_items", "query", "scan")


@dataclass
class Request:
    """One HTTP request the world answered."""

    function: str
    principal: str  # the role (or user) whose credentials signed it
    service: str
    action: str
    status: int
    error: str | None = None
    presigned: bool = False
    bytes_in: int = 0
    sqs_messages: int = 0  # messages sent (SendMessage/-Batch) or received (ReceiveMessage)
    sqs_units: int = 0  # billed requests: one per 64 KB chunk of the payload, at least one
    wcu: float = 0.0  # table write units
    index_wcu: float = 0.0  # write units of the global secondary indexes
    rcu: float = 0.0
    items_read: int = 0
    instance_ids: tuple[str, ...] = ()
    tables: set[str] = field(default_factory=set)
    kinds: set[str] = field(
        default_factory=set
    )  # the kinds of item touched: "SCAN/HOST", "index scans_by_created"


# --- DynamoDB item sizes ---------------------------------------------------------------------


def _number_size(text: str) -> int:
    try:
        digits = len(Decimal(text).normalize().as_tuple().digits)  # leading and trailing zeroes trimmed
    except ArithmeticError:
        digits = len(text.strip("-+").replace(".", "").strip("0")) or 1
    return math.ceil(digits / 2) + 1


def _value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return len(inner) if isinstance(inner, bytes) else math.floor(len(str(inner)) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode()) for s in inner)
    if kind == "NS":
        return sum(_number_size(str(n)) for n in inner)
    if kind == "BS":
        return sum(math.floor(len(str(b)) * 3 / 4) for b in inner)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    """An item's size as DynamoDB counts it (the developer guide's "Item sizes and formats"):
    attribute names plus values; a number one byte per two significant digits plus one; a list or
    map three bytes plus one per element."""
    if not item:
        return 0
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


# --- reading the table behind moto ------------------------------------------------------------


def _stored(handler: DynamoHandler, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    try:
        found = handler.dynamodb_backend.get_item(table, key)
    except Exception:  # an invalid key: moto answers the request with the error
        return None
    return dict(found.to_json()["Attributes"]) if found is not None else None


def _key_of(handler: DynamoHandler, table: str, item: dict[str, Any]) -> dict[str, Any]:
    names = handler.dynamodb_backend.get_table(table).table_key_attrs
    return {name: item[name] for name in names if name in item}


def _index_entries(handler: DynamoHandler, table: str, item: dict[str, Any] | None) -> dict[str, Any]:
    """The entry ``item`` has in each global secondary index (none where it lacks the index keys)."""
    if not item:
        return {}
    moto_table = handler.dynamodb_backend.get_table(table)
    entries: dict[str, Any] = {}
    for index in moto_table.global_indexes:
        keys = [k["AttributeName"] for k in index.schema]
        if not all(k in item for k in keys):
            continue
        projection = index.projection or {}
        kind = projection.get("ProjectionType", "ALL")
        if kind == "ALL":
            entry = dict(item)
        else:
            names = {*keys, *moto_table.table_key_attrs, *projection.get("NonKeyAttributes", [])}
            entry = {n: v for n, v in item.items() if n in names}
        entries[index.name] = ({k: item[k] for k in keys}, entry)
    return entries


def _index_wcu(handler: DynamoHandler, table: str, before: Any, after: Any) -> float:
    """Write units the indexes cost: a new entry is a put, a removed one a delete, a changed
    index key a delete and a put; an entry whose projection did not change costs nothing."""
    old, new = _index_entries(handler, table, before), _index_entries(handler, table, after)
    units = 0.0
    for name in set(old) | set(new):
        o, n = old.get(name), new.get(name)
        if o is not None and n is not None and o[0] == n[0]:
            if o[1] != n[1]:
                units += math.ceil(max(item_size(o[1]), item_size(n[1])) / KB)
            continue
        units += sum(math.ceil(max(item_size(e[1]), 1) / KB) for e in (o, n) if e is not None)
    return units


class _Touched:
    """The items a DynamoDB action touches: (table, key, transactional) each, read before and after."""

    def __init__(self, handler: DynamoHandler, action: str, body: dict[str, Any]) -> None:
        self.handler = handler
        self.targets: list[tuple[str, dict[str, Any], bool]] = []
        if action in ("put_item", "update_item", "delete_item", "get_item"):
            table = body["TableName"]
            key = body.get("Key") or _key_of(handler, table, body.get("Item", {}))
            self.targets.append((table, key, False))
        elif action == "batch_write_item":
            for table, requests in body.get("RequestItems", {}).items():
                for request in requests:
                    if "PutRequest" in request:
                        self.targets.append(
                            (table, _key_of(handler, table, request["PutRequest"]["Item"]), False)
                        )
                    else:
                        self.targets.append((table, request["DeleteRequest"]["Key"], False))
        elif action == "batch_get_item":
            for table, spec in body.get("RequestItems", {}).items():
                self.targets.extend((table, key, False) for key in spec.get("Keys", []))
        elif action in ("transact_write_items", "transact_get_items"):
            for entry in body.get("TransactItems", []):
                ((_, op),) = entry.items()
                table = op["TableName"]
                key = op.get("Key") or _key_of(handler, table, op.get("Item", {}))
                self.targets.append((table, key, True))
        self.before = [_stored(handler, t, k) for t, k, _ in self.targets]

    def write_units(self) -> tuple[float, float]:
        table_units = index_units = 0.0
        for (table, key, transactional), before in zip(self.targets, self.before, strict=True):
            after = _stored(self.handler, table, key)
            size = max(item_size(before), item_size(after))
            factor = 2 if transactional else 1
            table_units += factor * max(1, math.ceil(size / KB))
            index_units += _index_wcu(self.handler, table, before, after)
        return table_units, index_units

    def read_units(self, consistent: bool) -> float:
        units = 0.0
        for (_, _, transactional), before in zip(self.targets, self.before, strict=True):
            blocks = max(1, math.ceil(item_size(before) / READ_UNIT))
            units += blocks * (2 if transactional else 1 if consistent else 0.5)
        return units


# --- the tap -----------------------------------------------------------------------------------


class Tap:
    """Records every request of the world's server in :attr:`requests` while installed."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.unsized = 0  # DynamoDB requests whose units could not be computed
        self._lock = threading.Lock()
        self._current = threading.local()

    def mark(self) -> int:
        with self._lock:
            return len(self.requests)

    def since(self, start: int, end: int | None = None) -> list[Request]:
        with self._lock:
            return list(self.requests[start:end])

    @contextlib.contextmanager
    def installed(self) -> Iterator[Tap]:
        """Wrap the middleware and moto's DynamoDB actions; install before the world starts, so
        the world's item lock wraps the DynamoDB wrappers (the reads before and after an action
        then see no other write in between)."""
        originals: dict[str, Any] = {"__call__": GateMiddleware.__call__}
        GateMiddleware.__call__ = self._middleware(GateMiddleware.__call__)  # type: ignore[method-assign]
        for name in (*_WRITES, *_READS):
            originals[name] = DynamoHandler.__dict__[name]
            setattr(DynamoHandler, name, self._dynamodb(name, originals[name]))
        try:
            yield self
        finally:
            GateMiddleware.__call__ = originals.pop("__call__")  # type: ignore[method-assign]
            for name, method in originals.items():
                setattr(DynamoHandler, name, method)

    def _middleware(self, call: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        tap = self

        @functools.wraps(call)
        def wrapped(gate: GateMiddleware, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            body = _body(environ)
            form = {}
            if not environ.get("HTTP_X_AMZ_TARGET") and "x-www-form-urlencoded" in str(
                environ.get("CONTENT_TYPE", "")
            ):
                form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            info = describe_request(environ, form)
            query = str(environ.get("QUERY_STRING", ""))
            presigned = is_presigned(query)
            if (
                info.service == "s3"
                and info.action == "PostBucket"
                and "delete" in dict(parse_qsl(query, keep_blank_values=True))
            ):
                info = replace(info, action="DeleteObjects")
            function = "unknown"
            if gate.iam is not None and info.key is not None:
                function = gate.iam.function_of(info.key)
            principal = "anonymous"
            if info.key is not None:
                principal = str(info.key.role_arn or info.key.principal_arn).rsplit("/", 1)[-1]
            request = Request(
                function=function,
                principal=principal,
                service=info.service or "?",
                action=info.action or "?",
                status=0,
                presigned=presigned,
                bytes_in=int(environ.get("CONTENT_LENGTH") or 0),
            )
            statuses: list[str] = []

            def record_status(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                statuses.append(status)
                return (
                    start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
                )

            tap._current.request = request
            try:
                answer = b"".join(_closing(call(gate, environ, record_status)))
            finally:
                tap._current.request = None
            request.status = int(statuses[0].split()[0]) if statuses else 0
            _describe(request, body, answer)
            with tap._lock:
                tap.requests.append(request)
            return [answer]

        return wrapped

    def _dynamodb(self, action: str, method: Callable[..., Any]) -> Callable[..., Any]:
        tap = self

        @functools.wraps(method)
        def wrapped(handler: DynamoHandler) -> Any:
            # Measuring never changes what the world answers: a request the tap cannot size is
            # answered as before and counted in ``unsized``.
            request: Request | None = getattr(tap._current, "request", None)
            touched: _Touched | None = None
            body: dict[str, Any] = {}
            try:
                raw = getattr(handler, "params", None) or handler.body
                body = json.loads(raw or "{}") if isinstance(raw, str | bytes) else dict(raw)
                touched = _Touched(handler, action, body) if action not in ("query", "scan") else None
            except Exception:
                request = None
                tap.unsized += 1
            answer: Any = None
            try:
                answer = method(handler)
                return answer
            finally:
                if request is not None:
                    try:
                        _count_units(request, action, body, touched, answer)
                    except Exception:
                        tap.unsized += 1

        return wrapped


def _kind(value: Any) -> str:
    """``HOST#123#ap-northeast-2#i-0abc`` → ``HOST``; ``#SCAN`` → ``#SCAN``."""
    text = str(next(iter(value.values()))) if isinstance(value, dict) and value else str(value)
    head, _, rest = text.partition("#")
    return head or "#" + rest.split("#", 1)[0]


def _item_kind(key: dict[str, Any]) -> str:
    return "/".join(_kind(value) for _, value in sorted(key.items()))


def _count_units(
    request: Request, action: str, body: dict[str, Any], touched: _Touched | None, answer: Any
) -> None:
    if touched is not None:
        request.tables.update(t for t, _, _ in touched.targets)
        request.kinds.update(_item_kind(k) for _, k, _ in touched.targets)
    if action in _WRITES and touched is not None:
        request.wcu, request.index_wcu = touched.write_units()
    elif action in ("query", "scan"):
        request.tables.add(str(body.get("TableName")))
        request.kinds.add(f"index {body['IndexName']}" if body.get("IndexName") else "table")
        items = _answer_items(answer)
        request.items_read = len(items)
        total = sum(item_size(i) for i in items)
        # Query and Scan: the sizes of the items read, summed, then rounded up to 4 KB.
        request.rcu = max(1, math.ceil(total / READ_UNIT)) * (1 if body.get("ConsistentRead") else 0.5)
    elif touched is not None:
        consistent = bool(body.get("ConsistentRead")) or any(
            spec.get("ConsistentRead") for spec in body.get("RequestItems", {}).values()
        )
        request.rcu = touched.read_units(consistent)
        request.items_read = sum(1 for b in touched.before if b)


def _answer_items(answer: Any) -> list[dict[str, Any]]:
    """The items of a Query or Scan answer (moto's result object, or its JSON text)."""
    result = getattr(answer, "result", None)
    if isinstance(result, dict):
        return [
            {
                name: value.to_regular_json() if hasattr(value, "to_regular_json") else value
                for name, value in item.items()
            }
            for item in result.get("Items", [])
        ]
    text = answer[2] if isinstance(answer, tuple) else answer
    if isinstance(text, bytes | str):
        with contextlib.suppress(ValueError):
            return list(json.loads(text).get("Items", []))
    return []


def _body(environ: dict[str, Any]) -> bytes:
    """The body of a JSON or query-protocol request, put back for the server; others unread."""
    if not environ.get("HTTP_X_AMZ_TARGET") and "x-www-form-urlencoded" not in str(
        environ.get("CONTENT_TYPE", "")
    ):
        return b""
    import io

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return bytes(body)


def _closing(result: Iterable[bytes]) -> Iterator[bytes]:
    try:
        yield from result
    finally:
        close = getattr(result, "close", None)
        if callable(close):
            close()


def _describe(request: Request, body: bytes, answer: bytes) -> None:
    """The error code of a refused request, and what an SQS or SendCommand request carried."""
    parsed: dict[str, Any] = {}
    if body or request.service in ("sqs", "ssm", "dynamodb"):
        with contextlib.suppress(ValueError):
            loaded = json.loads(body or b"{}")
            parsed = loaded if isinstance(loaded, dict) else {}
    if request.status >= 400:
        with contextlib.suppress(ValueError):
            error = json.loads(answer)
            request.error = str(error.get("__type", "")).rsplit("#", 1)[-1] or None
        if request.error is None and b"<Code>" in answer:
            request.error = answer.split(b"<Code>", 1)[1].split(b"</Code>", 1)[0].decode()
    if request.service == "sqs" and request.status < 400:
        _sqs(request, parsed, answer)
    if request.action == "SendCommand":
        request.instance_ids = tuple(parsed.get("InstanceIds", []))


def _sqs(request: Request, parsed: dict[str, Any], answer: bytes) -> None:
    """SQS bills each 64 KB chunk of a request's payload as a request."""
    if request.action == "SendMessage":
        payloads = [_message_bytes(parsed)]
    elif request.action == "SendMessageBatch":
        payloads = [_message_bytes(entry) for entry in parsed.get("Entries", [])]
    elif request.action == "ReceiveMessage":
        with contextlib.suppress(ValueError):
            received = json.loads(answer).get("Messages", [])
            payloads = [_message_bytes(m) for m in received]
            request.sqs_messages = len(payloads)
            request.sqs_units = max(1, math.ceil(sum(payloads) / SQS_CHUNK))
            return
        payloads = []
    else:
        request.sqs_units = max(1, math.ceil(request.bytes_in / SQS_CHUNK))
        return
    request.sqs_messages = len(payloads)
    request.sqs_units = max(1, math.ceil(sum(payloads) / SQS_CHUNK))


def _message_bytes(message: dict[str, Any]) -> int:
    size = len(str(message.get("MessageBody", message.get("Body", ""))).encode())
    for name, value in (message.get("MessageAttributes") or {}).items():
        size += len(name.encode()) + len(str(value.get("DataType", "")).encode())
        size += len(str(value.get("StringValue", value.get("BinaryValue", ""))).encode())
    return size


class LambdaClock:
    """Each invocation's run time, from the runtime taking it to its answer (what Lambda bills;
    the time it waited for a free execution environment in the local service is left out)."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, float]] = []  # (function, seconds)
        self._lock = threading.Lock()

    def mark(self) -> int:
        with self._lock:
            return len(self.runs)

    def since(self, start: int, end: int | None = None) -> list[tuple[str, float]]:
        with self._lock:
            return list(self.runs[start:end])

    @contextlib.contextmanager
    def installed(self) -> Iterator[LambdaClock]:
        from localworld import lambdas

        original = lambdas._Pending.finish
        clock = self

        @functools.wraps(original)
        def finish(pending: Any, **kwargs: Any) -> None:
            if pending.deadline and not pending.done.is_set():
                started = pending.deadline - pending.function.timeout_s
                with clock._lock:
                    clock.runs.append((pending.function.name, max(0.0, time.monotonic() - started)))
            original(pending, **kwargs)

        lambdas._Pending.finish = finish  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            lambdas._Pending.finish = original  # type: ignore[method-assign]
