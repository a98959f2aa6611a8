"""Terraform and the code agree on the Lambda entries: handlers exist, environment names are read.

The contract (handler and environment variables per function: docs/design.md, "The Lambda entries")
is fixed; Terraform must name exactly these, and each entry module must exist and define the handler
and a pydantic-settings class that reads every variable Terraform sets and needs none that Terraform
does not set.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.terraform.hcl import CENTRAL, ROOT, locals_of


@dataclass(frozen=True)
class Entry:
    handler: str
    environment: frozenset[str]
    optional: frozenset[str] = frozenset()

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def function(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def path(self) -> Path:
        return ROOT / (self.module.replace(".", "/") + ".py")


CONTRACT = {
    # The bot publishes scan.started when it starts a scan and asks the worker about member accounts
    # (host targets, estimates); the notifier schedules its own delayed parent refresh (a throttled
    # one) on the events queue.
    "bot": Entry(
        "bot.handler.handler",
        frozenset(
            {
                "CCE_SCAN_CONFIG",
                "SLACK_SECRET_ARN",
                "CCE_SCAN_TABLE",
                "CCE_SCAN_APPROVALS_TABLE",
                "CCE_SCAN_JOBS_QUEUE_URL",
                "CCE_SCAN_EVENTS_QUEUE_URL",
                "CCE_SCAN_WORKER_FUNCTION",
            }
        ),
        frozenset({"SLACK_API_URL"}),
    ),
    "notifier": Entry(
        "bot.notifier.handler",
        frozenset(
            {
                "CCE_SCAN_CONFIG",
                "SLACK_SECRET_ARN",
                "CCE_SCAN_TABLE",
                "CCE_SCAN_APPROVALS_TABLE",
                "CCE_SCAN_EVENTS_QUEUE_URL",
            }
        ),
        frozenset({"SLACK_API_URL"}),
    ),
    "worker": Entry(
        "scanner.entries.worker.handler",
        frozenset(
            {
                "CCE_SCAN_CONFIG",
                "CCE_SCAN_TABLE",
                "CCE_SCAN_APPROVALS_TABLE",
                "CCE_SCAN_JOBS_QUEUE_URL",
                "CCE_SCAN_EVENTS_QUEUE_URL",
            }
        ),
    ),
    "analyzer": Entry(
        "scanner.entries.analyzer.handler",
        frozenset({"CCE_SCAN_CONFIG", "CCE_SCAN_TABLE", "CCE_SCAN_EVENTS_QUEUE_URL"}),
    ),
}


@pytest.mark.parametrize("name", list(CONTRACT))
def test_every_entry_module_exists(name: str) -> None:
    entry = CONTRACT[name]

    assert entry.path.is_file(), f"{entry.path.relative_to(ROOT)} ({entry.module}) is missing"


@pytest.mark.parametrize("name", list(CONTRACT))
def test_terraform_names_exactly_the_contract(name: str) -> None:
    function = locals_of(CENTRAL)["functions"][name]
    entry = CONTRACT[name]

    assert function["handler"] == entry.handler
    assert set(function["environment"]) == entry.environment
    assert set(function["optional_environment"]) == entry.optional


@pytest.mark.parametrize("name", list(CONTRACT))
def test_handler_is_defined_at_module_level(name: str) -> None:
    entry = CONTRACT[name]
    tree = ast.parse(entry.path.read_text(encoding="utf-8"))

    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        defined |= {t.id for t in targets if isinstance(t, ast.Name)}
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    assert entry.function in defined, f"{entry.module} defines no {entry.function}"


@pytest.mark.parametrize("name", list(CONTRACT))
def test_settings_read_every_variable_terraform_sets_and_need_no_other(name: str) -> None:
    entry = CONTRACT[name]
    fields = settings_fields(entry.path)

    assert fields, f"no pydantic-settings class in {entry.module} or the project modules it imports"
    read = {env for env, _ in fields}
    required = {env for env, needed in fields if needed}
    terraform = entry.environment | entry.optional
    assert terraform <= read, f"{entry.module} does not read {sorted(terraform - read)}"
    assert required <= entry.environment, f"{entry.module} requires {sorted(required - entry.environment)}"


@pytest.mark.parametrize("name", list(CONTRACT))
def test_entry_names_no_variable_terraform_leaves_unset(name: str) -> None:
    """An entry that checks for a variable by name (``raise ...("needs X")``) must get it."""
    entry = CONTRACT[name]
    tree = ast.parse(entry.path.read_text(encoding="utf-8"))
    mentioned = {
        word
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for word in re.findall(r"\b(?:CCE_SCAN|SLACK)_[A-Z_]+\b", node.value)
    }

    assert mentioned <= entry.environment | entry.optional, sorted(
        mentioned - entry.environment - entry.optional
    )


def test_settings_reader_finds_prefixed_aliased_and_required_fields(tmp_path: Path) -> None:
    module = tmp_path / "entry.py"
    module.write_text(
        "from pydantic import Field\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
        "class S(BaseSettings):\n"
        "    model_config = SettingsConfigDict(env_prefix='cce_scan_')\n"
        "    table: str\n"
        "    config: str = 'x'\n"
        "    secret: str = Field(alias='SLACK_SECRET_ARN')\n"
        "    url: str | None = Field(default=None, validation_alias='SLACK_API_URL')\n"
    )

    assert settings_fields(module) == {
        ("CCE_SCAN_TABLE", True),
        ("CCE_SCAN_CONFIG", False),
        ("SLACK_SECRET_ARN", True),
        ("SLACK_API_URL", False),
    }


# Reading pydantic-settings classes without importing the code (its imports may need AWS).


def settings_fields(entry: Path) -> set[tuple[str, bool]]:
    """``(ENV_NAME, required)`` of the settings classes in ``entry`` and the project modules it imports."""
    found: set[tuple[str, bool]] = set()
    for path in [entry, *project_imports(entry)]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(_name(base) == "BaseSettings" for base in node.bases):
                found |= _class_fields(node)
    return found


def project_imports(path: Path) -> list[Path]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
            modules.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    files = []
    for module in modules:
        if module.split(".")[0] not in ("bot", "scanner"):
            continue
        base = ROOT / module.replace(".", "/")
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file() and candidate not in files:
                files.append(candidate)
    return files


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _class_fields(node: ast.ClassDef) -> set[tuple[str, bool]]:
    prefix = ""
    for item in node.body:
        if (
            isinstance(item, ast.Assign)
            and any(_name(t) == "model_config" for t in item.targets)
            and isinstance(item.value, ast.Call)
        ):
            value = _keyword(item.value, "env_prefix")
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                prefix = value.value
    fields: set[tuple[str, bool]] = set()
    for item in node.body:
        if not isinstance(item, ast.AnnAssign) or not isinstance(item.target, ast.Name):
            continue
        if item.target.id == "model_config" or "ClassVar" in ast.unparse(item.annotation):
            continue
        env = prefix + item.target.id
        required = item.value is None
        if isinstance(item.value, ast.Call) and _name(item.value.func) == "Field":
            for key in ("validation_alias", "alias"):
                alias = _keyword(item.value, key)
                if isinstance(alias, ast.Constant) and isinstance(alias.value, str):
                    env = alias.value
                    break
            has_default = _keyword(item.value, "default") is not None or (
                _keyword(item.value, "default_factory") is not None
            )
            positional = item.value.args[0] if item.value.args else None
            if isinstance(positional, ast.Constant) and positional.value is not Ellipsis:
                has_default = True
            required = not has_default
        fields.add((env.upper(), required))
    return fields
