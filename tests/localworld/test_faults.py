from __future__ import annotations

import threading
import time

from localworld.faults import Faults


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_allows_exactly_the_rate_per_second_after_the_burst() -> None:
    clock = FakeClock()
    faults = Faults(clock=clock)
    faults.set_account("222222222222", service="ssm", action="SendCommand", throttle_tps=5)
    first = [faults.decide("222222222222", "ssm", "SendCommand").kind for _ in range(7)]
    assert first == [None] * 5 + ["throttle"] * 2
    clock.now += 1.0
    second = [faults.decide("222222222222", "ssm", "SendCommand").kind for _ in range(7)]
    assert second.count(None) == 5
    clock.now += 0.2
    assert faults.decide("222222222222", "ssm", "SendCommand").kind is None
    assert faults.decide("222222222222", "ssm", "SendCommand").kind == "throttle"
    assert faults.injected("222222222222", "throttle") == 5


def test_throttle_rule_on_one_action_leaves_other_actions_and_accounts_alone() -> None:
    faults = Faults(clock=FakeClock())
    faults.set_account("222222222222", service="ssm", action="SendCommand", throttle_tps=1)
    faults.decide("222222222222", "ssm", "SendCommand")
    assert faults.decide("222222222222", "ssm", "SendCommand").kind == "throttle"
    assert faults.decide("222222222222", "ssm", "ListCommandInvocations").kind is None
    assert faults.decide("333333333333", "ssm", "SendCommand").kind is None


def test_throttle_bucket_is_exact_under_concurrent_callers() -> None:
    faults = Faults(clock=FakeClock())
    faults.set_account("222222222222", throttle_tps=50)
    passed: list[int] = []

    def call() -> None:
        ok = sum(faults.decide("222222222222", "s3", "GetObject").kind is None for _ in range(100))
        passed.append(ok)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(passed) == 50


def test_fractions_are_seeded_and_roughly_respected() -> None:
    def run() -> list[str | None]:
        faults = Faults(seed=3)
        faults.set_account("222222222222", http_500_fraction=0.3)
        return [faults.decide("222222222222", "sqs", None).kind for _ in range(1000)]

    kinds = run()
    assert kinds == run()
    assert 230 <= kinds.count("http_500") <= 370


def test_an_accounts_random_faults_do_not_depend_on_other_accounts_calls() -> None:
    def faults() -> Faults:
        world = Faults(seed=7)
        for account in ("222222222222", "333333333333"):
            world.set_account(account, service="ssm", throttle_fraction=0.3)
        return world

    alone = faults()
    by_itself = [alone.decide("222222222222", "ssm", "SendCommand").kind for _ in range(300)]
    busy = faults()
    interleaved = []
    for i in range(300):
        for _ in range(i % 4):
            busy.decide("333333333333", "ssm", "SendCommand")
        interleaved.append(busy.decide("222222222222", "ssm", "SendCommand").kind)
    other = [faults().decide("333333333333", "ssm", "SendCommand").kind for _ in range(300)]

    assert interleaved == by_itself
    assert other != by_itself


def test_latency_and_assume_role_denied_are_reported() -> None:
    faults = Faults()
    faults.set_account("222222222222", latency_ms=40, assume_role_denied=True)
    assert faults.decide("222222222222", "sts", "AssumeRole").latency_ms == 40
    assert faults.assume_role_denied("222222222222")
    assert not faults.assume_role_denied("333333333333")
    faults.clear_account("222222222222")
    assert not faults.assume_role_denied("222222222222")


def test_host_flags_merge_and_clear() -> None:
    faults = Faults()
    faults.set_host("i-0123456789abcdef0", offline=True)
    faults.set_host("i-0123456789abcdef0", crash_run_step=True)
    rule = faults.host("i-0123456789abcdef0")
    assert rule.offline
    assert rule.crash_run_step
    assert not rule.expire_urls
    faults.clear_host("i-0123456789abcdef0")
    assert not faults.host("i-0123456789abcdef0").offline


def test_expire_url_marks_the_url_by_its_signature() -> None:
    faults = Faults()
    faults.expire_url("http://127.0.0.1:1/b/k?X-Amz-Date=1&X-Amz-Signature=abc123")
    assert faults.url_expired("abc123")
    assert not faults.url_expired("abc124")


def test_throttle_on_the_real_clock_admits_burst_plus_rate_times_elapsed() -> None:
    faults = Faults()
    started = time.monotonic()
    # A burst of a second's worth: tokens are not lost while this process waits for a CPU.
    faults.set_account("222222222222", service="ssm", throttle_tps=40, throttle_burst=40)
    admitted = 0
    while time.monotonic() - started < 0.5:
        admitted += faults.decide("222222222222", "ssm", "SendCommand").kind is None
    # What the bucket holds now is admitted at once, so the count is what the clock allowed,
    # however long this process waited for a CPU on the way (no timing of the machine's own).
    while faults.decide("222222222222", "ssm", "SendCommand").kind is None:
        admitted += 1
    elapsed = time.monotonic() - started
    assert admitted >= 40 + 40 * 0.5 - 1  # at least the burst and half a second of the rate
    assert admitted <= 40 + 40 * elapsed + 1  # never more than the burst and the rate allow


def test_a_decision_is_cheap() -> None:
    faults = Faults()
    faults.set_account("222222222222", throttle_tps=1000, latency_ms=0)
    cpu = time.process_time()
    for _ in range(20_000):
        faults.decide("222222222222", "ssm", "SendCommand")
    assert time.process_time() - cpu < 1.0


def test_a_one_shot_fault_fails_the_next_matching_calls_only_and_says_so() -> None:
    faults = Faults()
    fired: list[str] = []
    faults.on_fire = fired.append
    faults.fail_next("111111111111", service="s3", action="PutObject", kind="http_500", times=2)
    assert faults.decide("111111111111", "s3", "GetObject").kind is None
    assert faults.decide("222222222222", "s3", "PutObject").kind is None
    assert faults.decide("111111111111", "s3", "PutObject").kind == "http_500"
    assert faults.pending_one_shots() == 1
    assert faults.decide("111111111111", "s3", "PutObject").kind == "http_500"
    assert faults.decide("111111111111", "s3", "PutObject").kind is None
    assert fired == ["http_500 on s3:PutObject in 111111111111"] * 2
    assert faults.injected("111111111111", "http_500") == 2


def test_a_one_shot_fault_on_a_service_takes_any_of_its_actions() -> None:
    faults = Faults()
    faults.fail_next("111111111111", service="dynamodb", kind="throttle")
    assert faults.decide("111111111111", "dynamodb", "UpdateItem").kind == "throttle"
    assert faults.decide("111111111111", "dynamodb", "UpdateItem").kind is None
