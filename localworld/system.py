"""The whole of cce-scan on this machine: what ``cce-scan local`` and the end-to-end tests run.

On top of the local world (moto, the SSM emulator, the gates) it deploys what Terraform deploys —
the results bucket with the bundle and the shared document, the state table, the job, event and
result queues, the ``ObjectCreated`` notification on ``results/`` — and runs the real Lambda
entries (bot, notifier, worker, analyzer) on :class:`~localworld.lambdas.LocalLambda` with the
environment Terraform gives them, talking to the local Slack server. People are played by
:class:`~localworld.slack.driver.SlackDriver`: signed requests to the bot's Function URL.

The environment is process-wide while the system runs (boto3 reads ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_LAMBDA`` from it, the entries read their settings from it) and is restored
when it stops; one system runs per process at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import yaml

from cce_scan.bundle import bundle_bytes
from cce_scan.document import render_document
from localworld.faults import Faults
from localworld.fleet import FleetSpec
from localworld.lambdas import FunctionSpec, LocalLambda
from localworld.slack.driver import SlackDriver
from localworld.slack.server import SlackApiServer
from localworld.world import World
from scanner.config import Config
from scanner.state import create_table

__all__ = ["FUNCTIONS", "LocalSystem", "SystemNames"]

FUNCTIONS = (
    FunctionSpec("cce-scan-bot", "bot.handler.handler", timeout_s=300),
    FunctionSpec("cce-scan-notifier", "bot.notifier.handler", timeout_s=120),
    FunctionSpec("cce-scan-worker", "scanner.entries.worker.handler", timeout_s=900),
    FunctionSpec("cce-scan-analyzer", "scanner.entries.analyzer.handler", timeout_s=300),
)


@dataclass(frozen=True)
class SystemNames:
    """Names of what the system deploys (as the Terraform module names them)."""

    table: str = "cce-scan"
    jobs_queue: str = "cce-scan-jobs"
    events_queue: str = "cce-scan-events"
    results_queue: str = "cce-scan-results"


def _clear_caches(module_name: str) -> None:
    """A cold start for an entry module already imported: drop its once-per-process caches."""
    module = sys.modules.get(module_name)
    if module is None:
        return
    for value in vars(module).values():
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class LocalSystem:
    """A running system; build it with :meth:`start`."""

    def __init__(
        self,
        world: World,
        slack: SlackApiServer,
        lambdas: LocalLambda,
        driver: SlackDriver,
        names: SystemNames,
        queue_urls: dict[str, str],
        config_path: Path,
    ) -> None:
        self.world = world
        self.slack = slack
        self.lambdas = lambdas
        self.driver = driver
        self.names = names
        self.queue_urls = queue_urls
        self.config_path = config_path

    @property
    def config(self) -> Config:
        return self.world.config

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        config: Config,
        fleet: FleetSpec,
        *,
        usergroups: dict[str, list[str]] | None = None,
        faults: Faults | None = None,
        base_dir: Path | str | None = None,
        names: SystemNames | None = None,
        sweep_seconds: float | None = 5.0,
    ) -> Iterator[LocalSystem]:
        names = names or SystemNames()
        with contextlib.ExitStack() as stack:
            base = (
                Path(base_dir)
                if base_dir is not None
                else Path(stack.enter_context(tempfile.TemporaryDirectory()))
            )
            world = stack.enter_context(World.start(config, fleet, faults=faults, base_dir=base / "world"))
            bundle, _version = bundle_bytes()
            sha256 = hashlib.sha256(bundle).hexdigest()
            bucket = world.config.results_bucket
            world.deploy(
                bundle, sha256, render_document(bucket, world.region, f"{world.endpoint_url}/{bucket}/")
            )
            queue_urls = _deploy_state_and_queues(world, names)

            config_path = base / "cce-scan.yaml"
            config_path.write_text(
                yaml.safe_dump(world.config.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                encoding="utf-8",
            )
            channels = {world.config.slack.channel} if world.config.slack.channel else None
            slack = stack.enter_context(SlackApiServer(channels=channels, usergroups=usergroups))
            lambdas = stack.enter_context(
                LocalLambda(FUNCTIONS, account_id=world.config.central.account_id, region=world.region)
            )
            signing_secret = secrets.token_hex(16)
            creds = world.worker_credentials(duration=3600)
            stack.enter_context(
                _environment(
                    {
                        "AWS_ACCESS_KEY_ID": creds.access_key_id,
                        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
                        "AWS_SESSION_TOKEN": creds.session_token or "",
                        "AWS_DEFAULT_REGION": world.region,
                        "AWS_REGION": world.region,
                        "AWS_ENDPOINT_URL": world.endpoint_url,
                        "AWS_ENDPOINT_URL_LAMBDA": lambdas.endpoint_url,
                        "CCE_SCAN_CONFIG": str(config_path),
                        "CCE_SCAN_TABLE": names.table,
                        "CCE_SCAN_JOBS_QUEUE_URL": queue_urls["jobs"],
                        "CCE_SCAN_EVENTS_QUEUE_URL": queue_urls["events"],
                        "CCE_SCAN_WORKER_FUNCTION": "cce-scan-worker",
                        "SLACK_SIGNING_SECRET": signing_secret,
                        "SLACK_BOT_TOKEN": slack.bot_token,
                        "SLACK_BOT_USER_ID": slack.bot_user_id,
                        "SLACK_TEAM_ID": slack.team_id,
                        "SLACK_API_URL": slack.base_url,
                    }
                )
            )
            # A cold start of every function: a new process would have no cached app, clients or
            # default boto3 session (whose credentials would be the previous system's).
            boto3.DEFAULT_SESSION = None
            for spec in FUNCTIONS:
                _clear_caches(spec.handler.rpartition(".")[0])
            sqs = world.session_for(world.config.central.account_id).client(
                "sqs", region_name=world.region, endpoint_url=world.endpoint_url
            )
            lambdas.map_sqs("cce-scan-worker", queue_urls["jobs"], sqs)
            lambdas.map_sqs("cce-scan-notifier", queue_urls["events"], sqs)
            lambdas.map_sqs("cce-scan-analyzer", queue_urls["results"], sqs)
            driver = SlackDriver(
                slack,
                signing_secret,
                lambda event: dict(lambdas.invoke("cce-scan-bot", event)),
                team_id=slack.team_id,
            )
            system = cls(world, slack, lambdas, driver, names, queue_urls, config_path)
            if sweep_seconds:
                stack.enter_context(_Ticker(lambda: system.sweep_approvals(), sweep_seconds))
            yield system

    def sweep_approvals(self) -> None:
        """What the scheduled rule does on AWS: expire approval requests whose time is up."""
        self.lambdas.invoke_async(
            "cce-scan-notifier", {"source": "aws.events", "detail-type": "Scheduled Event"}
        )

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until every queue is drained and no function is running."""
        self.lambdas.settle(timeout=timeout)


def _deploy_state_and_queues(world: World, names: SystemNames) -> dict[str, str]:
    """The table, the queues and the results notification, as the central Terraform module makes them."""
    session = world.session_for(world.config.central.account_id)
    region, endpoint = world.region, world.endpoint_url
    create_table(session.client("dynamodb", region_name=region, endpoint_url=endpoint), names.table)
    sqs: Any = session.client("sqs", region_name=region, endpoint_url=endpoint)
    urls = {
        "jobs": sqs.create_queue(QueueName=names.jobs_queue, Attributes={"VisibilityTimeout": "900"})[
            "QueueUrl"
        ],
        "events": sqs.create_queue(QueueName=names.events_queue, Attributes={"VisibilityTimeout": "120"})[
            "QueueUrl"
        ],
        "results": sqs.create_queue(QueueName=names.results_queue, Attributes={"VisibilityTimeout": "300"})[
            "QueueUrl"
        ],
    }
    results_arn = sqs.get_queue_attributes(QueueUrl=urls["results"], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    s3: Any = session.client("s3", region_name=region, endpoint_url=endpoint)
    s3.put_bucket_notification_configuration(
        Bucket=world.config.results_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": results_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "results/"}]}},
                }
            ]
        },
    )
    return urls


class _Ticker:
    """Calls ``action`` every ``seconds`` on a daemon thread until the block ends."""

    def __init__(self, action: Any, seconds: float) -> None:
        self._action = action
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._seconds):
            self._action()

    def __enter__(self) -> _Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self._seconds + 5)
