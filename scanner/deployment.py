"""What ``terraform/modules/central`` names after its ``name_prefix``, and the ARNs of those resources.

The module derives every name from the prefix (``main.tf`` ``function_names``, ``iam.tf`` role
``<function>-<region>``, ``dynamodb.tf``, ``sqs.tf``, ``secrets.tf``, ``ssm.tf``, ``kms.tf``); a
deployment is found from the configuration and the prefix alone.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from scanner.config import Config

__all__ = ["FUNCTIONS", "Deployment", "Function"]

Function = Literal["bot", "notifier", "worker", "analyzer"]
FUNCTIONS: tuple[Function, ...] = ("bot", "notifier", "worker", "analyzer")


class Deployment(BaseModel):
    """The central module's names and ARNs for one configuration and ``name_prefix``."""

    model_config = ConfigDict(frozen=True)

    config: Config
    prefix: str = "cce-scan"
    partition: str = "aws"

    # Where the module is applied.

    @property
    def account_id(self) -> str:
        return self.config.central.account_id

    @property
    def region(self) -> str:
        return self.config.central.region

    def _arn(self, service: str, rest: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{rest}"

    # Names.

    def function(self, key: Function) -> str:
        return f"{self.prefix}-{key}"

    def role(self, key: Function) -> str:
        return f"{self.function(key)}-{self.region}"

    @property
    def table(self) -> str:
        return f"{self.prefix}-state"

    @property
    def approvals_table(self) -> str:
        return f"{self.prefix}-approvals"

    @property
    def jobs_queue(self) -> str:
        return f"{self.prefix}-jobs"

    @property
    def events_queue(self) -> str:
        return f"{self.prefix}-events"

    @property
    def dead_letter_queues(self) -> dict[str, str]:
        """The jobs' and events' dead-letter queues and the failure destinations of the bot's and
        the analyzer's asynchronous invocations, by their key in ``sqs.tf``."""
        return {
            "jobs": f"{self.prefix}-jobs-dlq",
            "events": f"{self.prefix}-events-dlq",
            "bot": f"{self.prefix}-bot-failures",
            "analyzer": f"{self.prefix}-analyzer-failures",
        }

    @property
    def secret(self) -> str:
        return f"{self.prefix}/slack"

    @property
    def config_parameter(self) -> str:
        return f"/{self.prefix}/config"

    @property
    def key_alias(self) -> str:
        return f"alias/{self.prefix}"

    # ARNs.

    def function_arn(self, key: Function) -> str:
        return self._arn("lambda", f"function:{self.function(key)}")

    def role_arn(self, key: Function) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role/{self.role(key)}"

    def log_streams_arn(self, key: Function) -> str:
        return self._arn("logs", f"log-group:/aws/lambda/{self.function(key)}:log-stream:*")

    @property
    def table_arn(self) -> str:
        return self._arn("dynamodb", f"table/{self.table}")

    def index_arn(self, index: str) -> str:
        return f"{self.table_arn}/index/{index}"

    @property
    def approvals_table_arn(self) -> str:
        return self._arn("dynamodb", f"table/{self.approvals_table}")

    def queue_arn(self, name: str) -> str:
        return self._arn("sqs", name)

    @property
    def bucket_arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.config.results_bucket}"

    def objects_arn(self, key_pattern: str) -> str:
        return f"{self.bucket_arn}/{key_pattern}"

    @property
    def parameter_arn(self) -> str:
        return self._arn("ssm", f"parameter{self.config_parameter}")

    @property
    def document_arn(self) -> str:
        return self.config.document_arn(self.partition)

    def member_role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.config.member_role.name}"

    def instances_arn(self, account_id: str, region: str) -> str:
        return f"arn:{self.partition}:ec2:{region}:{account_id}:instance/*"
