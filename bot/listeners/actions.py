"""Approve / Deny buttons: the ack only acknowledges; the lazy part re-checks the clicker and decides
(:mod:`bot.decisions`: the request's decision and the scan's start or denial in one write)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.decisions import Decision, decide
from bot.deps import BotDeps
from bot.flows import refresh_parent
from bot.i18n import t
from bot.render.thread import APPROVE_ACTION, DENY_ACTION, approval_blocks, scan_state

__all__ = ["register"]

logger = logging.getLogger("cce_scan.bot")


def register(app: App, deps: BotDeps) -> None:
    locale = deps.locale

    def ack_decision(ack: Ack) -> None:
        ack()

    def on_click(body: dict[str, Any], client: WebClient, respond: Respond, approve: bool) -> None:
        user = body["user"]["id"]
        action = body["actions"][0]
        scan_id, _, requester = str(action.get("value", "")).partition("|")
        if user == requester:
            logger.warning("refused self-approval of %s by %s", scan_id, user)
            respond(text=t("self_approval", locale), response_type="ephemeral", replace_original=False)
            return
        if not deps.authorizer.check(user, "approver", client):
            logger.warning("refused decision on %s by %s: not an approver", scan_id, user)
            respond(text=t("not_allowed_approver", locale), response_type="ephemeral", replace_original=False)
            return
        decision = decide(deps.approvals, deps.scans, scan_id, user, approve=approve, now=deps.now())
        logger.info(
            "approval decision on %s by %s: approve=%s won=%s refused=%s",
            scan_id,
            user,
            approve,
            decision.won,
            decision.refused,
        )
        if decision.refused == "self_approval":
            respond(text=t("self_approval", locale), response_type="ephemeral", replace_original=False)
            return
        if decision.refused == "already_decided":
            who = decision.approval.decided_by or ""
            respond(
                text=t("already_decided", locale, who=f"<@{who}>"),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        if decision.refused == "scan_closed":
            state = t(scan_state(deps.scans.get(scan_id)), locale)
            respond(
                text=t("approval_scan_closed", locale, scan=scan_id, state=state),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        if decision.refused == "expired":
            respond(
                text=t("approval_expired", locale, who=""), response_type="ephemeral", replace_original=False
            )
        show_decision(client, decision)
        refresh_parent(deps, client, scan_id)

    def show_decision(client: WebClient, decision: Decision) -> None:
        approval = decision.approval
        if approval.channel is None or approval.message_ts is None:
            return
        record = deps.scans.get(approval.scan_id)
        client.chat_update(
            channel=approval.channel,
            ts=approval.message_ts,
            text=t("approval_request", locale, requester=f"<@{approval.requester}>", scan=record.scan_id),
            blocks=approval_blocks(record, approval, {}, locale),
        )

    def approve(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        on_click(body, client, respond, approve=True)

    def deny(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        on_click(body, client, respond, approve=False)

    app.action(APPROVE_ACTION)(ack=ack_decision, lazy=[approve])
    app.action(DENY_ACTION)(ack=ack_decision, lazy=[deny])
