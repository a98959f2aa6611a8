"""Faults on demand: a thread-safe, mutable set of rules the world applies while it runs.

Account rules apply at the HTTP layer of the moto server (every service, or one service, or one
action of one service). Host rules are flags the SSM emulator reads when it delivers a command.

Throttling is a token bucket per (account, rule scope) refilled at ``throttle_tps`` with room for
``throttle_burst`` calls (default: one second's worth, at least 1). Time comes from ``clock``
(``time.monotonic`` unless a test injects another), so a benchmark can check that a client keeps
to R calls/s per account.

The random fractions are drawn from one stream per rule scope, seeded from ``seed`` and the scope:
an account's calls meet the same throttles in the same order whatever the other accounts do and
however their calls interleave, so two runs with one seed give every account the same luck.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AccountFaults", "FaultDecision", "Faults", "HostFaults", "OneShot"]

Clock = Callable[[], float]
# access_denied: the service's own AccessDenied answer (SSM's 400 JSON ``AccessDeniedException``), as
# when the member role lost a permission (localworld/iam/denied.py lists each service's shape).
FaultKind = Literal["throttle", "http_500", "reset", "access_denied"]


class AccountFaults(BaseModel):
    """Faults for one account, optionally narrowed to one service or one action."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    throttle_tps: float | None = Field(default=None, gt=0, description="Calls/s beyond which calls throttle.")
    throttle_burst: float | None = Field(default=None, gt=0, description="Bucket size; default max(1, tps).")
    throttle_fraction: float = Field(default=0.0, ge=0, le=1, description="Extra random throttling.")
    latency_ms: float = Field(default=0.0, ge=0)
    http_500_fraction: float = Field(default=0.0, ge=0, le=1)
    reset_fraction: float = Field(default=0.0, ge=0, le=1, description="Connection reset, no response.")
    assume_role_denied: bool = Field(default=False, description="AssumeRole into this account is denied.")


class HostFaults(BaseModel):
    """Faults for one host, read by the SSM emulator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offline: bool = Field(default=False, description="The agent stops answering (as ConnectionLost).")
    expire_urls: bool = Field(default=False, description="The host's presigned requests count as expired.")
    crash_run_step: bool = Field(default=False, description="The run step is killed by SIGSEGV.")


@dataclass(frozen=True)
class FaultDecision:
    """What the middleware does with one call: wait ``latency_ms``, then fail with ``kind`` or pass."""

    latency_ms: float = 0.0
    kind: FaultKind | None = None


_Scope = tuple[str, str | None, str | None]  # (account, service, action)


@dataclass
class OneShot:
    """A fault for the next ``remaining`` calls in ``scope`` (an action, or every action of a service)."""

    scope: _Scope
    kind: FaultKind
    remaining: int

    def matches(self, account_id: str, service: str | None, action: str | None) -> bool:
        account, wanted_service, wanted_action = self.scope
        return (
            account == account_id
            and wanted_service == service
            and (wanted_action is None or wanted_action == action)
        )

    def describe(self, action: str | None) -> str:
        account, service, _ = self.scope
        return f"{self.kind} on {service}:{action} in {account}"


class _Bucket:
    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.stamp = now

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self.stamp)
        self.stamp = now
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Faults:
    """The world's fault rules. Safe to change from any thread while the world runs."""

    def __init__(self, clock: Clock | None = None, seed: int = 0) -> None:
        self._clock: Clock = clock or time.monotonic
        self._seed = seed
        self._streams: dict[_Scope, random.Random] = {}
        self._lock = threading.Lock()
        self._accounts: dict[_Scope, AccountFaults] = {}
        self._buckets: dict[_Scope, _Bucket] = {}
        self._hosts: dict[str, HostFaults] = {}
        self._expired_signatures: set[str] = set()
        self._counts: dict[tuple[str, FaultKind], int] = {}
        self._one_shots: list[OneShot] = []
        # Told of every one-shot fault as it fires (``cce-scan local --faults`` prints them).
        self.on_fire: Callable[[str], None] | None = None

    # Account rules -------------------------------------------------------------------------

    def set_account(
        self,
        account_id: str,
        *,
        service: str | None = None,
        action: str | None = None,
        **fields: object,
    ) -> AccountFaults:
        """Set (merge) fields of the rule for ``account_id`` (and ``service``/``action``).

        ``service`` is the SigV4 signing name (``ssm``, ``s3``, ``sts``...); ``action`` the API
        operation (``SendCommand``). The most specific rule wins; rules do not combine.
        """
        if action is not None and service is None:
            raise ValueError("an action rule needs its service")
        scope: _Scope = (account_id, service, action)
        with self._lock:
            current = self._accounts.get(scope, AccountFaults())
            rule = AccountFaults.model_validate({**current.model_dump(), **fields})
            self._accounts[scope] = rule
            self._buckets.pop(scope, None)
            return rule

    def clear_account(
        self, account_id: str, *, service: str | None = None, action: str | None = None
    ) -> None:
        scope: _Scope = (account_id, service, action)
        with self._lock:
            self._accounts.pop(scope, None)
            self._buckets.pop(scope, None)

    def account(
        self, account_id: str, service: str | None = None, action: str | None = None
    ) -> AccountFaults:
        """The rule that applies to one call (most specific first), or an empty rule."""
        with self._lock:
            return self._rule(account_id, service, action)[1]

    def _rule(self, account_id: str, service: str | None, action: str | None) -> tuple[_Scope, AccountFaults]:
        for scope in ((account_id, service, action), (account_id, service, None), (account_id, None, None)):
            rule = self._accounts.get(scope)
            if rule is not None:
                return scope, rule
        return (account_id, None, None), AccountFaults()

    def fail_next(
        self,
        account_id: str,
        *,
        service: str,
        action: str | None = None,
        kind: FaultKind = "http_500",
        times: int = 1,
    ) -> None:
        """Fail the next ``times`` calls of ``service`` (``action``, or any) in ``account_id`` with
        ``kind``, before any rule applies; :attr:`on_fire` is told of each."""
        with self._lock:
            self._one_shots.append(OneShot((account_id, service, action), kind, times))

    def clear_one_shots(self) -> None:
        """Forget the one-shot faults that have not fired."""
        with self._lock:
            self._one_shots.clear()

    def pending_one_shots(self) -> int:
        """How many one-shot faults have not fired yet."""
        with self._lock:
            return sum(shot.remaining for shot in self._one_shots)

    def _one_shot(self, account_id: str, service: str | None, action: str | None) -> OneShot | None:
        for shot in self._one_shots:
            if shot.remaining > 0 and shot.matches(account_id, service, action):
                shot.remaining -= 1
                return shot
        return None

    def decide(self, account_id: str, service: str | None, action: str | None) -> FaultDecision:
        """Decide the fate of one call; consumes a throttle token when the rule has a TPS."""
        with self._lock:
            shot = self._one_shot(account_id, service, action)
        if shot is not None:
            listener = self.on_fire
            if listener is not None:
                listener(shot.describe(action))
            with self._lock:
                self._counts[(account_id, shot.kind)] = self._counts.get((account_id, shot.kind), 0) + 1
            return FaultDecision(kind=shot.kind)
        with self._lock:
            scope, rule = self._rule(account_id, service, action)
            kind: FaultKind | None = None
            if rule.throttle_tps is not None:
                bucket = self._buckets.get(scope)
                if bucket is None:
                    capacity = rule.throttle_burst or max(1.0, rule.throttle_tps)
                    bucket = self._buckets[scope] = _Bucket(rule.throttle_tps, capacity, self._clock())
                if not bucket.take(self._clock()):
                    kind = "throttle"
            draw = self._stream(scope).random
            if kind is None and rule.throttle_fraction and draw() < rule.throttle_fraction:
                kind = "throttle"
            if kind is None and rule.reset_fraction and draw() < rule.reset_fraction:
                kind = "reset"
            if kind is None and rule.http_500_fraction and draw() < rule.http_500_fraction:
                kind = "http_500"
            if kind is not None:
                self._counts[(account_id, kind)] = self._counts.get((account_id, kind), 0) + 1
            return FaultDecision(latency_ms=rule.latency_ms, kind=kind)

    def _stream(self, scope: _Scope) -> random.Random:
        stream = self._streams.get(scope)
        if stream is None:
            # A str seed is hashed with SHA-512: the same stream in every process and Python run.
            stream = self._streams[scope] = random.Random(f"{self._seed}/{'/'.join(map(str, scope))}")
        return stream

    def assume_role_denied(self, account_id: str) -> bool:
        with self._lock:
            return self._rule(account_id, "sts", "AssumeRole")[1].assume_role_denied

    def injected(self, account_id: str, kind: FaultKind) -> int:
        """How many calls of ``account_id`` got fault ``kind`` so far."""
        with self._lock:
            return self._counts.get((account_id, kind), 0)

    # Host rules ----------------------------------------------------------------------------

    def set_host(self, instance_id: str, **fields: object) -> HostFaults:
        """Set (merge) flags for one host: ``offline``, ``expire_urls``, ``crash_run_step``."""
        with self._lock:
            current = self._hosts.get(instance_id, HostFaults())
            rule = HostFaults.model_validate({**current.model_dump(), **fields})
            self._hosts[instance_id] = rule
            return rule

    def clear_host(self, instance_id: str) -> None:
        with self._lock:
            self._hosts.pop(instance_id, None)

    def host(self, instance_id: str) -> HostFaults:
        with self._lock:
            return self._hosts.get(instance_id, HostFaults())

    # Presigned URLs treated as expired (expire_urls) --------------------------------------

    def expire_url(self, url: str) -> None:
        """Make the S3 gate answer "Request has expired" for this presigned URL.

        The SSM emulator calls it with the URLs in a command's parameters when the target host
        has ``expire_urls``; the URL is recognised by its ``X-Amz-Signature``.
        """
        signature = parse_qs(urlsplit(url).query).get("X-Amz-Signature", [""])[0]
        if signature:
            with self._lock:
                self._expired_signatures.add(signature)

    def url_expired(self, signature: str) -> bool:
        with self._lock:
            return signature in self._expired_signatures

    def clear(self) -> None:
        """Remove every rule (counts are kept)."""
        with self._lock:
            self._accounts.clear()
            self._buckets.clear()
            self._hosts.clear()
            self._expired_signatures.clear()
