"""The invocation lifecycle and the agent's semantics, on real hosts running ``sh``.

Pending -> InProgress -> terminal with a consistency window; per-step plugins named by step;
PluginName rules; truncation; exit codes 0/168/169/194/137/other; onFailure; step timeouts;
workingDirectory; env; offline, stopped and Windows nodes; crash and cancel; ListCommands."""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localworld.faults import Faults
from localworld.ssm import EmulatorSettings, ManualClock, ScaledClock, SsmEmulator, install_ssm_emulator
from tests.localworld.ssm.conftest import (
    HOST_A1,
    HOST_A2,
    HOST_OFFLINE,
    HOST_STOPPED,
    HOST_WINDOWS,
    Factory,
    invocations,
    plugins,
    small_fleet,
    wait_for_command,
)
from tests.localworld.ssm.documents_fixture import one_step, shell_document

_names = iter(range(10_000))


def send(ssm: Any, content: str, instance_ids: list[str] | None = None, **request: Any) -> str:
    name = f"Doc{next(_names)}"
    ssm.create_document(Name=name, Content=content, DocumentType="Command")
    command = ssm.send_command(InstanceIds=instance_ids or [HOST_A1], DocumentName=name, **request)["Command"]
    return str(command["CommandId"])


def run(
    ssm: Any, content: str, instance_ids: list[str] | None = None, **request: Any
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    command_id = send(ssm, content, instance_ids, **request)
    return wait_for_command(ssm, command_id), invocations(ssm, command_id)


def code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def gone(pid: int, marker: str) -> bool:
    """Whether process ``pid`` has ended (a reused PID runs something without ``marker``)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state == "Z" or marker not in cmdline


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.02)


def test_invocations_appear_after_the_window_then_go_pending_in_progress_success(
    make_emulator: Factory, ssm_a: Any, tmp_path: Path
) -> None:
    clock = ManualClock()
    emulator = make_emulator(clock=clock, consistency_window=5.0, delivery_delay=10.0)
    gate = emulator.sandbox(HOST_A1) / "go"
    command_id = send(ssm_a, one_step("while [ ! -f go ]; do sleep 0.02; done; echo done"))
    with pytest.raises(ClientError) as hidden:
        ssm_a.get_command_invocation(CommandId=command_id, InstanceId=HOST_A1)
    assert code(hidden) == "InvocationDoesNotExist"
    assert ssm_a.list_command_invocations(CommandId=command_id)["CommandInvocations"] == []
    assert ssm_a.list_commands(CommandId=command_id)["Commands"][0]["Status"] == "Pending"
    clock.advance(5.0)
    seen = ssm_a.get_command_invocation(CommandId=command_id, InstanceId=HOST_A1)
    assert (seen["Status"], seen["ResponseCode"]) == ("Pending", -1)
    clock.advance(5.0)
    wait_until(
        lambda: (
            ssm_a.get_command_invocation(CommandId=command_id, InstanceId=HOST_A1)["Status"] == "InProgress"
        )
    )
    assert ssm_a.list_commands(CommandId=command_id)["Commands"][0]["Status"] == "InProgress"
    gate.write_text("")
    command = wait_for_command(ssm_a, command_id)
    assert (command["Status"], command["CompletedCount"]) == ("Success", 1)
    final = ssm_a.get_command_invocation(CommandId=command_id, InstanceId=HOST_A1)
    assert (final["Status"], final["StatusDetails"], final["ResponseCode"]) == ("Success", "Success", 0)
    assert final["StandardOutputContent"] == "done\n"


THREE_STEPS = shell_document(
    {"name": "first", "commands": ["echo one"]},
    {"name": "second", "commands": ["echo two; echo oops >&2; exit 3"]},
    {"name": "third", "commands": ["echo three"]},
)


def test_each_step_is_a_plugin_named_by_the_step(emulator: SsmEmulator, ssm_a: Any) -> None:
    command, found = run(ssm_a, THREE_STEPS)
    invocation = found[HOST_A1]
    assert [p["Name"] for p in invocation["CommandPlugins"]] == ["first", "second", "third"]
    steps = plugins(invocation)
    assert (steps["first"]["Status"], steps["first"]["ResponseCode"], steps["first"]["Output"]) == (
        "Success",
        0,
        "one\n",
    )
    assert (steps["second"]["Status"], steps["second"]["ResponseCode"]) == ("Failed", 3)
    assert steps["second"]["Output"].startswith("two\n\n----------ERROR-------\noops\n")
    assert steps["third"]["Status"] == "Success"  # a failed step does not stop the next ones
    assert (invocation["Status"], invocation["StatusDetails"]) == ("Failed", "Failed")
    assert (command["Status"], command["ErrorCount"]) == ("Failed", 1)
    summary = ssm_a.list_command_invocations(CommandId=command["CommandId"])["CommandInvocations"][0]
    assert summary["CommandPlugins"] == []


def test_get_command_invocation_on_a_multi_step_document_needs_the_step_name(
    emulator: SsmEmulator, ssm_a: Any
) -> None:
    command, _ = run(ssm_a, THREE_STEPS)
    command_id = command["CommandId"]
    for plugin_name in (None, "aws:runShellScript", "nope"):
        request = {"CommandId": command_id, "InstanceId": HOST_A1}
        if plugin_name:
            request["PluginName"] = plugin_name
        with pytest.raises(ClientError) as info:
            ssm_a.get_command_invocation(**request)
        assert code(info) == "InvalidPluginName"
    second = ssm_a.get_command_invocation(CommandId=command_id, InstanceId=HOST_A1, PluginName="second")
    assert (second["Status"], second["ResponseCode"]) == ("Failed", 3)
    assert second["StandardOutputContent"] == "two\n"
    assert second["StandardErrorContent"].startswith("oops\n")


def test_output_is_truncated_at_24000_8000_and_2500_with_the_agent_marker(
    emulator: SsmEmulator, ssm_a: Any
) -> None:
    script = "head -c 30000 /dev/zero | tr '\\0' a; head -c 10000 /dev/zero | tr '\\0' b >&2"
    command, found = run(ssm_a, one_step(script))
    result = ssm_a.get_command_invocation(CommandId=command["CommandId"], InstanceId=HOST_A1)
    stdout, stderr = result["StandardOutputContent"], result["StandardErrorContent"]
    assert len(stdout) == 24_000
    assert stdout.endswith("--output truncated--")
    assert stdout.startswith("aaa")
    assert len(stderr) == 8_000
    assert stderr.endswith("--output truncated--")
    assert stderr.startswith("bbb")
    output = plugins(found[HOST_A1])["main"]["Output"]
    assert len(output) == 2_500
    assert output.endswith("--output truncated--")


@pytest.mark.parametrize(
    ("exit_code", "first", "second_details", "invocation"),
    [
        (0, ("Success", 0), "Success", "Success"),
        (168, ("Success", 168), "Skipped", "Success"),
        (169, ("Failed", 169), "Skipped", "Failed"),
        (1, ("Failed", 1), "Success", "Failed"),
        (137, ("TimedOut", 137), "Success", "ExecutionTimedOut"),
    ],
)
def test_exit_codes_map_to_step_status_as_the_agent_does(
    emulator: SsmEmulator,
    ssm_a: Any,
    exit_code: int,
    first: tuple[str, int],
    second_details: str,
    invocation: str,
) -> None:
    content = shell_document(
        {"name": "first", "commands": [f"exit {exit_code}"]},
        {"name": "second", "commands": ["touch second-ran"]},
    )
    _, found = run(ssm_a, content)
    steps = plugins(found[HOST_A1])
    assert (steps["first"]["Status"], steps["first"]["ResponseCode"]) == first
    assert steps["second"]["StatusDetails"] == second_details
    assert (emulator.sandbox(HOST_A1) / "second-ran").exists() == (second_details == "Success")
    assert found[HOST_A1]["StatusDetails"] == invocation


def test_exit_194_reboots_and_runs_the_step_again(emulator: SsmEmulator, ssm_a: Any) -> None:
    script = "echo run >> runs; [ -f rebooted ] && exit 0; touch rebooted; exit 194"
    _, found = run(ssm_a, one_step(script))
    assert found[HOST_A1]["StatusDetails"] == "Success"
    assert (emulator.sandbox(HOST_A1) / "runs").read_text() == "run\nrun\n"


def test_on_failure_exit_stops_later_steps_and_step_level_retries_are_ignored(
    emulator: SsmEmulator, ssm_a: Any
) -> None:
    content = shell_document(
        {"name": "download", "commands": ["echo try >> tries; exit 22"], "inputs": {"onFailure": "exit"}},
        {"name": "run", "commands": ["touch run-ran"]},
    )
    # step-level maxAttempts/onFailure are Automation properties the agent ignores
    raw = content.replace('"name": "run",', '"name": "run", "maxAttempts": 3, "onFailure": "Abort",')
    _, found = run(ssm_a, raw)
    steps = plugins(found[HOST_A1])
    assert (steps["download"]["Status"], steps["download"]["ResponseCode"]) == ("Failed", 22)
    assert steps["run"]["StatusDetails"] == "Skipped"
    assert not (emulator.sandbox(HOST_A1) / "run-ran").exists()
    assert (emulator.sandbox(HOST_A1) / "tries").read_text() == "try\n"


@pytest.mark.parametrize("stop", ["exit 22", "exit 169"])
def test_a_last_finally_step_runs_whatever_stopped_the_steps_before_it(
    emulator: SsmEmulator, ssm_a: Any, stop: str
) -> None:
    content = shell_document(
        {"name": "download", "commands": [stop], "inputs": {"onFailure": "exit"}},
        {"name": "run", "commands": ["touch run-ran"]},
        {"name": "cleanup", "commands": ["touch cleanup-ran"], "inputs": {"finallyStep": True}},
    )
    _, found = run(ssm_a, content)
    steps = plugins(found[HOST_A1])
    assert [steps[name]["StatusDetails"] for name in ("download", "run", "cleanup")] == [
        "Failed",
        "Skipped",
        "Success",
    ]
    assert not (emulator.sandbox(HOST_A1) / "run-ran").exists()
    assert (emulator.sandbox(HOST_A1) / "cleanup-ran").exists()
    assert found[HOST_A1]["StatusDetails"] == "Failed"


def test_a_finally_step_that_is_not_the_last_is_refused(emulator: SsmEmulator, ssm_a: Any) -> None:
    content = shell_document(
        {"name": "cleanup", "commands": ["true"], "inputs": {"finallyStep": True}},
        {"name": "after", "commands": ["true"]},
    )
    with pytest.raises(ClientError) as refused:
        ssm_a.create_document(Name="FinallyFirst", Content=content, DocumentType="Command")
    assert refused.value.response["Error"]["Code"] == "InvalidDocumentContent"


def test_a_step_over_its_timeout_has_its_process_group_killed(make_emulator: Factory, ssm_a: Any) -> None:
    emulator = make_emulator(clock=ScaledClock(20.0))
    script = "sleep 60.271 & echo $! > child.pid; sleep 60"
    started = time.monotonic()
    command, found = run(ssm_a, one_step(script, timeoutSeconds=5))
    assert time.monotonic() - started < 5
    step = plugins(found[HOST_A1])["main"]
    assert (step["Status"], step["StatusDetails"], step["ResponseCode"]) == (
        "TimedOut",
        "ExecutionTimedOut",
        137,
    )
    assert (command["Status"], command["StatusDetails"]) == ("TimedOut", "ExecutionTimedOut")
    child = int((emulator.sandbox(HOST_A1) / "child.pid").read_text())
    wait_until(lambda: gone(child, "60.271"))


def test_working_directory_is_used_literally_and_a_missing_one_fails_the_step(
    emulator: SsmEmulator, ssm_a: Any, tmp_path: Path
) -> None:
    there = tmp_path / "work here"
    there.mkdir()
    content = shell_document(
        {"name": "missing", "commands": ["pwd"], "inputs": {"workingDirectory": str(tmp_path / "absent")}},
        {"name": "given", "commands": ["pwd"], "inputs": {"workingDirectory": str(there)}},
        {"name": "default", "commands": ["pwd"]},
    )
    _, found = run(ssm_a, content)
    steps = plugins(found[HOST_A1])
    assert (steps["missing"]["Status"], steps["missing"]["ResponseCode"]) == ("Failed", 1)
    assert "no such file or directory" in steps["missing"]["Output"]
    assert steps["given"]["Output"] == f"{there}\n"
    assert steps["default"]["Output"] == f"{emulator.sandbox(HOST_A1)}\n"


def test_the_script_file_env_and_process_group_are_the_agents(emulator: SsmEmulator, ssm_a: Any) -> None:
    content = shell_document(
        {
            "name": "inspect",
            "commands": [
                'echo "$AWS_SSM_INSTANCE_ID $AWS_SSM_REGION_NAME $SSM_COMMAND_ID $AWS_SSM_PLATFORM_NAME"',
                'echo "CCE_ROOT=$CCE_ROOT PATH=$PATH"',
                "echo pgid=$(ps -o pgid= -p $$ | tr -d ' ') ppid=$PPID",
                "echo {{ word }} '{{ word }}'",
            ],
        },
        parameters={"word": {"type": "String", "default": "a;b"}},
    )
    command, found = run(ssm_a, content)
    command_id = command["CommandId"]
    lines = plugins(found[HOST_A1])["inspect"]["Output"].splitlines()
    assert lines[0] == f"{HOST_A1} ap-northeast-2 {command_id} Amazon Linux"
    assert (
        lines[1]
        == f"CCE_ROOT={emulator.sandbox(HOST_A1) / 'root'} PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    )
    pgid, parent = (part.split("=")[1] for part in lines[2].split())
    assert pgid == parent != str(os.getpgrp())  # `sh -c` leads its own process group
    # raw substitution: the unquoted ; ends echo and runs `b 'a;b'`, which does not exist
    assert lines[3] == "a"
    assert "not found" in plugins(found[HOST_A1])["inspect"]["Output"]
    assert plugins(found[HOST_A1])["inspect"]["ResponseCode"] == 127
    script = (
        emulator.sandbox(HOST_A1)
        / f"var/lib/amazon/ssm/{HOST_A1}/document/orchestration/{command_id}/inspect/_script.sh"
    )
    assert stat.S_IMODE(script.stat().st_mode) == 0o700
    assert "echo a;b 'a;b'" in script.read_text()


def test_offline_node_ends_delivery_timed_out_after_timeout_seconds(
    make_emulator: Factory, ssm_a: Any
) -> None:
    clock = ManualClock()
    faults = Faults()
    make_emulator(clock=clock, faults=faults)
    faults.set_host(HOST_A2, offline=True)
    command_id = send(ssm_a, one_step("true"), [HOST_OFFLINE, HOST_A2], TimeoutSeconds=30)
    clock.advance(29.0)
    assert {i["Status"] for i in invocations(ssm_a, command_id).values()} == {"Pending"}
    clock.advance(2.0)
    found = invocations(ssm_a, command_id)
    assert {(i["Status"], i["StatusDetails"]) for i in found.values()} == {("TimedOut", "DeliveryTimedOut")}
    command = ssm_a.list_commands(CommandId=command_id)["Commands"][0]
    assert (command["Status"], command["StatusDetails"]) == ("TimedOut", "DeliveryTimedOut")
    assert (command["DeliveryTimedOutCount"], command["ErrorCount"], command["CompletedCount"]) == (2, 0, 2)


def test_stopped_node_is_undeliverable_and_windows_node_invalid_platform(
    emulator: SsmEmulator, ssm_a: Any
) -> None:
    command, found = run(ssm_a, one_step("true"), [HOST_STOPPED, HOST_WINDOWS, HOST_A1])
    assert found[HOST_STOPPED]["StatusDetails"] == "Undeliverable"
    assert found[HOST_WINDOWS]["StatusDetails"] == "InvalidPlatform"
    assert found[HOST_A1]["StatusDetails"] == "Success"
    assert (command["ErrorCount"], command["CompletedCount"], command["StatusDetails"]) == (
        0,
        3,
        "Incomplete",
    )


def test_a_precondition_mismatch_skips_the_step(emulator: SsmEmulator, ssm_a: Any) -> None:
    content = shell_document(
        {
            "name": "windows-only",
            "commands": ["touch wrong"],
            "precondition": {"StringEquals": ["platformType", "Windows"]},
        },
        {
            "name": "linux",
            "commands": ["echo linux"],
            "precondition": {"StringEquals": ["platformType", "Linux"]},
        },
    )
    _, found = run(ssm_a, content)
    steps = plugins(found[HOST_A1])
    assert (steps["windows-only"]["Status"], steps["windows-only"]["StatusDetails"]) == ("Success", "Skipped")
    assert steps["linux"]["Output"] == "linux\n"
    assert found[HOST_A1]["StatusDetails"] == "Success"
    assert not (emulator.sandbox(HOST_A1) / "wrong").exists()


def test_crash_fault_kills_the_run_step_with_sigsegv(make_emulator: Factory, ssm_a: Any) -> None:
    faults = Faults()
    make_emulator(faults=faults)
    faults.set_host(HOST_A1, crash_run_step=True)
    content = shell_document(
        {"name": "run", "commands": ["sleep 20"]}, {"name": "upload", "commands": ["echo up"]}
    )
    started = time.monotonic()
    _, found = run(ssm_a, content)
    assert time.monotonic() - started < 10
    steps = plugins(found[HOST_A1])
    assert (steps["run"]["Status"], steps["run"]["ResponseCode"]) == ("Failed", -1)
    assert "signal: 11" in steps["run"]["Output"]
    assert steps["upload"]["Output"] == "up\n"


def test_cancel_command_kills_a_running_step_and_cancels_the_command(
    emulator: SsmEmulator, ssm_a: Any
) -> None:
    command_id = send(
        ssm_a,
        shell_document(
            {"name": "long", "commands": ["echo $$ > long.pid; sleep 30"]},
            {"name": "after", "commands": ["touch after"]},
        ),
    )
    pid_file = emulator.sandbox(HOST_A1) / "long.pid"
    wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "")
    ssm_a.cancel_command(CommandId=command_id)
    command = wait_for_command(ssm_a, command_id)
    assert (command["Status"], command["StatusDetails"]) == ("Cancelled", "Cancelled")
    steps = plugins(invocations(ssm_a, command_id)[HOST_A1])
    assert steps["long"]["Status"] == "Cancelled"
    assert not (emulator.sandbox(HOST_A1) / "after").exists()
    pid = int(pid_file.read_text())
    wait_until(lambda: gone(pid, str(emulator.sandbox(HOST_A1))))


def test_unknown_command_ids_are_invalid_command_id(emulator: SsmEmulator, ssm_a: Any, ssm_b: Any) -> None:
    command_id = send(ssm_a, one_step("true"))
    call: Callable[[], object]
    for call in (
        lambda: ssm_b.get_command_invocation(CommandId=command_id, InstanceId=HOST_A1),
        lambda: ssm_b.list_command_invocations(CommandId=command_id),
        lambda: ssm_b.cancel_command(CommandId=command_id),
        lambda: ssm_a.list_commands(CommandId="00000000-0000-0000-0000-000000000000"),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert code(info) == "InvalidCommandId"


def test_list_commands_filters_and_pages(emulator: SsmEmulator, ssm_a: Any, raw_ssm_a: Any) -> None:
    ok = send(ssm_a, one_step("true"))
    bad = send(ssm_a, one_step("exit 4"))
    other = send(ssm_a, one_step("true"), [HOST_A2])
    for command_id in (ok, bad, other):
        wait_for_command(ssm_a, command_id)

    def listed(**request: Any) -> list[str]:
        return [c["CommandId"] for c in ssm_a.list_commands(**request)["Commands"]]

    assert listed() == [other, bad, ok]
    assert listed(Filters=[{"key": "Status", "value": "Failed"}]) == [bad]
    assert listed(Filters=[{"key": "ExecutionStage", "value": "Complete"}]) == [other, bad, ok]
    assert listed(Filters=[{"key": "InvokedAfter", "value": "2100-01-01T00:00:00Z"}]) == []
    assert listed(InstanceId=HOST_A2) == [other]
    first = ssm_a.list_commands(MaxResults=2)
    second = ssm_a.list_commands(MaxResults=2, NextToken=first["NextToken"])
    assert [c["CommandId"] for c in first["Commands"] + second["Commands"]] == [other, bad, ok]
    assert "NextToken" not in second
    with pytest.raises(ClientError) as unknown:
        ssm_a.list_commands(Filters=[{"key": "Colour", "value": "x"}])
    assert code(unknown) in ("InvalidFilterKey", "ValidationException")
    with pytest.raises(ClientError) as too_many:
        raw_ssm_a.list_commands(MaxResults=51)
    assert code(too_many) == "ValidationException"
    by_host = ssm_a.list_command_invocations(InstanceId=HOST_A2)["CommandInvocations"]
    assert [i["CommandId"] for i in by_host] == [other]
    failed = ssm_a.list_command_invocations(Filters=[{"key": "Status", "value": "Failed"}])[
        "CommandInvocations"
    ]
    assert [i["CommandId"] for i in failed] == [bad]


def test_hosts_run_concurrently_on_a_bounded_pool(make_emulator: Factory, ssm_a: Any) -> None:
    make_emulator(workers=2)
    _, found = run(ssm_a, one_step("sleep 0.5"), [HOST_A1, HOST_A2])
    steps = [plugins(found[h])["main"] for h in (HOST_A1, HOST_A2)]
    latest_start = max(p["ResponseStartDateTime"] for p in steps)
    earliest_end = min(p["ResponseFinishDateTime"] for p in steps)
    assert latest_start < earliest_end  # both hosts were running at the same time


def test_a_step_timeout_given_by_a_parameter_is_resolved_when_the_step_runs(
    make_emulator: Factory, ssm_a: Any
) -> None:
    make_emulator(clock=ScaledClock(20.0))
    content = shell_document(
        {"name": "main", "commands": ["sleep 30"], "inputs": {"timeoutSeconds": "{{ limit }}"}},
        parameters={"limit": {"type": "String", "default": "5"}},
    )
    started = time.monotonic()
    _, found = run(ssm_a, content)
    assert time.monotonic() - started < 5
    assert plugins(found[HOST_A1])["main"]["StatusDetails"] == "ExecutionTimedOut"


def test_invocations_page_and_unknown_targets_do_not_exist(
    emulator: SsmEmulator, ssm_a: Any, ssm_b: Any
) -> None:
    command_id = send(ssm_a, one_step("true"), [HOST_A1, HOST_A2, HOST_STOPPED])
    wait_for_command(ssm_a, command_id)
    first = ssm_a.list_command_invocations(CommandId=command_id, MaxResults=2)
    second = ssm_a.list_command_invocations(CommandId=command_id, MaxResults=2, NextToken=first["NextToken"])
    paged = [i["InstanceId"] for i in first["CommandInvocations"] + second["CommandInvocations"]]
    assert sorted(paged) == sorted([HOST_A1, HOST_A2, HOST_STOPPED])
    assert "NextToken" not in second
    with pytest.raises(ClientError) as info:
        ssm_a.get_command_invocation(CommandId=command_id, InstanceId=HOST_WINDOWS)
    assert code(info) == "InvocationDoesNotExist"
    assert ssm_b.list_commands()["Commands"] == []  # account B never sees A's commands
    assert ssm_b.list_command_invocations()["CommandInvocations"] == []


def test_an_unknown_document_version_is_invalid_document_version(emulator: SsmEmulator, ssm_a: Any) -> None:
    ssm_a.create_document(Name="Versioned", Content=one_step("true"), DocumentType="Command")
    ssm_a.send_command(InstanceIds=[HOST_A1], DocumentName="Versioned", DocumentVersion="$DEFAULT")
    with pytest.raises(ClientError) as info:
        ssm_a.send_command(InstanceIds=[HOST_A1], DocumentName="Versioned", DocumentVersion="7")
    assert code(info) == "InvalidDocumentVersion"


def test_a_node_that_goes_offline_before_delivery_never_runs_the_command(
    make_emulator: Factory, ssm_a: Any
) -> None:
    clock = ManualClock()
    faults = Faults()
    emulator = make_emulator(clock=clock, faults=faults, delivery_delay=5.0)
    command_id = send(ssm_a, one_step("touch ran"), TimeoutSeconds=60)
    faults.set_host(HOST_A1, offline=True)
    clock.advance(10.0)
    assert emulator.wait_idle()
    assert invocations(ssm_a, command_id)[HOST_A1]["Status"] == "Pending"
    clock.advance(60.0)
    assert invocations(ssm_a, command_id)[HOST_A1]["StatusDetails"] == "DeliveryTimedOut"
    assert not (emulator.sandbox(HOST_A1) / "ran").exists()


def test_uninstalling_kills_running_steps_and_leaves_no_process(tmp_path: Path, ssm_a: Any) -> None:
    emulator = SsmEmulator(
        small_fleet(),
        None,
        tmp_path / "hosts",
        settings=EmulatorSettings(consistency_window=0, delivery_delay=0),
    )
    uninstall = install_ssm_emulator(emulator)
    try:
        send(ssm_a, one_step("echo $$ > pid; sleep 60"))
        pid_file = emulator.sandbox(HOST_A1) / "pid"
        wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "")
    finally:
        started = time.monotonic()
        uninstall()
    assert time.monotonic() - started < 5
    pid = int(pid_file.read_text())
    wait_until(lambda: gone(pid, str(emulator.sandbox(HOST_A1))), timeout=5)  # SIGKILL lands asynchronously
    assert not [t for t in threading.enumerate() if t.name.startswith("ssm-host")]
