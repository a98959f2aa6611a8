"""The target picker opened by ``/cce-scan`` alone, and the validation of what was submitted."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.commands import MAX_TARGETS, parse_host_ids
from bot.i18n import Locale, t
from bot.render.limits import OPTION_GROUPS_MAX, OPTION_TEXT_MAX, OPTIONS_MAX
from bot.render.text import truncate
from scanner.config import Config

__all__ = [
    "ACCOUNTS_BLOCK",
    "HOSTS_BLOCK",
    "MODAL_CALLBACK_ID",
    "ModalChoice",
    "modal_view",
    "read_submission",
]

MODAL_CALLBACK_ID = "cce_scan_modal"
ACCOUNTS_BLOCK = "targets_accounts"
ACCOUNTS_ACTION = "accounts"
HOSTS_BLOCK = "targets_hosts"
HOSTS_ACTION = "hosts"


def _options(pairs: list[tuple[str, str]]) -> list[Option]:
    """Options of plain text (Slack does not parse it): the raw label is cut, nothing is escaped."""
    return [Option(value=value, text=truncate(label, OPTION_TEXT_MAX)) for value, label in pairs]


def modal_view(config: Config, channel_id: str, locale: Locale) -> View:
    """A modal listing the config's groups and accounts (multi-select) and a free host field."""
    groups = [
        (f"group:{name}", f"{name} ({len(config.group_members(name))})") for name in sorted(config.groups)
    ]
    accounts = [(f"account:{a.alias}", f"{a.alias} · {a.id}") for a in config.accounts]
    option_groups = []
    for label, pairs in ((t("modal_groups", locale), groups), (t("modal_accounts", locale), accounts)):
        for start in range(0, len(pairs), OPTIONS_MAX):
            chunk = pairs[start : start + OPTIONS_MAX]
            option_groups.append(OptionGroup(label=label, options=_options(chunk)))
    return View(
        type="modal",
        callback_id=MODAL_CALLBACK_ID,
        title=PlainTextObject(text=t("modal_title", locale)),
        submit=PlainTextObject(text=t("modal_submit", locale)),
        close=PlainTextObject(text=t("modal_close", locale)),
        private_metadata=json.dumps({"channel_id": channel_id}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=t("modal_intro", locale))),
            InputBlock(
                block_id=ACCOUNTS_BLOCK,
                optional=True,
                label=PlainTextObject(text=t("modal_accounts_label", locale)),
                element=StaticMultiSelectElement(
                    action_id=ACCOUNTS_ACTION,
                    placeholder=PlainTextObject(text=t("modal_accounts_placeholder", locale)),
                    option_groups=option_groups[:OPTION_GROUPS_MAX],
                ),
            ),
            InputBlock(
                block_id=HOSTS_BLOCK,
                optional=True,
                label=PlainTextObject(text=t("modal_hosts_label", locale)),
                hint=PlainTextObject(text=t("modal_hosts_hint", locale)),
                element=PlainTextInputElement(
                    action_id=HOSTS_ACTION,
                    multiline=True,
                    placeholder=PlainTextObject(text="i-0123456789abcdef0, web-01, 10.0.1.23"),
                ),
            ),
        ],
    )


class ModalChoice:
    """What a valid submission asks for: account names (aliases and groups) or host words."""

    def __init__(self, accounts: tuple[str, ...], hosts: tuple[str, ...], channel_id: str) -> None:
        self.accounts = accounts
        self.hosts = hosts
        self.channel_id = channel_id


def read_submission(view: dict[str, Any], locale: Locale) -> ModalChoice | dict[str, str]:
    """The submitted choice, or a ``response_action: errors`` mapping of block ID → message."""
    values = view.get("state", {}).get("values", {})
    selected = values.get(ACCOUNTS_BLOCK, {}).get(ACCOUNTS_ACTION, {}).get("selected_options") or []
    names = tuple(str(option["value"]).split(":", 1)[1] for option in selected)
    text = values.get(HOSTS_BLOCK, {}).get(HOSTS_ACTION, {}).get("value") or ""
    words = [word for word in text.replace(",", " ").split() if word]
    hosts, problems = parse_host_ids(words)
    if problems:
        problem, word = problems[0]
        return {HOSTS_BLOCK: t(problem, locale, subject=word)}
    if names and hosts:
        return {HOSTS_BLOCK: t("modal_one_kind", locale)}
    if not names and not hosts:
        return {ACCOUNTS_BLOCK: t("modal_nothing_chosen", locale)}
    if len(hosts) > MAX_TARGETS:
        return {HOSTS_BLOCK: t("too_many_targets", locale, subject=str(MAX_TARGETS))}
    try:
        channel_id = str(json.loads(view.get("private_metadata") or "{}").get("channel_id", ""))
    except json.JSONDecodeError:
        channel_id = ""
    return ModalChoice(accounts=names, hosts=hosts, channel_id=channel_id)
