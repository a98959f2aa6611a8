"""A real host's agent: runs a document's ``aws:runShellScript`` steps with ``sh -c`` as
amazon-ssm-agent does, and writes each step's result into the invocation's plugin records.

- the script is the step's ``runCommand`` lines joined by newlines, written to
  ``<sandbox>/var/lib/amazon/ssm/<iid>/document/orchestration/<command>/<step>/_script.sh`` (0700);
- it runs as ``sh -c <script>`` in its own process group; cwd is the step's absolute
  ``workingDirectory`` used literally (a missing directory fails the step, exit 1), else the host's
  sandbox (standing in for ``/``);
- exit codes: 0 Success; 168 Success and skip the rest; 169 Failed and skip the rest; 194 reboot
  (the step runs again, at most :data:`MAX_REBOOTS` times); 137 TimedOut; other non-zero Failed and
  the next steps still run unless ``inputs.onFailure`` is set; killed by a signal: Failed, -1;
- a step over its ``timeoutSeconds`` (emulated time) has its process group SIGKILLed: TimedOut, 137.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from localworld.ssm.clock import Clock
from localworld.ssm.documents import PLUGIN_PLATFORMS, DocumentSpec, StepSpec, step_timeout, substitute
from localworld.ssm.state import InvocationRecord, PluginRecord

__all__ = ["MAX_REBOOTS", "HostRuntime", "StepResult", "aggregate", "run_real_invocation", "skip_reason"]

MAX_REBOOTS = 3
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
POLL_SECONDS = 0.01
READ_LIMIT = 128 * 1024  # bytes: more than 24,000 characters of UTF-8, and the output files may be huge
EXIT_SUCCESS_AND_STOP = 168
EXIT_FAILURE_AND_STOP = 169
EXIT_REBOOT = 194
EXIT_STOPPED = 137
# Held while a step's script is open for writing and while a step's process is started. A process
# forked by another host's thread while a script is still open holds that file open too, until it
# execs; executing the script then fails with ETXTBSY ("Text file busy", exit 126). Popen returns
# once its child has exec'd, so under this lock no child can hold a script being written.
_FORK_LOCK = threading.Lock()


@dataclass(frozen=True)
class HostRuntime:
    """What the agent of one real host needs to know about it."""

    instance_id: str
    region: str
    platform_type: str
    platform_name: str
    platform_version: str
    sandbox: Path
    cce_root: Path
    crash_step: str | None = None


@dataclass(frozen=True)
class StepResult:
    status: str
    details: str
    code: int
    stdout: str
    stderr: str


def skip_reason(step: StepSpec, platform_type: str, parameters: Mapping[str, Sequence[str]]) -> str | None:
    """Why a 2.2 step is skipped on this platform (precondition or plugin platform), else None."""
    if step.precondition is not None:
        left, right = step.precondition
        types = {name: "String" for name in parameters}

        def value(operand: str) -> str:
            return platform_type if operand == "platformType" else substitute(operand, parameters, types)

        if value(left) != value(right):
            return f"Step execution skipped due to unsatisfied preconditions: StringEquals [{left}, {right}]"
    elif platform_type not in PLUGIN_PLATFORMS.get(step.action, ()):
        return f"Step execution skipped due to incompatible platform. Step name: {step.name}"
    return None


def aggregate(plugins: Sequence[PluginRecord]) -> tuple[str, str]:
    """The agent's precedence: Failed > TimedOut > Cancelled > Success (Skipped is success)."""
    statuses = {p.status for p in plugins}
    if "Failed" in statuses:
        return "Failed", "Failed"
    if "TimedOut" in statuses:
        return "TimedOut", "ExecutionTimedOut"
    if "Cancelled" in statuses:
        return "Cancelled", "Cancelled"
    return "Success", "Success"


def _kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _read_head(path: Path) -> str:
    """The start of a step's output file: enough for the API's limits, bounded in memory."""
    with path.open("rb") as stream:
        return stream.read(READ_LIMIT).decode("utf-8", errors="replace")


def _classify(code: int) -> tuple[str, str]:
    if code in (0, EXIT_SUCCESS_AND_STOP):
        return "Success", "Success"
    if code == EXIT_STOPPED:
        return "TimedOut", "ExecutionTimedOut"
    return "Failed", "Failed"


def _working_directory(step: StepSpec, text: str | None, host: HostRuntime, orchestration: Path) -> Path:
    if not text:
        return host.sandbox
    if os.path.isabs(text):
        return Path(text)
    candidate = orchestration / "downloads" / text
    return candidate if candidate.is_dir() else host.sandbox


def run_step(
    step: StepSpec,
    script_text: str,
    working_directory: str | None,
    host: HostRuntime,
    command_id: str,
    orchestration: Path,
    clock: Clock,
    cancel: threading.Event,
    timeout_seconds: int,
) -> StepResult:
    """Run one step once and map its exit to the agent's status."""
    step_dir = orchestration / step.name
    step_dir.mkdir(parents=True, exist_ok=True)
    script = step_dir / "_script.sh"
    with _FORK_LOCK:
        script.write_text(script_text, encoding="utf-8")
    script.chmod(0o700)
    cwd = _working_directory(step, working_directory, host, orchestration)
    if not cwd.is_dir():
        return StepResult(
            "Failed", "Failed", 1, "", f"failed to run commands: chdir {cwd}: no such file or directory"
        )
    env = {
        "PATH": CLEAN_PATH,
        "AWS_SSM_INSTANCE_ID": host.instance_id,
        "AWS_SSM_REGION_NAME": host.region,
        "AWS_SSM_PLATFORM_NAME": host.platform_name,
        "AWS_SSM_PLATFORM_VERSION": host.platform_version,
        "SSM_COMMAND_ID": command_id,
        "CCE_ROOT": str(host.cce_root),
    }
    stdout_path, stderr_path = step_dir / "stdout", step_dir / "stderr"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err, _FORK_LOCK:
        # A crashing step is killed by SIGSEGV as it starts, from inside: a signal sent from here
        # after the start could come after a short step had already finished.
        argv = ["sh", "-c", "kill -s SEGV $$"] if host.crash_step == step.name else ["sh", "-c", str(script)]
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    deadline = clock.now() + timeout_seconds
    stopped: str | None = None
    try:
        while process.poll() is None:
            if cancel.is_set():
                stopped = "Cancelled"
            elif clock.now() >= deadline:
                stopped = "TimedOut"
            if stopped:
                _kill_group(process.pid)
                process.wait()
                break
            time.sleep(POLL_SECONDS)
    finally:
        # Leave nothing behind: background children of the step die with it.
        _kill_group(process.pid)
        if process.poll() is None:
            process.wait()
    stdout, stderr = _read_head(stdout_path), _read_head(stderr_path)
    if stopped == "Cancelled":
        return StepResult("Cancelled", "Cancelled", EXIT_STOPPED, stdout, stderr)
    if stopped == "TimedOut":
        stderr += "\nfailed to run commands: exit status 137"
        return StepResult("TimedOut", "ExecutionTimedOut", EXIT_STOPPED, stdout, stderr)
    code = process.returncode
    if code < 0:  # killed by a signal: Go's WaitStatus.ExitStatus() is -1
        return StepResult(
            "Failed", "Failed", -1, stdout, stderr + f"\nfailed to run commands: signal: {-code}"
        )
    status, details = _classify(code)
    if code == EXIT_SUCCESS_AND_STOP:
        stdout += "\nStep exited with code 168. Therefore, marking step as succeeded. Further document steps will be skipped."
    elif code == EXIT_FAILURE_AND_STOP:
        stdout += "\nStep exited with code 169. Therefore, marking step as failed. Further document steps will be skipped."
    elif status == "Failed":
        stderr += f"\nfailed to run commands: exit status {code}"
    return StepResult(status, details, code, stdout, stderr)


def run_real_invocation(
    invocation: InvocationRecord,
    document: DocumentSpec,
    parameters: Mapping[str, Sequence[str]],
    host: HostRuntime,
    clock: Clock,
    lock: threading.Lock | threading.RLock,
) -> None:
    """Execute every step on the host, recording each plugin as it starts and ends."""
    types = {p.name: p.type for p in document.parameters}
    orchestration = (
        host.sandbox
        / "var/lib/amazon/ssm"
        / host.instance_id
        / "document/orchestration"
        / invocation.command_id
    )
    stop_reason: str | None = None
    success_and_exit = False
    for step, plugin in zip(document.steps, invocation.plugins, strict=True):
        now = clock.now()
        if invocation.cancel.is_set():
            with lock:
                plugin.status = plugin.details = "Cancelled"
                plugin.start = plugin.end = now
            continue
        reason = (
            stop_reason
            if stop_reason and not step.finally_step
            else skip_reason(step, host.platform_type, parameters)
        )
        if reason is not None:
            with lock:
                plugin.status, plugin.details, plugin.response_code = "Success", "Skipped", 0
                plugin.stdout = reason
                plugin.start = plugin.end = now
            continue
        with lock:
            plugin.start = now
        script_text = "\n".join(substitute(line, parameters, types) for line in step.run_command) + "\n"
        working_directory = (
            substitute(step.working_directory, parameters, types) if step.working_directory else None
        )
        timeout_seconds = (
            step_timeout(substitute(step.timeout_text, parameters, types))
            if step.timeout_text
            else step.timeout_seconds
        )
        result = StepResult(
            "Failed",
            "Failed",
            1,
            "",
            f"{step.action} cannot run in the local world (only aws:runShellScript)",
        )
        for _ in range(1 + MAX_REBOOTS) if step.action == "aws:runShellScript" else ():
            # exit 194: the agent reboots and runs the same step again
            result = run_step(
                step,
                script_text,
                working_directory,
                host,
                invocation.command_id,
                orchestration,
                clock,
                invocation.cancel,
                timeout_seconds,
            )
            if result.code != EXIT_REBOOT:
                break
        if result.code == EXIT_REBOOT:
            result = StepResult(
                "Failed",
                "Failed",
                EXIT_REBOOT,
                result.stdout,
                result.stderr + "\nreboot requested again after 3 reboots",
            )
        with lock:
            plugin.status, plugin.details, plugin.response_code = result.status, result.details, result.code
            plugin.stdout, plugin.stderr = result.stdout, result.stderr
            plugin.end = max(clock.now(), now)
        if result.code == EXIT_SUCCESS_AND_STOP or result.code == EXIT_FAILURE_AND_STOP:
            stop_reason = f"Step execution skipped: step {step.name} exited with code {result.code}"
        elif result.status in ("Failed", "TimedOut") and step.on_failure is not None:
            stop_reason = f"Step execution skipped due to onFailure: {step.on_failure} on step {step.name}"
            success_and_exit = success_and_exit or step.on_failure == "successAndExit"
        elif result.status == "Success" and step.on_success == "exit":
            stop_reason = f"Step execution skipped due to onSuccess: exit on step {step.name}"
    with lock:
        status, details = ("Success", "Success") if success_and_exit else aggregate(invocation.plugins)
        invocation.finish(clock.now(), status, details)
