"""``/cce-scan``: the ack parses, authorizes and answers (or opens the modal); the lazy part does the work.

A command the ack answers completely (help, a usage error, an unknown account ID, a refusal, the
modal) starts no lazy listener, so it costs one Lambda invocation, not two."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import Verdict
from bot.commands import (
    Cancel,
    Command,
    Help,
    OpenModal,
    ScanRequest,
    Status,
    UsageError,
    parse_command,
)
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

__all__ = ["COMMAND", "Answer", "Triage", "channel_refusal", "log_channel_refusal", "register", "triage"]

COMMAND = "/cce-scan"
logger = logging.getLogger("cce_scan.bot")


def _unknown_account_ids(deps: BotDeps, names: tuple[str, ...]) -> list[str]:
    """Names that are 12-digit IDs outside the config (other unknown names may be OUs: checked later)."""
    return [n for n in names if n.isdigit() and len(n) == 12 and deps.config.account_by_id(n) is None]


def channel_refusal(deps: BotDeps, channel: str) -> str | None:
    """The refusal for a request from a channel outside ``slack.allowed_channels``, or None when
    the channel is allowed (pure: the ack logs it, :func:`log_channel_refusal`)."""
    if deps.config.slack.allows_channel(channel):
        return None
    allowed = ", ".join(f"<#{c}>" for c in deps.config.slack.allowed_channels)
    return t("channel_not_allowed", deps.locale, channels=allowed)


def log_channel_refusal(what: str, user: str, channel: str) -> None:
    """Log a refusal of :func:`channel_refusal` with the user and channel IDs."""
    logger.warning("refused %s from %s in channel %s: not an allowed channel", what, user, channel)


class Answer(StrEnum):
    """What the ack answers a ``/cce-scan`` with."""

    CHANNEL_REFUSED = "channel_refused"
    HELP = "help"
    USAGE = "usage"
    NOT_REQUESTER = "not_requester"
    MODAL = "modal"
    UNKNOWN_ACCOUNT = "unknown_account"
    # The ack only acknowledges; the lazy listener does the work.
    ACCEPTED = "accepted"
    CHECKING = "checking"
    LAZY = "lazy"


_TRIAGE = "cce_scan_triage"  # the request context's key for the decision
_WORK = frozenset({Answer.ACCEPTED, Answer.CHECKING, Answer.LAZY})


@dataclass(frozen=True)
class Triage:
    """The ack's decision on a ``/cce-scan``, from the request body alone (no network call)."""

    parsed: Command
    answer: Answer
    subject: str = ""  # the refusal's text, or the unknown account ID

    @property
    def finished_in_ack(self) -> bool:
        """True when the ack's answer is all there is: no lazy listener (no second invocation)."""
        return self.answer not in _WORK


def triage(deps: BotDeps, command: dict[str, Any]) -> Triage:
    """Decide the ack's answer: the same function routes the request (:func:`register`'s matcher)
    and builds the ack's reply, so the two cannot disagree."""
    parsed = parse_command(command.get("text", ""))
    refusal = channel_refusal(deps, str(command.get("channel_id", "")))
    if refusal is not None:
        return Triage(parsed, Answer.CHANNEL_REFUSED, refusal)
    if isinstance(parsed, Help):
        return Triage(parsed, Answer.HELP)
    if isinstance(parsed, UsageError):
        return Triage(parsed, Answer.USAGE)
    verdict = deps.authorizer.quick(str(command.get("user_id", "")), "requester")
    if verdict is Verdict.DENIED:
        return Triage(parsed, Answer.NOT_REQUESTER)
    if isinstance(parsed, OpenModal):
        return Triage(parsed, Answer.MODAL)
    if isinstance(parsed, ScanRequest):
        if parsed.kind == "account":
            unknown = _unknown_account_ids(deps, parsed.names)
            if unknown:
                return Triage(parsed, Answer.UNKNOWN_ACCOUNT, unknown[0])
        return Triage(parsed, Answer.ACCEPTED if verdict is Verdict.ALLOWED else Answer.CHECKING)
    return Triage(parsed, Answer.LAZY)


def register(app: App, deps: BotDeps) -> None:
    locale = deps.locale

    def finished_in_ack(body: dict[str, Any], context: BoltContext) -> bool:
        # Kept for the ack, so that it answers what the routing decided (a user group's cached
        # membership could run out in between).
        decided = context[_TRIAGE] = triage(deps, body)
        return decided.finished_in_ack

    def ack_command(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        decided = context.get(_TRIAGE) or triage(deps, command)
        parsed, answer, user = decided.parsed, decided.answer, command["user_id"]
        if answer is Answer.CHANNEL_REFUSED:
            log_channel_refusal(COMMAND, user, str(command.get("channel_id", "")))
            ack(text=decided.subject, response_type="ephemeral")
        elif isinstance(parsed, Help):
            ack(blocks=help_blocks(locale), text=t("help_title", locale), response_type="ephemeral")
        elif isinstance(parsed, UsageError):
            ack(blocks=usage_blocks(parsed, locale), text=usage_text(parsed, locale))
        elif answer is Answer.NOT_REQUESTER:
            logger.warning("refused /cce-scan from %s: not a requester", user)
            ack(text=t("not_allowed_requester", locale), response_type="ephemeral")
        elif answer is Answer.MODAL:
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
        elif answer is Answer.UNKNOWN_ACCOUNT:
            ack(
                blocks=unknown_target_blocks(decided.subject, deps.config, locale),
                text=unknown_target_text(decided.subject, deps.config, locale),
            )
        elif isinstance(parsed, ScanRequest):
            key = "accepted" if answer is Answer.ACCEPTED else "checking"
            ack(text=t(key, locale, targets=targets_text(parsed.names, locale)), response_type="ephemeral")
        else:
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

    # The first listener whose matchers all return True handles a request. A command the ack answers
    # completely has a listener without a lazy part: no second invocation. The rest fall through to
    # the one with the lazy part, which has no matcher of its own: in the lazy invocation Bolt matches
    # the request again, maybe in another execution environment whose user-group cache differs, and
    # a listener without a lazy part that matches there runs nothing and lets the request fall
    # through, so the lazy part always finds its listener.
    app.command(COMMAND, matchers=[finished_in_ack])(ack_command)
    app.command(COMMAND)(ack=ack_command, lazy=[run_command])
