"""The story ``cce-scan local`` tells: one person asks in Slack, another approves, hosts are scanned.

Everything runs on this machine (:class:`~localworld.system.LocalSystem`): the bot and the other
Lambda entries on the local Lambda service, AWS in moto with the strict SSM emulator, Slack in
the local Slack server. People are played by signed requests, exactly as Slack sends them.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.panel import Panel

from localworld.fault_plan import arm, draw
from localworld.fleet import FleetSpec
from localworld.slack.render import message_text
from localworld.slack.server import Message
from localworld.system import LocalSystem
from localworld.world import TERRAFORM_MODULES
from scanner.config import Config
from scanner.errors import CceScanError
from scanner.outcomes import FAILURES, SKIPS, HostOutcome
from scanner.state import ScanStore

__all__ = ["DemoError", "DemoResult", "run_demo"]

T = TypeVar("T")
SETTLE_SECONDS = 240.0


class DemoError(CceScanError):
    """The demo's story did not unfold: something it waited for never happened."""


@dataclass(frozen=True)
class DemoResult:
    scan_id: str
    hosts: int
    succeeded: int
    failed: int
    skipped: int
    findings_dir: Path

    def summary_line(self) -> str:
        return (
            f"scan {self.scan_id}: {self.hosts} hosts, {self.succeeded} succeeded, {self.failed} failed, "
            f"{self.skipped} skipped; findings: {self.findings_dir}"
        )


def _wait(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise DemoError(f"gave up waiting for {what} after {timeout:.0f} s")


class _Story:
    def __init__(self, system: LocalSystem, console: Console) -> None:
        self.system = system
        self.console = console
        self.slack = system.slack

    def say(self, who: str, text: str) -> None:
        self.console.print(f"[bold cyan]{who}[/] [dim]in #cce-scan:[/] {text}")

    def show(self, title: str, message: Message) -> None:
        self.console.print(Panel(message_text(message.blocks, message.text), title=title, expand=False))

    def parent(self, before: int) -> Message:
        def find() -> Message | None:
            tops = [m for m in self.slack.messages if m.thread_ts is None and m.ephemeral_to is None]
            return tops[before] if len(tops) > before else None

        return _wait(find, 60, "the thread parent")

    def reply_with(
        self, parent: Message, predicate: Callable[[Message], bool], timeout: float, what: str
    ) -> Message:
        def find() -> Message | None:
            for message in self.slack.thread(parent.channel, parent.ts):
                if message.thread_ts == parent.ts and predicate(message):
                    return message
            return None

        return _wait(find, timeout, what)


def _has_buttons(message: Message) -> bool:
    return any(block.get("type") == "actions" for block in message.blocks)


def _scan_id(parent: Message) -> str:
    text = json.dumps(parent.blocks)
    marker = text.find("`20")
    if marker < 0:
        raise DemoError("the thread parent shows no scan ID")
    return text[marker + 1 : text.index("`", marker + 1)]


def _collect_findings(system: LocalSystem, scan_id: str, out_dir: Path) -> Path:
    """Copy what the analyzer and the report left in the bucket to ``out_dir/<scan>/``."""
    session = system.world.session_for(system.config.central.account_id)
    s3: Any = session.client("s3", region_name=system.world.region, endpoint_url=system.world.endpoint_url)
    target = out_dir / scan_id
    if target.exists():
        shutil.rmtree(target)
    for prefix in (f"findings/{scan_id}/", f"reports/{scan_id}/"):
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=system.config.results_bucket, Prefix=prefix
        ):
            for item in page.get("Contents", []):
                path = target / item["Key"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(
                    s3.get_object(Bucket=system.config.results_bucket, Key=item["Key"])["Body"].read()
                )
    return target


def run_demo(
    config: Config,
    fleet: FleetSpec,
    out_dir: Path,
    console: Console,
    *,
    requester: str,
    approver: str,
    timeout: float = 240.0,
    terraform_modules: Path = TERRAFORM_MODULES,
    faults_seed: int | None = None,
) -> DemoResult:
    """Start everything, play the story, copy the findings to ``out_dir``; stop everything.

    The functions run under the roles ``terraform_modules`` declare; a call IAM refuses ends the
    demo with an error that names the function, its role and the action. With ``faults_seed``,
    faults drawn from the seed are armed at the boundaries a running scan crosses once it is
    approved (:mod:`localworld.fault_plan`), and each is printed as it fires."""
    started = time.monotonic()
    with LocalSystem.start(config, fleet, terraform_modules=terraform_modules) as system:

        def arm_faults() -> None:
            if faults_seed is None:
                return
            boundaries = draw(faults_seed)
            console.print(
                f"[bold]faults[/] (seed {faults_seed}): "
                + "; ".join(boundary.name for boundary in boundaries)
            )
            arm(system, boundaries, lambda text: console.print(f"[red]  fault[/] {text}"))

        try:
            return _play(system, config, out_dir, console, started, requester, approver, timeout, arm_faults)
        except DemoError as exc:
            records = out_dir / "failed-run"
            system.write_records(records)
            denied = system.denied_summary()
            reason = f"{exc}; IAM refused: {denied}" if denied else str(exc)
            raise DemoError(f"{reason} (every AWS and Slack call: {records})") from exc


def _play(
    system: LocalSystem,
    config: Config,
    out_dir: Path,
    console: Console,
    started: float,
    requester: str,
    approver: str,
    timeout: float,
    arm_faults: Callable[[], None],
) -> DemoResult:
    world = system.world
    real = sum(1 for h in world.hosts if h.sandbox is not None)
    unmanaged = sum(1 for h in world.hosts if not h.spec.ssm_managed)
    without_ssm = f", {unmanaged} without SSM" if unmanaged else ""
    console.print(
        f"[bold]Local world[/] on {world.endpoint_url}: central account {config.central.account_id}, "
        f"{len(config.accounts)} member accounts, {len(world.hosts)} hosts ({real} run the document for real"
        f"{without_ssm}), "
        f"Slack on {system.slack.origin} — ready in {time.monotonic() - started:.1f} s"
    )
    for note in world.notes:
        console.print(f"[yellow]note:[/] {note}")
    story = _Story(system, console)

    story.say(requester, "/cce-scan account prod")
    answer = system.driver.command(requester, "account prod", channel=config.slack.channel or "C01CCESCAN")
    console.print(
        f"[dim]  bot answered in {answer.elapsed_ms:.0f} ms (HTTP {answer.status}):[/] {answer.json().get('text', '')}"
    )
    parent = story.parent(0)
    scan_id = _scan_id(parent)
    request = story.reply_with(parent, _has_buttons, 60, "the approval request")
    story.show("approval request (in the thread)", request)

    story.say(approver, "clicks [승인]")
    system.driver.click(approver, request, "cce_approve")
    _wait(lambda: not _has_buttons(system.slack.find(request.channel, request.ts)), 60, "the decision")
    story.show("after the click", system.slack.find(request.channel, request.ts))
    arm_faults()  # the scan is running: its boundaries from here on

    shown = ""
    store = ScanStore(
        world.session_for(config.central.account_id).client(
            "dynamodb", region_name=world.region, endpoint_url=world.endpoint_url
        ),
        system.names.table,
    )
    deadline = time.monotonic() + timeout
    report: Message | None = None
    while time.monotonic() < deadline and report is None:
        current = system.slack.find(parent.channel, parent.ts)
        text = message_text(current.blocks, current.text)
        progress = next((line for line in text.splitlines() if "%" in line), "")
        if progress and progress != shown:
            console.print(f"[green]  progress[/] {progress.strip('`')}")
            shown = progress
        report = next(
            (
                m
                for m in system.slack.thread(parent.channel, parent.ts)
                if m.thread_ts == parent.ts and m.reply_broadcast
            ),
            None,
        )
        time.sleep(0.3)
    if report is None:
        raise DemoError(f"scan {scan_id} did not report within {timeout:.0f} s")
    # A job or event that failed comes back after its queue's visibility timeout (the jobs queue:
    # 180 s) and must find its work done before the story is told to the end.
    try:
        system.settle(timeout=SETTLE_SECONDS)
    except TimeoutError as exc:
        raise DemoError(f"scan {scan_id} reported, but the system did not come to rest: {exc}") from exc
    story.show("the thread parent", system.slack.find(parent.channel, parent.ts))
    for message in system.slack.thread(parent.channel, parent.ts):
        if message.thread_ts == parent.ts and message is not request and message is not report:
            story.show("reply", message)
    story.show("final report (broadcast to the channel)", report)
    files = [system.slack.files[file_id].filename for file_id in report.files] + [
        f.filename
        for f in system.slack.files.values()
        if f.thread_ts == parent.ts and f.id not in report.files
    ]
    if files:
        console.print(f"[dim]attached to the thread:[/] {', '.join(sorted(set(files)))}")
    record = store.get_scan(scan_id)
    findings = _collect_findings(system, scan_id, out_dir)
    counts = record.counts
    result = DemoResult(
        scan_id=scan_id,
        hosts=sum(counts.values()),
        succeeded=counts.get(HostOutcome.SUCCEEDED, 0),
        failed=sum(counts.get(o, 0) for o in FAILURES),
        skipped=sum(counts.get(o, 0) for o in SKIPS),
        findings_dir=findings,
    )
    system.write_records(findings)
    failures = system.lambdas.failures()
    for failure in failures:
        console.print(
            f"[red]function {failure.function} failed:[/] {failure.error.splitlines()[0] if failure.error else ''}"
        )
    denied = system.denied_summary()
    if denied:
        raise DemoError(f"scan {scan_id} reported, but IAM refused calls the code makes: {denied}")
    return result
