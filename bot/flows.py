"""What the lazy listeners do, shared by the slash command and the modal: record, post, approve or start."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import BotDeps
from bot.i18n import Locale, t
from bot.render.text import escape
from bot.render.thread import approval_blocks, parent_blocks, parent_text
from bot.starting import AwsFailure, start_with_retries
from scanner.errors import ScanNotFoundError, TargetError

__all__ = ["open_scan_request", "refresh_parent"]

logger = logging.getLogger("cce_scan.bot")

# Slack's chat.update is Tier 3: the parent of one scan is edited at most once per 3 s (bot.notifier).
UPDATE_INTERVAL_MS = 3000

Say = Callable[[str], object]


# Slack's answers when the bot may not post in the channel (not a passing failure).
CHANNEL_REFUSALS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})


def open_scan_request(
    deps: BotDeps,
    client: WebClient,
    say_private: Say,
    *,
    requester: str,
    kind: str,
    names: tuple[str, ...],
    invoked_in: str,
    idempotency_key: str,
) -> str | None:
    """Resolve, record (idempotent on ``idempotency_key``; AWAITING_APPROVAL when the targets need
    approval), post the parent in the report channel (``slack.report_channel``; without one, the
    channel ``invoked_in``), tell the requester the thread's link, then ask approval or start.

    Safe to run twice for the same request (a Lambda retry of the lazy listener): the scan is
    recorded once, the parent and the approval message are posted once, the jobs are queued once.
    Returns the scan ID, or None when the request was refused (the requester is told why).
    """
    locale = deps.locale
    channel = deps.config.slack.report_channel_for(invoked_in)
    try:
        record = deps.scans.create(kind, names, requester, channel, idempotency_key)
    except TargetError as exc:
        say_private(t("target_problem", locale, problem=escape(str(exc))))
        return None
    targets = record.targets
    needs_approval = deps.scans.needs_approval(targets)
    approval = None
    if needs_approval:
        now = deps.now()
        approval = deps.approvals.request(
            record.scan_id, requester, now, now + timedelta(minutes=deps.config.scan.approval_ttl_minutes)
        )
    thread_ts = record.thread_ts
    if thread_ts is None:
        try:
            posted = client.chat_postMessage(
                channel=channel,
                text=parent_text(record, locale),
                blocks=parent_blocks(record, locale),
            )
        except SlackApiError as exc:
            # No thread, no scan: close it rather than leave it waiting where no one can see it.
            deps.scans.cancel(record.scan_id, by=requester)
            error = str(exc.response.get("error") or exc.response.status_code)
            key = "cannot_post" if error in CHANNEL_REFUSALS else "slack_failed"
            say_private(t(key, locale, error=escape(error), scan=record.scan_id, channel=channel))
            return None
        thread_ts = str(posted["ts"])
        if not deps.scans.attach_thread(record.scan_id, channel, thread_ts):
            client.chat_delete(channel=channel, ts=thread_ts)  # another delivery posted the parent first
            return record.scan_id
        say_private(_thread_link(client, record.scan_id, channel, thread_ts, locale))
    if approval is not None:
        if approval.message_ts is None:
            estimate = deps.scans.estimate_hosts(targets)
            message = client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=t("approval_request", locale, requester=f"<@{requester}>", scan=record.scan_id),
                blocks=approval_blocks(record, approval, estimate, locale),
            )
            deps.approvals.set_message(record.scan_id, channel, str(message["ts"]))
        return record.scan_id
    try:
        start_with_retries(lambda: deps.scans.start(record.scan_id, approver=None))
    except AwsFailure as exc:
        # Nothing will pick this scan up again (Bolt does not retry a lazy listener): close it.
        logger.exception("scan %s could not be started", record.scan_id)
        deps.scans.cancel(record.scan_id, by=requester)
        say_private(t("start_failed", locale, scan=record.scan_id, error=type(exc).__name__))
        refresh_parent(deps, client, record.scan_id)
        return record.scan_id
    refresh_parent(deps, client, record.scan_id)
    return record.scan_id


def _thread_link(client: WebClient, scan_id: str, channel: str, thread_ts: str, locale: Locale) -> str:
    """What tells the requester where the report goes: the thread's permalink, or (when Slack does
    not give one) the report channel."""
    try:
        permalink = str(client.chat_getPermalink(channel=channel, message_ts=thread_ts)["permalink"])
    except (SlackApiError, KeyError) as exc:
        logger.warning("no permalink for the thread of scan %s: %s", scan_id, type(exc).__name__)
        return t("report_thread_no_link", locale, scan=scan_id, channel=channel)
    return t("report_thread", locale, scan=scan_id, link=f"<{permalink}|{scan_id}>")


def refresh_parent(deps: BotDeps, client: WebClient, scan_id: str) -> None:
    """Re-render the thread parent from the stored scan, within the notifier's 3-second budget per
    scan (skipped when the budget is spent: the notifier's next update shows the same state)."""
    try:
        record = deps.scans.get(scan_id)
    except ScanNotFoundError:
        logger.warning("parent refresh for unknown scan %s", scan_id)
        return
    if record.channel is None or record.thread_ts is None:
        return
    if not deps.threads.claim_update(scan_id, int(time.time() * 1000), UPDATE_INTERVAL_MS):
        return
    client.chat_update(
        channel=record.channel,
        ts=record.thread_ts,
        text=parent_text(record, deps.locale),
        blocks=parent_blocks(record, deps.locale),
    )
