"""What the notifier remembers per scan thread (``pk = SCAN#<scan>``, ``sk = #SLACK``).

Lambda keeps no memory between invocations and SQS may deliver an event twice, so the notifier's
throttle (one parent update per 3 s per scan), its de-duplication of replies and of the report's
attachments (by event ``seq``) and its pending delayed refresh live here, each behind a conditional
write. A claim whose Slack call failed is released, so the event's next delivery makes the call.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["ThreadState"]

SORT_KEY = "#SLACK"


def _key(scan_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"SCAN#{scan_id}"}, "sk": {"S": SORT_KEY}}


class ThreadState:
    """Conditional bookkeeping for one scan's Slack thread."""

    def __init__(self, client: DynamoDBClient, table: str, ttl_days: int = 90) -> None:
        self._db = client
        self._table = table
        self._ttl_seconds = ttl_days * 86_400

    def _conditional(self, scan_id: str, update: str, condition: str, values: dict[str, Any]) -> bool:
        # The item is created by its first update; it expires with the scan's other items.
        ttl = {"N": str(int(time.time()) + self._ttl_seconds)}
        set_ttl = "#ttl = if_not_exists(#ttl, :ttl)"
        expression = f"{update}, {set_ttl}" if update.startswith("SET") else f"SET {set_ttl} {update}"
        try:
            self._db.update_item(
                TableName=self._table,
                Key=_key(scan_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={**values, ":ttl": ttl},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def claim_update(self, scan_id: str, now_ms: int, interval_ms: int) -> bool:
        """True when the parent may be updated now (and records that it is)."""
        return self._conditional(
            scan_id,
            "SET parent_updated_ms = :now",
            "attribute_not_exists(parent_updated_ms) OR parent_updated_ms <= :since",
            {":now": {"N": str(now_ms)}, ":since": {"N": str(now_ms - interval_ms)}},
        )

    def claim_refresh(self, scan_id: str) -> bool:
        """True for the one caller that should schedule the delayed refresh."""
        return self._conditional(
            scan_id,
            "SET refresh_pending = :yes",
            "attribute_not_exists(refresh_pending) OR refresh_pending = :no",
            {":yes": {"BOOL": True}, ":no": {"BOOL": False}},
        )

    def clear_refresh(self, scan_id: str) -> None:
        self._conditional(
            scan_id, "SET refresh_pending = :no", "attribute_exists(pk)", {":no": {"BOOL": False}}
        )

    def claim_event(self, scan_id: str, seq: int) -> bool:
        """True the first time event ``seq`` of the scan is handled (SQS may deliver it again)."""
        return self._claim(scan_id, "handled_seqs", seq)

    def release_event(self, scan_id: str, seq: int) -> None:
        """Undo :meth:`claim_event` after the reply failed, so a redelivery of the event replies."""
        self._release(scan_id, "handled_seqs", seq)

    def claim_attachment(self, scan_id: str, seq: int) -> bool:
        """True the first time the files of event ``seq`` of the scan are attached."""
        return self._claim(scan_id, "attached_seqs", seq)

    def release_attachment(self, scan_id: str, seq: int) -> None:
        """Undo :meth:`claim_attachment` after the upload failed."""
        self._release(scan_id, "attached_seqs", seq)

    def _claim(self, scan_id: str, attribute: str, seq: int) -> bool:
        return self._conditional(
            scan_id,
            f"ADD {attribute} :seq",
            f"attribute_not_exists({attribute}) OR NOT contains({attribute}, :one)",
            {":seq": {"NS": [str(seq)]}, ":one": {"N": str(seq)}},
        )

    def _release(self, scan_id: str, attribute: str, seq: int) -> None:
        self._db.update_item(
            TableName=self._table,
            Key=_key(scan_id),
            UpdateExpression=f"DELETE {attribute} :seq",
            ExpressionAttributeValues={":seq": {"NS": [str(seq)]}},
        )

    def claim_threshold(self, scan_id: str, threshold: int) -> bool:
        """True when the failure count just crossed ``threshold`` for the first time."""
        return self._conditional(
            scan_id,
            "SET failure_threshold = :t",
            "attribute_not_exists(failure_threshold) OR failure_threshold < :t",
            {":t": {"N": str(threshold)}},
        )
