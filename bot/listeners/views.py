"""The target modal: validated in the ack (``response_action: errors``), started in the lazy part."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.authz import Verdict
from bot.deps import BotDeps
from bot.flows import open_scan_request
from bot.i18n import t
from bot.listeners.commands import channel_refusal
from bot.render.modal import ACCOUNTS_BLOCK, MODAL_CALLBACK_ID, ModalChoice, read_submission

__all__ = ["register"]

logger = logging.getLogger("cce_scan.bot")


def register(app: App, deps: BotDeps) -> None:
    locale = deps.locale

    def ack_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        if deps.authorizer.quick(body["user"]["id"], "requester") is Verdict.DENIED:
            logger.warning("refused modal submission from %s: not a requester", body["user"]["id"])
            ack(response_action="errors", errors={ACCOUNTS_BLOCK: t("not_allowed_requester", locale)})
            return
        choice = read_submission(view, locale)
        if isinstance(choice, dict):
            ack(response_action="errors", errors=choice)
            return
        # The modal opens only from an allowed channel; checked again (the allowed channels may
        # have changed while it was open).
        refusal = channel_refusal(deps, body["user"]["id"], choice.channel_id, "modal submission")
        if refusal is not None:
            ack(response_action="errors", errors={ACCOUNTS_BLOCK: refusal})
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

    app.view(MODAL_CALLBACK_ID)(ack=ack_submission, lazy=[run_submission])
