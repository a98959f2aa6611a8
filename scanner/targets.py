"""Turn what a person typed into accounts and hosts to scan — never anything outside the config.

- ``account NAME…``: an alias, a group of the config (``prod``), an AWS Organizations OU name (its
  configured accounts only), or a 12-digit account ID listed in the config.
- ``host ID…``: an instance ID, an EC2 ``Name`` tag or a private IP, searched in every configured
  account and region in parallel; unknown or ambiguous input is an error that lists the candidates
  or says where it looked.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from scanner.config import Account, Config
from scanner.discovery import ec2_inventory, managed_instances
from scanner.errors import AccountUnreachableError, TargetError
from scanner.models import AccountTarget, ScanTargets

if TYPE_CHECKING:
    from mypy_boto3_organizations import OrganizationsClient

__all__ = [
    "HostMatch",
    "OrganizationDirectory",
    "OuLookup",
    "host_query_kind",
    "resolve_accounts",
    "resolve_hosts",
    "resolve_targets",
]

ACCOUNT_ID = re.compile(r"^\d{12}$")
INSTANCE_ID = re.compile(r"^i-([0-9a-f]{8}|[0-9a-f]{17})$")
NAME_TAG = re.compile(r"^[^\x00-\x1f]{1,255}$")


class OuLookup(Protocol):
    """Organizations OU names → member account IDs (including nested OUs)."""

    def accounts_in_ou(self, name: str) -> set[str] | None:
        """Account IDs under every OU called ``name``; None when no OU has that name."""
        ...


class OrganizationDirectory:
    """:class:`OuLookup` over the Organizations API (management account or delegated admin)."""

    def __init__(self, client: OrganizationsClient) -> None:
        self._org = client
        self._ous: dict[str, list[str]] | None = None

    def _children(self, parent: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        paginator = self._org.get_paginator("list_organizational_units_for_parent")
        for page in paginator.paginate(ParentId=parent):
            found.extend(dict(ou) for ou in page.get("OrganizationalUnits", []))
        return found

    def _index(self) -> dict[str, list[str]]:
        if self._ous is None:
            index: dict[str, list[str]] = {}
            stack = [root["Id"] for root in self._org.list_roots().get("Roots", [])]
            while stack:
                parent = stack.pop()
                for ou in self._children(parent):
                    index.setdefault(ou["Name"], []).append(ou["Id"])
                    stack.append(ou["Id"])
            self._ous = index
        return self._ous

    def _accounts_under(self, ou_id: str) -> set[str]:
        accounts: set[str] = set()
        stack = [ou_id]
        while stack:
            parent = stack.pop()
            for page in self._org.get_paginator("list_accounts_for_parent").paginate(ParentId=parent):
                accounts.update(a["Id"] for a in page.get("Accounts", []))
            stack.extend(ou["Id"] for ou in self._children(parent))
        return accounts

    def accounts_in_ou(self, name: str) -> set[str] | None:
        ids = self._index().get(name)
        if ids is None:
            return None
        found: set[str] = set()
        for ou_id in ids:
            found |= self._accounts_under(ou_id)
        return found


def _targets_for(
    accounts: Sequence[Account], instance_ids: dict[str, dict[str, list[str]]] | None = None
) -> tuple[AccountTarget, ...]:
    result: list[AccountTarget] = []
    for account in accounts:
        for region in account.regions:
            ids = None
            if instance_ids is not None:
                chosen = instance_ids.get(account.id, {}).get(region)
                if not chosen:
                    continue
                ids = tuple(sorted(chosen))
            result.append(
                AccountTarget(account_id=account.id, alias=account.alias, region=region, instance_ids=ids)
            )
    return tuple(result)


def resolve_accounts(config: Config, names: Sequence[str], ous: OuLookup | None = None) -> ScanTargets:
    """Aliases, groups, OU names and configured account IDs → the accounts to scan (in config order)."""
    cleaned = [n.strip() for n in names if n.strip()]
    if not cleaned:
        raise TargetError("no account given: name an alias, a group or an account ID (e.g. `account prod`)")
    chosen: set[str] = set()
    for name in cleaned:
        if ACCOUNT_ID.match(name):
            if config.account_by_id(name) is None:
                raise TargetError(
                    f"account {name} is not in the configuration; only configured accounts are scanned"
                )
            chosen.add(name)
            continue
        account = config.account_by_alias(name)
        if account is not None:
            chosen.add(account.id)
            continue
        if name in config.groups:
            chosen.update(a.id for a in config.group_members(name))
            continue
        ou_note = "no Organizations access was configured"
        if ous is not None:
            try:
                members = ous.accounts_in_ou(name)
            except (ClientError, BotoCoreError) as exc:
                members = None
                ou_note = f"Organizations could not be searched ({exc})"
            else:
                ou_note = "no OU has that name"
                if members is not None:
                    configured = {a.id for a in config.accounts} & members
                    if not configured:
                        raise TargetError(f"OU {name!r} has no account that is in the configuration")
                    chosen.update(configured)
                    continue
        aliases = ", ".join(a.alias for a in config.accounts)
        groups = ", ".join(config.groups) or "none"
        raise TargetError(
            f"unknown account {name!r}: not an alias ({aliases}), a group ({groups}) or an OU ({ou_note})"
        )
    accounts = [a for a in config.accounts if a.id in chosen]
    return ScanTargets(kind="account", names=tuple(cleaned), accounts=_targets_for(accounts))


def host_query_kind(query: str) -> str:
    """``instance``, ``ip`` or ``name``; a malformed instance ID is an error, not a name."""
    if query.startswith("i-"):
        if not INSTANCE_ID.match(query):
            raise TargetError(
                f"{query!r} is not a valid instance ID (i- followed by 8 or 17 lowercase hex digits)"
            )
        return "instance"
    try:
        ipaddress.ip_address(query)
    except ValueError:
        if not NAME_TAG.match(query):
            raise TargetError(f"{query!r} is neither an instance ID, an IP address nor a Name tag") from None
        return "name"
    return "ip"


@dataclass(frozen=True)
class HostMatch:
    """A host that matched a query, and where it lives."""

    query: str
    account_id: str
    alias: str
    region: str
    instance_id: str
    name: str | None
    private_ip: str | None

    def describe(self) -> str:
        label = f" ({self.name})" if self.name else ""
        return f"{self.instance_id}{label} in {self.alias}/{self.region}"


# (account, region) → ssm and ec2 clients in that account; raises AccountUnreachableError.
ClientsFor = Callable[[str, str], tuple[Any, Any]]


def _search_one(
    account: Account, region: str, queries: Sequence[tuple[str, str]], clients_for: ClientsFor
) -> list[HostMatch]:
    ssm, ec2 = clients_for(account.id, region)
    managed = managed_instances(ssm, [])
    ssm_ips = {i["InstanceId"]: i.get("IPAddress") or "" for i in managed}
    inventory = ec2_inventory(ec2)
    known = set(ssm_ips) | set(inventory)
    matches: list[HostMatch] = []

    def match(query: str, instance_id: str) -> HostMatch:
        facts = inventory.get(instance_id, {})
        return HostMatch(
            query=query,
            account_id=account.id,
            alias=account.alias,
            region=region,
            instance_id=instance_id,
            name=facts.get("name") or None,
            private_ip=facts.get("private_ip") or ssm_ips.get(instance_id) or None,
        )

    for query, kind in queries:
        if kind == "instance":
            matches.extend(match(query, i) for i in sorted(known) if i == query)
        elif kind == "ip":
            matches.extend(
                match(query, i)
                for i in sorted(known)
                if inventory.get(i, {}).get("private_ip") == query or ssm_ips.get(i) == query
            )
        else:
            named = [i for i in sorted(inventory) if inventory[i].get("name") == query]
            if not named:
                # Without EC2 read access (or EC2 records), SSM's tag filter still finds Name tags.
                tagged = managed_instances(ssm, [{"Key": "tag:Name", "Values": [query]}])
                named = sorted({i["InstanceId"] for i in tagged})
            found = [match(query, i) for i in named]
            matches.extend(HostMatch(**{**m.__dict__, "name": m.name or query}) for m in found)
    return matches


def resolve_hosts(config: Config, queries: Sequence[str], clients_for: ClientsFor) -> ScanTargets:
    """Find each query in every configured account and region (in parallel); exactly one match each."""
    cleaned = list(dict.fromkeys(q.strip() for q in queries if q.strip()))
    if not cleaned:
        raise TargetError(
            "no host given: name an instance ID, a Name tag or a private IP (e.g. `host i-0abc…`)"
        )
    kinds = [(q, host_query_kind(q)) for q in cleaned]
    places = [(account, region) for account in config.accounts for region in account.regions]
    results: dict[tuple[str, str], list[HostMatch]] = {}
    unreachable: dict[tuple[str, str], str] = {}

    def search(place: tuple[Account, str]) -> None:
        account, region = place
        try:
            results[(account.id, region)] = _search_one(account, region, kinds, clients_for)
        except AccountUnreachableError as exc:
            unreachable[(account.id, region)] = exc.reason
        except (ClientError, BotoCoreError) as exc:
            unreachable[(account.id, region)] = str(exc)

    with ThreadPoolExecutor(
        max_workers=max(1, min(len(places), config.rate_limits.max_parallel_accounts))
    ) as pool:
        list(pool.map(search, places))

    chosen: dict[str, dict[str, list[str]]] = {}
    for query, _ in kinds:
        found = [m for place in places for m in results.get((place[0].id, place[1]), []) if m.query == query]
        unique = {(m.account_id, m.region, m.instance_id): m for m in found}
        if not unique:
            looked = ", ".join(f"{a.alias}/{r}" for a, r in places if (a.id, r) in results) or "nowhere"
            note = ""
            if unreachable:
                skipped = ", ".join(
                    f"{a.alias}/{r} ({unreachable[(a.id, r)]})" for a, r in places if (a.id, r) in unreachable
                )
                note = f"; could not search {skipped}"
            raise TargetError(
                f"host {query!r} was not found in any configured account (looked in {looked}{note})"
            )
        if len(unique) > 1:
            candidates = "; ".join(m.describe() for m in unique.values())
            raise TargetError(f"host {query!r} is ambiguous: {candidates}. Name one by its instance ID.")
        (hit,) = unique.values()
        chosen.setdefault(hit.account_id, {}).setdefault(hit.region, []).append(hit.instance_id)
    accounts = [a for a in config.accounts if a.id in chosen]
    return ScanTargets(kind="host", names=tuple(cleaned), accounts=_targets_for(accounts, chosen))


def resolve_targets(
    config: Config,
    kind: str,
    names: Sequence[str],
    *,
    ous: OuLookup | None = None,
    clients_for: ClientsFor | None = None,
) -> ScanTargets:
    """``kind`` is ``account`` or ``host``; see :func:`resolve_accounts` and :func:`resolve_hosts`."""
    if kind == "account":
        return resolve_accounts(config, names, ous)
    if kind == "host":
        if clients_for is None:
            raise TargetError("host targets need access to the member accounts")
        return resolve_hosts(config, names, clients_for)
    raise TargetError(f"unknown target kind {kind!r}: use account or host")
