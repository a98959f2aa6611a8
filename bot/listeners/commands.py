"""``/cce-scan``: the ack parses, authorizes and answers (or opens the modal); the lazy part does the work."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import Verdict
from bot.commands import Cancel, Help, OpenModal, ScanRequest, Status, UsageError, parse_command
from bot.deps import BotDeps
from bot.flows import open_scan_request, refresh_parent
from bot.i18n import t
from bot.render.help import (
    help_blocks,
    targets_text,
    unknown_target_blocks,
    unknown_target_text,
    usage_blocks,
    usage_text,
)
from bot.render.modal import modal_view
from bot.render.status import status_blocks
from bot.render.text import code_inner, plain
from scanner.errors import ScanNotFoundError, ScanStateError

__all__ = ["COMMAND", "channel_refusal", "register"]

COMMAND = "/cce-scan"
logger = logging.getLogger("cce_scan.bot")


def _unknown_account_ids(deps: BotDeps, names: tuple[str, ...]) -> list[str]:
    """Names that are 12-digit IDs outside the config (other unknown names may be OUs: checked later)."""
    return [n for n in names if n.isdigit() and len(n) == 12 and deps.config.account_by_id(n) is None]


def channel_refusal(deps: BotDeps, user: str, channel: str, what: str) -> str | None:
    """The refusal for a request from a channel outside ``slack.allowed_channels`` (logged with the
    user and channel IDs), or None when the channel is allowed."""
    if deps.config.slack.allows_channel(channel):
        return None
    logger.warning("refused %s from %s in channel %s: not an allowed channel", what, user, channel)
    allowed = ", ".join(f"<#{c}>" for c in deps.config.slack.allowed_channels)
    return t("channel_not_allowed", deps.locale, channels=allowed)


def register(app: App, deps: BotDeps) -> None:
    locale = deps.locale

    def ack_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = parse_command(command.get("text", ""))
        user = command["user_id"]
        refusal = channel_refusal(deps, user, str(command.get("channel_id", "")), COMMAND)
        if refusal is not None:
            ack(text=refusal, response_type="ephemeral")
            return
        if isinstance(parsed, Help):
            ack(blocks=help_blocks(locale), text=t("help_title", locale), response_type="ephemeral")
            return
        if isinstance(parsed, UsageError):
            ack(blocks=usage_blocks(parsed, locale), text=usage_text(parsed, locale))
            return
        verdict = deps.authorizer.quick(user, "requester")
        if verdict is Verdict.DENIED:
            logger.warning("refused /cce-scan from %s: not a requester", user)
            ack(text=t("not_allowed_requester", locale), response_type="ephemeral")
            return
        if isinstance(parsed, OpenModal):
            try:
                client.views_open(
                    trigger_id=command["trigger_id"],
                    view=modal_view(deps.config, command["channel_id"], locale),
                )
            except SlackApiError as exc:
                error = str(exc.response.get("error") or exc.response.status_code)
                logger.warning("views.open failed for %s: %s", user, error)
                ack(text=t("modal_failed", locale, error=plain(error, 200)), response_type="ephemeral")
                return
            ack()
            return
        if isinstance(parsed, ScanRequest) and parsed.kind == "account":
            unknown = _unknown_account_ids(deps, parsed.names)
            if unknown:
                ack(
                    blocks=unknown_target_blocks(unknown[0], deps.config, locale),
                    text=unknown_target_text(unknown[0], deps.config, locale),
                )
                return
        if isinstance(parsed, ScanRequest):
            key = "accepted" if verdict is Verdict.ALLOWED else "checking"
            ack(text=t(key, locale, targets=targets_text(parsed.names, locale)), response_type="ephemeral")
            return
        ack()

    def run_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """The lazy part. Bolt logs and drops what a lazy listener raises (Lambda never sees it, so
        never retries it): a failure is told to the person here, never lost in silence."""
        try:
            _run_command(body, client, respond)
        except Exception as exc:
            logger.exception("/cce-scan from %s failed", body.get("user_id"))
            respond(text=t("request_failed", locale, error=type(exc).__name__), response_type="ephemeral")

    def _run_command(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        parsed = parse_command(body.get("text", ""))
        user = body["user_id"]
        if not isinstance(parsed, (ScanRequest, Status, Cancel)):
            return
        if not deps.config.slack.allows_channel(str(body.get("channel_id", ""))):
            return  # refused (and logged) in the ack
        if not deps.authorizer.check(user, "requester", client):
            logger.warning("refused /cce-scan from %s: not a requester (user groups checked)", user)
            respond(text=t("not_allowed_requester", locale), response_type="ephemeral")
            return
        if isinstance(parsed, ScanRequest):
            open_scan_request(
                deps,
                client,
                lambda text: respond(text=text, response_type="ephemeral"),
                requester=user,
                kind=parsed.kind,
                names=parsed.names,
                invoked_in=body["channel_id"],
                idempotency_key=f"trigger:{body['trigger_id']}",
            )
        elif isinstance(parsed, Status):
            try:
                records = [deps.scans.get(parsed.scan_id)] if parsed.scan_id else deps.scans.recent()
            except ScanNotFoundError:
                respond(
                    text=t("scan_not_found", locale, scan=code_inner(parsed.scan_id or "", 100)),
                    response_type="ephemeral",
                )
                return
            respond(
                blocks=status_blocks(records, locale),
                text=t("status_title", locale),
                response_type="ephemeral",
            )
        else:
            _cancel(parsed.scan_id, user, client, respond)

    def _cancel(scan_id: str, user: str, client: WebClient, respond: Respond) -> None:
        try:
            record = deps.scans.get(scan_id)
        except ScanNotFoundError:
            respond(
                text=t("scan_not_found", locale, scan=code_inner(scan_id, 100)), response_type="ephemeral"
            )
            return
        if user != record.requester and not deps.authorizer.check(user, "approver", client):
            logger.warning("refused cancel of %s by %s", scan_id, user)
            respond(text=t("not_allowed_cancel", locale), response_type="ephemeral")
            return
        try:
            deps.scans.cancel(scan_id, by=user)
        except ScanStateError as exc:
            respond(text=t("cannot_cancel", locale, reason=plain(str(exc), 500)), response_type="ephemeral")
            return
        respond(text=t("cancel_requested", locale, scan=scan_id), response_type="ephemeral")
        refresh_parent(deps, client, scan_id)

    app.command(COMMAND)(ack=ack_command, lazy=[run_command])
