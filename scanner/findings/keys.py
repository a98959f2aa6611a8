"""Object keys of the results bucket (docs/design.md, "The results bucket") for one host's result
and findings."""

from __future__ import annotations

import re
from typing import NamedTuple

from scanner.findings.errors import ObjectKeyError

__all__ = ["ResultKey", "parse_result_key"]

_RESULT = re.compile(
    r"^results/(?P<scan>[A-Za-z0-9][A-Za-z0-9_.-]{0,63})/(?P<account>\d{12})/(?P<instance>(?:i|mi)-[0-9a-f]{8,17})\.tar$"
)


class ResultKey(NamedTuple):
    """Where one host's result was uploaded: the only identity the analyzer trusts."""

    scan_id: str
    account_id: str
    instance_id: str

    @property
    def result(self) -> str:
        return f"results/{self.scan_id}/{self.account_id}/{self.instance_id}.tar"

    @property
    def findings(self) -> str:
        return f"findings/{self.scan_id}/{self.account_id}/{self.instance_id}.ocsf.jsonl"

    @property
    def csv(self) -> str:
        """The host's CSV rows (no byte-order mark, no header): joined into the scan's CSV."""
        return f"findings/{self.scan_id}/{self.account_id}/{self.instance_id}.csv"

    @property
    def summary(self) -> str:
        return f"findings/{self.scan_id}/{self.account_id}/{self.instance_id}.summary.json"


def parse_result_key(key: str) -> ResultKey:
    """``results/<scan>/<account>/<instance>.tar`` → its parts; anything else is :class:`ObjectKeyError`."""
    match = _RESULT.match(key)
    if match is None:
        raise ObjectKeyError(f"not a result key: {key[:200]!r}")
    return ResultKey(match["scan"], match["account"], match["instance"])
