"""Who may request and approve (bot/authz.py), against the local Slack Web API: members named
directly decide at once; user groups are looked up with ``usergroups.users.list`` once per TTL, and
a change to a group applies when the cached membership runs out, not before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app import slack_client
from bot.authz import Authorizer, Verdict
from localworld.slack import SlackApiServer

SECOPS = "S01SECOPS"
TTL = 300.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer(usergroups={SECOPS: ["U05MEMBER"]}) as server:
        yield server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def authz(clock: Clock) -> Authorizer:
    return Authorizer(
        requesters=["U01REQUESTER", SECOPS], approvers=["U02APPROVER"], ttl_seconds=TTL, clock=clock
    )


def lookups(slack: SlackApiServer) -> int:
    return len(slack.calls_to("usergroups.users.list"))


def test_a_member_named_directly_is_decided_in_the_ack_without_a_lookup(
    authz: Authorizer, slack: SlackApiServer
) -> None:
    assert authz.quick("U01REQUESTER", "requester") is Verdict.ALLOWED
    assert authz.quick("U02APPROVER", "approver") is Verdict.ALLOWED
    assert authz.quick("U01REQUESTER", "approver") is Verdict.DENIED  # approvers name no group
    assert lookups(slack) == 0


def test_a_group_member_needs_one_lookup_and_is_then_decided_in_the_ack(
    authz: Authorizer, slack: SlackApiServer
) -> None:
    client = slack_client(slack.bot_token, slack.base_url)
    assert authz.quick("U05MEMBER", "requester") is Verdict.NEEDS_LOOKUP
    assert authz.check("U05MEMBER", "requester", client)
    assert not authz.check("U06STRANGER", "requester", client)
    assert lookups(slack) == 1
    assert authz.quick("U05MEMBER", "requester") is Verdict.ALLOWED
    assert authz.quick("U06STRANGER", "requester") is Verdict.DENIED


def test_someone_removed_from_the_group_keeps_access_until_the_cache_runs_out_then_loses_it(
    authz: Authorizer, slack: SlackApiServer, clock: Clock
) -> None:
    client = slack_client(slack.bot_token, slack.base_url)
    assert authz.check("U05MEMBER", "requester", client)
    slack.usergroups[SECOPS] = []
    clock.now += TTL - 1
    assert authz.check("U05MEMBER", "requester", client)  # still the cached membership
    assert lookups(slack) == 1
    clock.now += 1
    assert authz.quick("U05MEMBER", "requester") is Verdict.NEEDS_LOOKUP
    assert not authz.check("U05MEMBER", "requester", client)
    assert lookups(slack) == 2
