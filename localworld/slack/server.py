"""A local Slack Web API server: the methods cce-scan calls, with Slack's limits and errors.

It binds 127.0.0.1 on a free port, records every call, keeps the messages it was sent (so a test
or the demo can read a thread as a person would), enforces Block Kit limits (``invalid_blocks``)
and rate tiers (HTTP 429 with ``Retry-After``), checks bot tokens, lets ``views.open`` use a
``trigger_id`` only within 3 seconds of issuing it, and gives each ``response_url`` 5 uses in
30 minutes. ``auth.test`` names the token's scopes in its ``x-oauth-scopes`` header, as Slack does
(Bolt reads the bot's scopes there): by default those of an app installed from
``bot/manifest.yaml``, or the ``scopes`` given. ``conversations.info`` tells whether the bot is a
member of a channel (``bot_channels``; by default every channel) to a token with ``channels:read``,
and answers ``missing_scope`` to one without, as Slack does for a public channel.
``chat.getPermalink`` links a message the bot can see (``message_not_found`` otherwise).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from localworld.packaged import package_path
from localworld.slack.limits import MESSAGE_TEXT_MAX, BlockLimitError, check_message_blocks, check_view_blocks
from localworld.slack.ratelimit import METHOD_TIERS, POST_PER_CHANNEL, RateLimiter

__all__ = ["Message", "RecordedCall", "SlackApiServer", "UploadedFile", "manifest_bot_scopes"]

TRIGGER_ID_TTL_S = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL_S = 30 * 60.0
MANIFEST = package_path("bot", "manifest.yaml")  # the Slack app manifest, the bot package's data


def manifest_bot_scopes(path: Path = MANIFEST) -> tuple[str, ...]:
    """The bot scopes an app installed from the manifest at ``path`` holds."""
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(str(scope) for scope in manifest["oauth_config"]["scopes"]["bot"])


@dataclass
class RecordedCall:
    """One Web API call as the server saw it."""

    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None
    status: int
    at: float


@dataclass
class Message:
    """A message in a channel, as a reader would see it now."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    reply_broadcast: bool = False
    user: str | None = None
    ephemeral_to: str | None = None
    edits: int = 0
    files: list[str] = field(default_factory=list)


@dataclass
class UploadedFile:
    """A file uploaded through the files v2 flow."""

    id: str
    filename: str
    length: int
    content: bytes = b""
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    shared: bool = False


class _ApiError(Exception):
    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


class SlackApiServer:
    """The local Slack Web API. Use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(
        self,
        bot_token: str = "xoxb-local-token",
        *,
        team_id: str = "T0LOCAL",
        bot_user_id: str = "U0CCEBOT",
        bot_id: str = "B0CCEBOT",
        channels: Iterable[str] | None = None,
        usergroups: dict[str, list[str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        scopes: Iterable[str] | None = None,
        bot_channels: Iterable[str] | None = None,
    ) -> None:
        self.bot_token = bot_token
        # The bot token's scopes (default: the app installed from bot/manifest.yaml); auth.test
        # names them in its x-oauth-scopes header, comma-separated.
        self.scopes = tuple(scopes) if scopes is not None else manifest_bot_scopes()
        # The channels the bot was invited to; None: every channel.
        self.bot_channels = set(bot_channels) if bot_channels is not None else None
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.channels = set(channels) if channels is not None else None
        self.usergroups = dict(usergroups or {})
        self._clock = clock
        self._limiter = RateLimiter(clock)
        self._lock = threading.RLock()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self.calls: list[RecordedCall] = []
        self.messages: list[Message] = []
        self.files: dict[str, UploadedFile] = {}
        self.responses: list[dict[str, Any]] = []
        self._triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        self._response_urls: dict[str, tuple[float, int]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._forced_429: dict[str, list[int]] = {}
        self._failures: dict[str, list[tuple[int, str]]] = {}
        # Told of every injected failure as it happens (``cce-scan local --faults`` prints them).
        self.on_fire: Callable[[str], None] | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle

    def start(self) -> SlackApiServer:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        if self._server is None:
            raise RuntimeError("the Slack API server is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def base_url(self) -> str:
        """The value for ``WebClient(base_url=...)`` and ``SLACK_API_URL``."""
        return f"{self.origin}/api/"

    # What the Slack side hands to the app

    def issue_trigger_id(self) -> str:
        """A trigger_id as Slack puts in a slash command or interaction payload (valid 3 s)."""
        trigger = f"{next(self._ids)}.{secrets.token_hex(6)}"
        with self._lock:
            self._triggers[trigger] = self._clock()
        return trigger

    def issue_response_url(self) -> str:
        """A response_url as Slack puts in a slash command (5 uses in 30 minutes)."""
        token = secrets.token_hex(8)
        with self._lock:
            self._response_urls[token] = (self._clock(), 0)
        return f"{self.origin}/response/{token}"

    def force_429(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429."""
        with self._lock:
            self._forced_429.setdefault(method, []).extend([retry_after] * times)

    def fail_next(
        self, method: str, *, status: int = 500, error: str = "internal_error", times: int = 1
    ) -> None:
        """Fail the next ``times`` calls of ``method`` with HTTP ``status`` and ``error``, as Slack
        does when it is having trouble. ``method`` may also be ``"upload"``: the file upload step
        of ``files_upload_v2`` (the POST to the upload URL), between its two API calls."""
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, error)] * times)

    def answer_again(self, method: str) -> None:
        """Drop the failures :meth:`fail_next` still holds for ``method``: Slack answers it again."""
        with self._lock:
            self._failures.pop(method, None)

    def _failure(self, method: str) -> tuple[int, str] | None:
        with self._lock:
            waiting = self._failures.get(method)
            failure = waiting.pop(0) if waiting else None
        if failure is not None and self.on_fire is not None:
            self.on_fire(f"Slack {method} answered HTTP {failure[0]} {failure[1]}")
        return failure

    # Reading what happened

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The parent message and its replies, in order (ephemeral messages excluded)."""
        with self._lock:
            return [
                m
                for m in self.messages
                if m.channel == channel and m.ephemeral_to is None and (m.ts == ts or m.thread_ts == ts)
            ]

    def opened_views(self) -> list[dict[str, Any]]:
        """Modals opened so far, oldest first."""
        with self._lock:
            return list(self._views.values())

    def ephemeral_to(self, user: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m.ephemeral_to == user]

    def find(self, channel: str, ts: str) -> Message:
        with self._lock:
            for message in self.messages:
                if message.channel == channel and message.ts == ts and message.ephemeral_to is None:
                    return message
        raise KeyError(f"no message {ts} in {channel}")

    # HTTP

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        if path.startswith("/api/"):
            response = self._api(request, path.removeprefix("/api/"))
        elif path.startswith("/upload/"):
            response = self._upload(request, path.removeprefix("/upload/"))
        elif path.startswith("/response/"):
            response = self._response_url(request, path.removeprefix("/response/"))
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    @staticmethod
    def _arguments(request: Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(parse_qsl(request.query_string.decode("utf-8")))
        body = request.get_data(cache=True)
        if request.mimetype == "application/json" and body:
            loaded = json.loads(body)
            if isinstance(loaded, dict):
                args.update(loaded)
        elif body:
            args.update(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
        for key in ("blocks", "view", "files"):
            if isinstance(args.get(key), str) and args[key]:
                try:
                    args[key] = json.loads(args[key])
                except json.JSONDecodeError as exc:
                    raise _ApiError("invalid_arguments") from exc
        return args

    def _api(self, request: Request, method: str) -> Response:
        status, payload, headers = 200, {}, {}
        args: dict[str, Any] = {}
        try:
            args = self._arguments(request)
            self._authenticate(request, args)
            failure = self._failure(method)
            if failure is not None:
                raise _ApiError(failure[1], status=failure[0])
            retry_after = self._rate_check(method, args)
            if retry_after is not None:
                headers["Retry-After"] = str(retry_after)
                raise _ApiError("ratelimited", status=429)
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            if handler is None:
                raise _ApiError("unknown_method")
            payload = {"ok": True, **handler(args)}
            if method == "auth.test":
                headers["x-oauth-scopes"] = ",".join(self.scopes)
        except _ApiError as exc:
            status = exc.status
            payload = {"ok": False, "error": exc.error, **exc.extra}
        with self._lock:
            self.calls.append(
                RecordedCall(method, args, payload["ok"], payload.get("error"), status, self._clock())
            )
        return Response(json.dumps(payload), status=status, headers=headers, mimetype="application/json")

    def _authenticate(self, request: Request, args: dict[str, Any]) -> None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else args.get("token")
        if not token:
            raise _ApiError("not_authed")
        if token != self.bot_token:
            raise _ApiError("invalid_auth")

    def _rate_check(self, method: str, args: dict[str, Any]) -> int | None:
        """None when the call may go ahead, else the seconds for Retry-After."""
        with self._lock:
            forced = self._forced_429.get(method)
            retry_after = forced.pop(0) if forced else None
        if retry_after is not None:
            if self.on_fire is not None:
                self.on_fire(f"Slack {method} answered HTTP 429 ratelimited (Retry-After {retry_after})")
            return retry_after
        if method == "chat.postMessage":
            wait = self._limiter.acquire(method, POST_PER_CHANNEL, scope=str(args.get("channel", "")))
        else:
            tier = METHOD_TIERS.get(method)
            wait = self._limiter.acquire(method, tier) if tier else 0
        return wait or None

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _channel(self, args: dict[str, Any], key: str = "channel") -> str:
        channel = args.get(key)
        if not channel:
            raise _ApiError("channel_not_found")
        if self.channels is not None and channel not in self.channels:
            raise _ApiError("channel_not_found")
        return str(channel)

    @staticmethod
    def _content(args: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        text = str(args.get("text") or "")
        blocks = args.get("blocks") or []
        if not text and not blocks:
            raise _ApiError("no_text")
        try:
            check_message_blocks(blocks)
        except BlockLimitError as exc:
            raise _ApiError(
                "invalid_blocks", errors=exc.problems, response_metadata={"messages": exc.problems}
            ) from exc
        if len(text) > MESSAGE_TEXT_MAX:
            text = text[:MESSAGE_TEXT_MAX]
        return text, list(blocks)

    # Methods

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://local.slack.invalid/",
            "team": "local",
            "user": "cce-scan",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        text, blocks = self._content(args)
        thread_ts = args.get("thread_ts") or None
        with self._lock:
            if thread_ts and not any(m.channel == channel and m.ts == thread_ts for m in self.messages):
                raise _ApiError("thread_not_found")
            message = Message(
                channel=channel,
                ts=self._next_ts(),
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                reply_broadcast=_truthy(args.get("reply_broadcast")),
                user=self.bot_user_id,
            )
            self.messages.append(message)
        return {"channel": channel, "ts": message.ts, "message": {"text": text, "ts": message.ts}}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        text, blocks = self._content(args)
        message = self._own_message(channel, str(args.get("ts", "")))
        with self._lock:
            message.text, message.blocks = text, blocks
            message.edits += 1
        return {"channel": channel, "ts": message.ts, "text": text}

    def _own_message(self, channel: str, ts: str) -> Message:
        try:
            message = self.find(channel, ts)
        except KeyError as exc:
            raise _ApiError("message_not_found") from exc
        if message.user != self.bot_user_id:
            raise _ApiError("cant_update_message")
        return message

    def _m_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        message = self._own_message(channel, str(args.get("ts", "")))
        with self._lock:
            self.messages.remove(message)
        return {"channel": channel, "ts": message.ts}

    def _m_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        """Slack's answer: ``{"ok": true, "channel", "permalink"}``; ``channel_not_found`` for a
        channel it does not know, ``message_not_found`` for a ``message_ts`` not in it (ephemeral
        messages have no permalink). No scope needed. A reply's link names its thread, as Slack's does."""
        channel = self._channel(args)
        ts = str(args.get("message_ts") or "")
        try:
            message = self.find(channel, ts)
        except KeyError as exc:
            raise _ApiError("message_not_found") from exc
        link = f"https://local.slack.invalid/archives/{channel}/p{ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        user = args.get("user")
        if not user:
            raise _ApiError("user_not_found")
        text, blocks = self._content(args)
        message = Message(
            channel, self._next_ts(), text, blocks, user=self.bot_user_id, ephemeral_to=str(user)
        )
        with self._lock:
            self.messages.append(message)
        return {"message_ts": message.ts}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = str(args.get("trigger_id", ""))
        with self._lock:
            issued = self._triggers.pop(trigger, None)
            exchanged = trigger in self._used_triggers
            self._used_triggers.add(trigger)
        if exchanged:
            raise _ApiError("exchanged_trigger_id")
        if issued is None:
            raise _ApiError("invalid_trigger_id")
        if self._clock() - issued > TRIGGER_ID_TTL_S:
            raise _ApiError("expired_trigger_id")
        return {"view": self._store_view(args.get("view"))}

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = str(args.get("view_id", ""))
        with self._lock:
            if view_id not in self._views:
                raise _ApiError("not_found")
        return {"view": self._store_view(args.get("view"), view_id)}

    def _store_view(self, view: Any, view_id: str | None = None) -> dict[str, Any]:
        try:
            check_view_blocks(view)
        except BlockLimitError as exc:
            raise _ApiError("invalid_arguments", response_metadata={"messages": exc.problems}) from exc
        assert isinstance(view, dict)
        stored = {**view, "id": view_id or f"V{next(self._ids):08d}"}
        with self._lock:
            self._views[stored["id"]] = stored
        return stored

    def _m_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        if "channels:read" not in self.scopes:
            raise _ApiError("missing_scope", needed="channels:read", provided=",".join(self.scopes))
        channel = self._channel(args)
        member = self.bot_channels is None or channel in self.bot_channels
        return {"channel": {"id": channel, "is_channel": True, "is_private": False, "is_member": member}}

    def _m_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup", ""))
        if group not in self.usergroups:
            raise _ApiError("no_such_subteam")
        return {"users": list(self.usergroups[group])}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = args.get("filename")
        try:
            length = int(args.get("length", ""))
        except ValueError as exc:
            raise _ApiError("invalid_arguments") from exc
        if not filename or length < 1:
            raise _ApiError("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        with self._lock:
            self.files[file_id] = UploadedFile(file_id, str(filename), length)
        return {"upload_url": f"{self.origin}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise _ApiError("invalid_arguments")
        channel = self._channel(args, "channel_id") if args.get("channel_id") else None
        shared = []
        with self._lock:
            for entry in entries:
                uploaded = self.files.get(str(entry.get("id")))
                if uploaded is None or len(uploaded.content) == 0:
                    raise _ApiError("file_not_found")
                uploaded.title = entry.get("title") or uploaded.filename
                uploaded.channel, uploaded.thread_ts, uploaded.shared = (
                    channel,
                    args.get("thread_ts"),
                    channel is not None,
                )
                shared.append({"id": uploaded.id, "name": uploaded.filename, "title": uploaded.title})
            if channel and args.get("thread_ts"):
                for message in self.messages:
                    if message.channel == channel and message.ts == args["thread_ts"]:
                        message.files.extend(item["id"] for item in shared)
        return {"files": shared}

    def _upload(self, request: Request, file_id: str) -> Response:
        failure = self._failure("upload")
        if failure is not None:
            return Response(failure[1], status=failure[0])
        with self._lock:
            uploaded = self.files.get(file_id)
            if uploaded is None:
                return Response("not found", status=404)
            uploaded.content = request.get_data()
        return Response(f"OK - {len(uploaded.content)}", status=200)

    def _response_url(self, request: Request, token: str) -> Response:
        with self._lock:
            entry = self._response_urls.get(token)
            if entry is None:
                return Response(json.dumps({"ok": False, "error": "invalid_url"}), status=404)
            issued, uses = entry
            if uses >= RESPONSE_URL_USES or self._clock() - issued > RESPONSE_URL_TTL_S:
                return Response(json.dumps({"ok": False, "error": "expired_url"}), status=404)
            self._response_urls[token] = (issued, uses + 1)
            self.responses.append(json.loads(request.get_data() or b"{}"))
        return Response(json.dumps({"ok": True}), status=200, mimetype="application/json")
