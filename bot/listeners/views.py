"""The target modal: validated in the ack (``response_action: errors``), started in the lazy part.

A submission the ack refuses starts no lazy listener: one Lambda invocation, not two."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.authz import Verdict
from bot.deps import BotDeps
from bot.flows import open_scan_request
from bot.i18n import t
from bot.listeners.commands import channel_refusal, log_channel_refusal
from bot.render.modal import ACCOUNTS_BLOCK, MODAL_CALLBACK_ID, ModalChoice, read_submission

__all__ = ["SubmissionTriage", "register", "triage_submission"]

logger = logging.getLogger("cce_scan.bot")
_TRIAGE = "cce_scan_submission_triage"  # the request context's key for the decision


@dataclass(frozen=True)
class SubmissionTriage:
    """The ack's decision on a modal submission, from the request body alone (no network call):
    ``errors`` (``response_action: errors``) when the ack's answer is all there is."""

    errors: dict[str, str] | None = None
    refused: Literal["requester", "channel"] | None = None
    channel: str = ""

    @property
    def finished_in_ack(self) -> bool:
        """True when the ack refuses the submission: no lazy listener (no second invocation)."""
        return self.errors is not None


def triage_submission(deps: BotDeps, body: dict[str, Any]) -> SubmissionTriage:
    """Decide the ack's answer: the same function routes the request (:func:`register`'s matcher)
    and builds the ack's reply, so the two cannot disagree."""
    locale = deps.locale
    if deps.authorizer.quick(body["user"]["id"], "requester") is Verdict.DENIED:
        return SubmissionTriage({ACCOUNTS_BLOCK: t("not_allowed_requester", locale)}, "requester")
    choice = read_submission(body.get("view") or {}, locale)
    if isinstance(choice, dict):
        return SubmissionTriage(choice)
    # The modal opens only from an allowed channel; checked again (the allowed channels may
    # have changed while it was open).
    refusal = channel_refusal(deps, choice.channel_id)
    if refusal is not None:
        return SubmissionTriage({ACCOUNTS_BLOCK: refusal}, "channel", choice.channel_id)
    return SubmissionTriage()


def register(app: App, deps: BotDeps) -> None:
    locale = deps.locale

    def finished_in_ack(body: dict[str, Any], context: BoltContext) -> bool:
        decided = context[_TRIAGE] = triage_submission(deps, body)  # kept for the ack
        return decided.finished_in_ack

    def ack_submission(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        decided = context.get(_TRIAGE) or triage_submission(deps, body)
        user = body["user"]["id"]
        if decided.refused == "requester":
            logger.warning("refused modal submission from %s: not a requester", user)
        elif decided.refused == "channel":
            log_channel_refusal("modal submission", user, decided.channel)
        if decided.errors is not None:
            ack(response_action="errors", errors=decided.errors)
            return
        ack()

    def run_submission(body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        choice = read_submission(body["view"], locale)
        if not isinstance(choice, ModalChoice) or not choice.channel_id:
            return
        if not deps.config.slack.allows_channel(choice.channel_id):
            return  # refused (and logged) in the ack
        channel = choice.channel_id

        def tell(text: str) -> None:
            client.chat_postEphemeral(channel=channel, user=user, text=text)

        if not deps.authorizer.check(user, "requester", client):
            logger.warning("refused modal submission from %s: not a requester (user groups checked)", user)
            tell(t("not_allowed_requester", locale))
            return
        kind, names = ("account", choice.accounts) if choice.accounts else ("host", choice.hosts)
        open_scan_request(
            deps,
            client,
            tell,
            requester=user,
            kind=kind,
            names=names,
            invoked_in=channel,
            idempotency_key=f"view:{body['view']['id']}",
        )

    # As for /cce-scan (bot/listeners/commands.py): a submission the ack refuses has a listener
    # without a lazy part; the rest fall through to the one with it.
    app.view(MODAL_CALLBACK_ID, matchers=[finished_in_ack])(ack_submission)
    app.view(MODAL_CALLBACK_ID)(ack=ack_submission, lazy=[run_submission])
