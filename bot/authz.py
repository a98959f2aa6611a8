"""Who may request and who may approve: member IDs directly, user groups through a cached lookup."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from enum import StrEnum

from slack_sdk import WebClient

__all__ = ["Authorizer", "Verdict"]


class Verdict(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    # Only a user-group lookup can tell: it is a network call, so it is made in the lazy listener.
    NEEDS_LOOKUP = "needs_lookup"


class Authorizer:
    """Decides from the config's ``slack.requesters`` / ``slack.approvers`` lists."""

    def __init__(
        self,
        requesters: Iterable[str],
        approvers: Iterable[str],
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._requesters = tuple(requesters)
        self._approvers = tuple(approvers)
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}

    @staticmethod
    def _split(principals: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
        users = frozenset(p for p in principals if not p.startswith("S"))
        groups = tuple(p for p in principals if p.startswith("S"))
        return users, groups

    def quick(self, user: str, role: str) -> Verdict:
        """A decision without any network call (safe in the ack)."""
        users, groups = self._split(self._requesters if role == "requester" else self._approvers)
        if user in users:
            return Verdict.ALLOWED
        if not groups:
            return Verdict.DENIED
        with self._lock:
            now = self._clock()
            cached = [self._groups.get(group) for group in groups]
        if all(entry is not None and now - entry[0] < self._ttl for entry in cached):
            member = any(entry is not None and user in entry[1] for entry in cached)
            return Verdict.ALLOWED if member else Verdict.DENIED
        return Verdict.NEEDS_LOOKUP

    def check(self, user: str, role: str, client: WebClient) -> bool:
        """The full decision, looking up user groups (``usergroups.users.list``) when needed."""
        verdict = self.quick(user, role)
        if verdict is not Verdict.NEEDS_LOOKUP:
            return verdict is Verdict.ALLOWED
        _, groups = self._split(self._requesters if role == "requester" else self._approvers)
        return any(user in self._members(group, client) for group in groups)

    def _members(self, group: str, client: WebClient) -> frozenset[str]:
        with self._lock:
            cached = self._groups.get(group)
            if cached is not None and self._clock() - cached[0] < self._ttl:
                return cached[1]
        users = client.usergroups_users_list(usergroup=group).get("users") or []
        members = frozenset(str(user) for user in users)
        with self._lock:
            self._groups[group] = (self._clock(), members)
        return members
