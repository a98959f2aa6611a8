"""The help text and usage errors, answered inside the ack as an ephemeral message."""

from __future__ import annotations

import difflib

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.commands import UsageError
from bot.i18n import Locale, t
from bot.render.limits import CONTEXT_TEXT_MAX
from bot.render.text import NAME_SHOWN, code, code_inner, join_within
from scanner.config import Config

__all__ = [
    "help_blocks",
    "nearest_targets",
    "targets_text",
    "unknown_target_blocks",
    "unknown_target_text",
    "usage_blocks",
    "usage_text",
]

SUBJECT_SHOWN = 100  # characters of what the person typed, quoted back
SUGGESTIONS = 5
CUTOFF = 0.6  # how alike a configured name must be to be suggested (difflib's ratio)
KNOWN_SHOWN = 1_500  # characters of the list of configured names
TARGETS_SHOWN = 1_000  # characters of the names a request repeats


def help_blocks(locale: Locale) -> list[Block]:
    return [
        HeaderBlock(text=t("help_title", locale)),
        SectionBlock(text=MarkdownTextObject(text=t("help_body", locale))),
    ]


def usage_text(error: UsageError, locale: Locale) -> str:
    """The problem as one line of fallback text."""
    return t(error.problem, locale, subject=code_inner(error.subject, SUBJECT_SHOWN))


def usage_blocks(error: UsageError, locale: Locale) -> list[Block]:
    """The problem, then an example of a command that works."""
    problem = t(error.problem, locale, subject=code_inner(error.subject, SUBJECT_SHOWN))
    example = t("example", locale, example=code_inner(error.example, SUBJECT_SHOWN))
    return [
        SectionBlock(text=MarkdownTextObject(text=f":warning: {problem}")),
        ContextBlock(elements=[MarkdownTextObject(text=example)]),
    ]


def targets_text(names: tuple[str, ...], locale: Locale) -> str:
    """What was asked for, as the ack repeats it: names escaped, as many as fit, then how many more."""
    return join_within(
        [code_inner(name, NAME_SHOWN) for name in names],
        TARGETS_SHOWN,
        lambda n: t("and_more", locale, n=str(n)),
        " ",
    )


def _candidates(config: Config) -> dict[str, str]:
    """What a person may have meant → how it is shown: aliases, groups, and account IDs."""
    shown = {name: code(name) for name in sorted({a.alias for a in config.accounts} | set(config.groups))}
    shown.update({a.id: f"{code(a.alias)} ({a.id})" for a in config.accounts})
    return shown


def nearest_targets(typed: str, config: Config, limit: int = SUGGESTIONS) -> list[str]:
    """The configured names (aliases, groups, account IDs) closest to what was typed, closest first."""
    typed = typed.lower()
    scored = []
    for name in _candidates(config):
        matcher = difflib.SequenceMatcher(None, typed, name)
        if matcher.real_quick_ratio() >= CUTOFF and matcher.quick_ratio() >= CUTOFF:
            score = matcher.ratio()
            if score >= CUTOFF:
                scored.append((-score, name))
    return [name for _, name in sorted(scored)[:limit]]


def unknown_target_text(typed: str, config: Config, locale: Locale) -> str:
    """The fallback text of :func:`unknown_target_blocks`: the problem and the nearest names."""
    text = t("unknown_target", locale, subject=code_inner(typed, SUBJECT_SHOWN))
    aliases = {a.id: a.alias for a in config.accounts}
    near = [
        f"{aliases[name]} ({name})" if name in aliases else name for name in nearest_targets(typed, config)
    ]
    if near:
        text += " " + t("did_you_mean", locale, names=", ".join(near))
    return text


def unknown_target_blocks(typed: str, config: Config, locale: Locale) -> list[Block]:
    """A name that is not in the configuration: the nearest configured names first, then as many
    of the others as fit, and how many more there are."""
    shown = _candidates(config)
    near = nearest_targets(typed, config)
    problem = t("unknown_target", locale, subject=code_inner(typed, SUBJECT_SHOWN))
    if near:
        problem += " " + t("did_you_mean", locale, names=", ".join(shown[name] for name in near))
    names = sorted({a.alias for a in config.accounts} | set(config.groups))
    template = t("known_targets", locale, n=str(len(names)), names="")
    listed = join_within(
        [shown[name] for name in names],
        min(KNOWN_SHOWN, CONTEXT_TEXT_MAX) - len(template),
        lambda n: t("and_more", locale, n=str(n)),
    )
    example = t("example", locale, example="/cce-scan account " + (near[0] if near else names[0]))
    return [
        SectionBlock(text=MarkdownTextObject(text=f":warning: {problem}")),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=t("known_targets", locale, n=str(len(names)), names=listed)),
                MarkdownTextObject(text=example),
            ]
        ),
    ]
