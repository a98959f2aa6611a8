"""The whole of cce-scan on this machine: what ``cce-scan local`` and the end-to-end tests run.

On top of the local world (moto, the SSM emulator, the gates) it deploys what Terraform deploys —
the results bucket with the bundle and the shared document, the key, the Slack secret, the
configuration parameter, the state table, the queues, the roles with their policies, the
``ObjectCreated`` notification that invokes the analyzer — and runs the real Lambda entries (bot,
notifier, worker, analyzer) on :class:`~localworld.lambdas.LocalLambda`, each in processes of its
own with its own role's credentials and the environment Terraform gives it, talking to the local
Slack server. People are played by :class:`~localworld.slack.driver.SlackDriver`: signed requests
to the bot's Function URL. One system runs per process at a time (the world's moto is process-wide).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localworld.accounts import service_credentials
from localworld.central import (
    CentralDeployment,
    deploy_central,
    notify_analyzer,
    s3_invokes_lambda,
)
from localworld.faults import Faults
from localworld.fleet import FleetSpec
from localworld.lambdas import FunctionSpec, LocalLambda
from localworld.queue_mappings import read_queue_mappings
from localworld.slack.driver import SlackDriver
from localworld.slack.server import SlackApiServer
from localworld.world import TERRAFORM_MODULES, World
from scanner.config import Config
from scanner.deployment import Function

__all__ = ["FUNCTIONS", "LocalSystem"]


@dataclass(frozen=True)
class FunctionEntry:
    """A function of the central module: its key, handler and timeout (``lambda.tf``)."""

    key: Function
    handler: str
    timeout_s: float
    max_concurrency: int = 4


FUNCTIONS = (
    FunctionEntry("bot", "bot.handler.handler", timeout_s=60),
    FunctionEntry("notifier", "bot.notifier.handler", timeout_s=30),
    FunctionEntry("worker", "scanner.entries.worker.handler", timeout_s=60),
    FunctionEntry("analyzer", "scanner.entries.analyzer.handler", timeout_s=300),
)

# The bot and the analyzer run with the module's default timeouts (60 s and 300 s); the world runs
# the worker and the notifier with shorter ones than the module (each of their invocations here
# takes seconds), never longer. The jobs queue's visibility timeout is six times the worker's
# smallest timeout, as the module makes it (the finalize lease relies on it being at least 180 s);
# the events queue's equals the notifier's timeout (the module: six times), so a failed event
# comes back within a test's patience.
VISIBILITY_TIMEOUTS = {"jobs": 180, "events": 30}

# Lambda retries a failed asynchronous invocation (the analyzer's S3 events, the bot's lazy
# listeners) twice, about one and two minutes later; the world's tries come sooner.
ASYNC_RETRY_DELAYS = (2.0, 4.0)


def _function_environment(
    entry: FunctionEntry, central: CentralDeployment, world: World, slack: SlackApiServer
) -> dict[str, str]:
    """The function's environment variables as ``lambda.tf`` sets them, plus the world's endpoints."""
    names = central.names
    common = {
        "CCE_SCAN_CONFIG": central.config_source,
        "CCE_SCAN_TABLE": central.table,
        "CCE_SCAN_EVENTS_QUEUE_URL": central.queue_urls["events"],
        "AWS_ENDPOINT_URL": world.endpoint_url,
    }
    slack_env = {"SLACK_SECRET_ARN": central.secret_arn, "SLACK_API_URL": slack.base_url}
    jobs = {"CCE_SCAN_JOBS_QUEUE_URL": central.queue_urls["jobs"]}
    approvals = {"CCE_SCAN_APPROVALS_TABLE": central.approvals_table}
    by_key = {
        "bot": {
            **common,
            **approvals,
            **slack_env,
            **jobs,
            "CCE_SCAN_WORKER_FUNCTION": names.function("worker"),
        },
        "notifier": {**common, **approvals, **slack_env},
        "worker": {**common, **approvals, **jobs},
        "analyzer": common,
    }
    return by_key[entry.key]


class LocalSystem:
    """A running system; build it with :meth:`start`."""

    def __init__(
        self,
        world: World,
        slack: SlackApiServer,
        lambdas: LocalLambda,
        driver: SlackDriver,
        central: CentralDeployment,
        roles: Mapping[str, str],
    ) -> None:
        self.world = world
        self.slack = slack
        self.lambdas = lambdas
        self.driver = driver
        self.central = central
        self.names = central.names
        self.queue_urls = central.queue_urls
        self._roles = dict(roles)

    def function_client(self, key: Function, service: str) -> Any:
        """A client with the credentials of function ``key``'s execution role, as its code gets
        them: what that function may do, and what someone who took it over may."""
        creds = service_credentials(self._roles[key], self.names.function(key), self.world.region)
        return creds.client(service, self.world.region, self.world.endpoint_url)

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
        prefix: str = "cce-scan",
        sweep_seconds: float | None = 5.0,
        terraform_modules: Path = TERRAFORM_MODULES,
    ) -> Iterator[LocalSystem]:
        """Start the system in ``base_dir`` (a temporary directory if none), with the IAM of
        ``terraform_modules`` judging every call; every AWS call is written to
        ``<base_dir>/aws-calls.jsonl`` and each function's output to ``<base_dir>/lambda/``."""
        with contextlib.ExitStack() as stack:
            base = (
                Path(base_dir)
                if base_dir is not None
                else Path(stack.enter_context(tempfile.TemporaryDirectory()))
            )
            world = stack.enter_context(
                World.start(config, fleet, faults=faults, base_dir=base / "world", enforce_iam=True)
            )
            world.calls.open(base / "aws-calls.jsonl")
            world.deploy_host_part()
            # The channels the workspace has: the report channel and those /cce-scan may be used in.
            known = {world.config.slack.report_channel, *world.config.slack.allowed_channels} - {None}
            channels = {str(c) for c in known} or None
            slack = stack.enter_context(SlackApiServer(channels=channels, usergroups=usergroups))
            signing_secret = secrets.token_hex(16)
            setup = world.session_for(world.config.central.account_id)
            central = deploy_central(
                setup,
                world.endpoint_url,
                world.config,
                {
                    "signing_secret": signing_secret,
                    "bot_token": slack.bot_token,
                    "bot_user_id": slack.bot_user_id,
                    "team_id": slack.team_id,
                },
                prefix=prefix,
                visibility_timeouts=VISIBILITY_TIMEOUTS,
            )
            names = central.names
            roles = world.apply_terraform_iam(central, terraform_modules)
            environments = {
                names.function(entry.key): _function_environment(entry, central, world, slack)
                for entry in FUNCTIONS
            }
            role_of = {names.function(entry.key): roles[entry.key] for entry in FUNCTIONS}

            def credentials(spec: FunctionSpec) -> dict[str, str]:
                creds = service_credentials(role_of[spec.name], spec.name, world.region)
                return {
                    "AWS_ACCESS_KEY_ID": creds.access_key_id,
                    "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
                    "AWS_SESSION_TOKEN": creds.session_token or "",
                }

            lambdas = stack.enter_context(
                LocalLambda(
                    [
                        FunctionSpec(
                            names.function(entry.key),
                            entry.handler,
                            timeout_s=entry.timeout_s,
                            environment=environments[names.function(entry.key)],
                            max_concurrency=entry.max_concurrency,
                        )
                        for entry in FUNCTIONS
                    ],
                    account_id=world.config.central.account_id,
                    region=world.region,
                    credentials=credentials,
                    authorize=world.authorize_invoke,
                    log_dir=base / "lambda",
                    async_retry_delays=ASYNC_RETRY_DELAYS,
                )
            )
            lambdas.warm()
            stack.enter_context(
                s3_invokes_lambda(lambda arn, event: lambdas.invoke_async(arn.split(":")[6], event))
            )
            notify_analyzer(setup, world.endpoint_url, world.config, lambdas.arn(names.function("analyzer")))
            # The Terraform's event-source mappings, each reading and deleting messages with its
            # function's execution role.
            keys = {names.function(entry.key): entry.key for entry in FUNCTIONS}
            queue_urls = {url.rsplit("/", 1)[-1]: url for url in central.queue_urls.values()}
            for mapping in read_queue_mappings(terraform_modules, world.terraform_bindings(central)):
                key = keys[mapping.function_name]
                creds = service_credentials(roles[key], mapping.function_name, world.region)
                sqs = creds.client("sqs", world.region, world.endpoint_url)
                lambdas.map_sqs(
                    mapping.function_name,
                    queue_urls[mapping.queue_name],
                    sqs,
                    batch_size=mapping.batch_size,
                    window_seconds=mapping.window_seconds,
                    concurrency=mapping.concurrency,
                )
            driver = SlackDriver(
                slack,
                signing_secret,
                lambda event: dict(lambdas.invoke(names.function("bot"), event)),
                team_id=slack.team_id,
            )
            system = cls(world, slack, lambdas, driver, central, roles)
            if sweep_seconds:
                stack.enter_context(_Ticker(lambda: system.sweep_approvals(), sweep_seconds))
            yield system

    def denied_calls(self) -> list[dict[str, Any]]:
        """The AWS calls IAM refused so far (entries of :attr:`World.calls`)."""
        return [entry for entry in self.world.calls.entries() if not entry.get("allowed")]

    def denied_summary(self) -> str:
        """One line per refused (function, role, action), with how often: what an error names."""
        counts: dict[tuple[str, str, str], int] = {}
        for entry in self.denied_calls():
            key = (str(entry["function"]), str(entry["role"]), str(entry["action"]))
            counts[key] = counts.get(key, 0) + 1
        return "; ".join(
            f"{function} (role {role}) was denied {action} {n}×"
            for (function, role, action), n in counts.items()
        )

    def write_records(self, directory: Path) -> None:
        """``aws-calls.jsonl`` (every AWS call and IAM's decision) and ``slack.jsonl`` (every Web API
        call the app made, ``{"method", "args", "ok", "error"}``) in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / "aws-calls.jsonl").open("w", encoding="utf-8") as out:
            for entry in self.world.calls.entries():
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        with (directory / "slack.jsonl").open("w", encoding="utf-8") as out:
            for call in list(self.slack.calls):
                args = {key: value for key, value in call.args.items() if key != "token"}
                record = {"method": call.method, "args": args, "ok": call.ok, "error": call.error}
                out.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def sweep_approvals(self) -> None:
        """What the scheduled rule does on AWS: expire approval requests whose time is up."""
        self.lambdas.invoke_async(
            self.names.function("notifier"), {"source": "aws.events", "detail-type": "Scheduled Event"}
        )

    def settle(self, timeout: float = 120.0) -> None:
        """Wait until every queue is drained and no function is running."""
        self.lambdas.settle(timeout=timeout)


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
