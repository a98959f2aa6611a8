"""The emulated agent runs each step as the real one does (``sh -c <dir>/_script.sh``), also many
hosts at once in one process."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from localworld.ssm.agent import HostRuntime, StepResult, run_step
from localworld.ssm.clock import SystemClock
from localworld.ssm.documents import StepSpec


def _host(tmp_path: Path, index: int) -> HostRuntime:
    sandbox = tmp_path / f"host-{index}"
    sandbox.mkdir()
    return HostRuntime(
        instance_id=f"i-{index:017x}",
        region="ap-northeast-2",
        platform_type="Linux",
        platform_name="Amazon Linux",
        platform_version="2023",
        sandbox=sandbox,
        cce_root=sandbox,
    )


def test_steps_of_many_hosts_started_at_once_never_find_their_script_busy(tmp_path: Path) -> None:
    """Writing a step's script while another host's step forks must not leak the open script into
    that child: executing the script would then fail with ETXTBSY ("Text file busy", exit 126)."""
    step = StepSpec(name="run", action="aws:runShellScript", run_command=("true",))
    hosts = [_host(tmp_path, i) for i in range(12)]

    def run(index: int) -> StepResult:
        host = hosts[index % len(hosts)]
        return run_step(
            step,
            "true\n",
            None,
            host,
            f"command-{index}",
            host.sandbox / "orchestration" / f"c-{index}",
            SystemClock(),
            threading.Event(),
            60,
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(run, range(240)))
    failures = [(r.code, r.stderr) for r in results if r.code != 0]
    assert failures == []
