"""The cost benchmark's units: DynamoDB item sizes as the developer guide counts them, SQS's 64 KB
chunks, and the Lambda memory read from the central module."""

from __future__ import annotations

from collections import Counter

from bench.cost_report import Invocations, Scan, growth, lambda_memory_mb
from bench.cost_tap import Request, _sqs, item_size


def test_strings_count_name_and_utf8_bytes() -> None:
    assert item_size({"pk": {"S": "SCAN#1"}}) == 2 + 6
    assert item_size({"n": {"S": "계정"}}) == 1 + 6


def test_numbers_count_a_byte_per_two_significant_digits_plus_one() -> None:
    assert item_size({"n": {"N": "12345"}}) == 1 + 3 + 1
    assert item_size({"n": {"N": "1000"}}) == 1 + 1 + 1  # trailing zeroes trimmed
    assert item_size({"n": {"N": "-0.25"}}) == 1 + 1 + 1


def test_booleans_nulls_lists_and_maps() -> None:
    assert item_size({"b": {"BOOL": True}, "z": {"NULL": True}}) == 2 + 2
    assert item_size({"l": {"L": []}}) == 1 + 3
    assert item_size({"l": {"L": [{"S": "ab"}, {"BOOL": False}]}}) == 1 + 3 + (1 + 2) + (1 + 1)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + 1 + 1 + 1
    assert item_size(None) == 0


def test_sqs_bills_a_request_per_64_kb_chunk_of_the_payload() -> None:
    small = Request("worker", "role", "sqs", "SendMessage", 200)
    _sqs(small, {"MessageBody": "x" * 100}, b"{}")
    assert small.sqs_units == 1
    large = Request("worker", "role", "sqs", "SendMessageBatch", 200)
    _sqs(large, {"Entries": [{"MessageBody": "x" * 40_000}] * 4}, b"{}")
    assert (large.sqs_messages, large.sqs_units) == (4, 3)


def test_lambda_memory_comes_from_the_central_module() -> None:
    memory = lambda_memory_mb()
    assert set(memory) == {"bot", "notifier", "worker", "analyzer"}
    assert all(128 <= mb <= 10240 for mb in memory.values())


def _scan(hosts: int, requests: list[Request]) -> Scan:
    return Scan(
        hosts=hosts, requests=requests, invocations=Invocations(), slack=Counter(), lost=0, wall_s=1.0
    )


def _writes(function: str, count: int, wcu: float = 1.0, action: str = "UpdateItem") -> list[Request]:
    return [Request(f"cce-scan-{function}", "role", "dynamodb", action, 200, wcu=wcu) for _ in range(count)]


def test_requests_paced_by_time_are_compared_by_what_each_costs_the_others_per_host() -> None:
    first = _scan(100, _writes("notifier", 40) + _writes("worker", 100))
    more_notifier_batches = _scan(100, _writes("notifier", 50) + _writes("worker", 100))
    assert growth(first, more_notifier_batches) == []  # how many batches follows the events' timing

    larger_notifier_writes = _scan(100, _writes("notifier", 40, wcu=2.0) + _writes("worker", 100))
    more_per_host = _scan(100, _writes("notifier", 40) + _writes("worker", 110))
    assert growth(first, larger_notifier_writes) == [
        "notifier as role: UpdateItem wcu 1.000 → 2.000 per request"
    ]
    assert growth(first, more_per_host) == [
        "worker as role: dynamodb UpdateItem 1.000 → 1.100 per host",
        "worker as role: UpdateItem wcu 1.000 → 1.100 per host",
    ]
