"""Slack's side of the conversation: signed requests to the bot's Function URL, as Slack sends them.

The driver issues real ``trigger_id`` and ``response_url`` values from the local Slack server,
builds slash-command, ``block_actions`` and ``view_submission`` bodies, signs them with the app's
signing secret (``v0`` HMAC-SHA256 over ``v0:<timestamp>:<body>``) and hands them to the bot as
Lambda Function URL events (payload format 2.0, or API Gateway 1.0 on request).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from localworld.slack.server import Message, SlackApiServer

__all__ = ["BotAnswer", "SlackDriver", "function_url_event", "sign"]

Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def sign(secret: str, timestamp: int, body: str) -> str:
    """Slack's request signature."""
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def function_url_event(body: str, headers: dict[str, str], *, version: str = "2.0") -> dict[str, Any]:
    """A Lambda Function URL event (payload 2.0) or an API Gateway REST event (1.0) for a POST."""
    if version == "1.0":
        return {
            "version": "1.0",
            "resource": "/",
            "path": "/",
            "httpMethod": "POST",
            "headers": headers,
            "multiValueHeaders": {key: [value] for key, value in headers.items()},
            "queryStringParameters": None,
            "requestContext": {"httpMethod": "POST", "path": "/", "stage": "live"},
            "body": body,
            "isBase64Encoded": False,
        }
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": body,
        "isBase64Encoded": False,
    }


@dataclass
class BotAnswer:
    """The HTTP answer the bot gave Slack within the request."""

    status: int
    body: str
    elapsed_ms: float

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body)) if self.body else {}


class SlackDriver:
    """Sends what Slack would send when people type the command, click buttons and submit modals."""

    def __init__(
        self,
        slack: SlackApiServer,
        signing_secret: str,
        invoke: Invoke,
        *,
        team_id: str = "T0LOCAL",
        clock: Callable[[], float] = time.time,
        payload_version: str = "2.0",
    ) -> None:
        self.slack = slack
        self.signing_secret = signing_secret
        self.invoke = invoke
        self.team_id = team_id
        self.clock = clock
        self.payload_version = payload_version

    def send(
        self, body: str, content_type: str, *, timestamp: int | None = None, secret: str | None = None
    ) -> BotAnswer:
        """Sign ``body`` (optionally with a wrong secret or an old timestamp) and deliver it."""
        stamp = int(self.clock()) if timestamp is None else timestamp
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": str(stamp),
            "x-slack-signature": sign(secret or self.signing_secret, stamp, body),
        }
        started = time.perf_counter()
        response = self.invoke(function_url_event(body, headers, version=self.payload_version))
        elapsed = (time.perf_counter() - started) * 1000
        return BotAnswer(int(response.get("statusCode", 0)), str(response.get("body") or ""), elapsed)

    def command(
        self, user: str, text: str, channel: str = "C01CCESCAN", command: str = "/cce-scan", **signing: Any
    ) -> BotAnswer:
        """A slash command, as ``application/x-www-form-urlencoded``."""
        body = urlencode(
            {
                "token": "deprecated-verification-token",
                "team_id": self.team_id,
                "team_domain": "local",
                "channel_id": channel,
                "channel_name": "cce-scan",
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
                "api_app_id": "A0CCESCAN",
                "response_url": self.slack.issue_response_url(),
                "trigger_id": self.slack.issue_trigger_id(),
            }
        )
        return self.send(body, "application/x-www-form-urlencoded", **signing)

    def _interaction(self, payload: dict[str, Any], **signing: Any) -> BotAnswer:
        body = urlencode({"payload": json.dumps(payload)})
        return self.send(body, "application/x-www-form-urlencoded", **signing)

    def click(self, user: str, message: Message, action_id: str, **signing: Any) -> BotAnswer:
        """A ``block_actions`` payload for the button ``action_id`` of ``message``."""
        for block in message.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    action = {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": block.get("block_id", ""),
                        "value": element.get("value", ""),
                        "text": element.get("text"),
                        "action_ts": f"{self.clock():.6f}",
                    }
                    break
            else:
                continue
            break
        else:
            raise LookupError(f"message {message.ts} has no button {action_id!r}")
        payload = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "local"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": "A0CCESCAN",
            "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
            "trigger_id": self.slack.issue_trigger_id(),
            "channel": {"id": message.channel, "name": "cce-scan"},
            "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
            "response_url": self.slack.issue_response_url(),
            "actions": [action],
        }
        return self._interaction(payload, **signing)

    def submit(
        self, user: str, view: dict[str, Any], values: dict[str, dict[str, Any]], **signing: Any
    ) -> BotAnswer:
        """A ``view_submission`` of ``view`` (as ``views.open`` stored it) with ``values`` as its state."""
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "local"},
            "user": {"id": user, "username": user.lower(), "team_id": self.team_id},
            "api_app_id": "A0CCESCAN",
            "trigger_id": self.slack.issue_trigger_id(),
            "view": {**view, "state": {"values": values}, "hash": f"{int(self.clock())}.hash"},
        }
        return self._interaction(payload, **signing)
