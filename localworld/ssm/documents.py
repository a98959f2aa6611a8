"""Command documents (schema 2.2): parsing, validation and parameter handling, as pure functions.

What SSM checks when a document is created (``CreateDocument``) and when it is used
(``SendCommand``), and how the agent substitutes ``{{ name }}`` references: as raw text, with no
shell quoting, ``$$`` turned into ``$``, and omitted parameters taking their default.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from localworld.ssm.errors import (
    InvalidDocumentContent,
    InvalidDocumentSchemaVersion,
    InvalidParameters,
    MaxDocumentSizeExceeded,
    ValidationException,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "DocumentSpec",
    "ParameterSpec",
    "StepSpec",
    "check_document_name",
    "document_hash",
    "parse_document",
    "resolve_parameters",
    "step_timeout",
    "substitute",
]

MAX_DOCUMENT_BYTES = 64 * 1024
DOCUMENT_NAME = re.compile(r"^[a-zA-Z0-9_\-.]{3,128}$")
RESERVED_PREFIXES = ("aws", "amazon", "amzn")
STEP_NAME = re.compile(r"^[a-zA-Z0-9_\-.]{1,128}$")
PARAMETER_NAME = re.compile(r"^[a-zA-Z0-9]+$")
REFERENCE = re.compile(r"{{\s*([^{}]*?)\s*}}")
PLUGIN_PLATFORMS: dict[str, tuple[str, ...]] = {
    "aws:runShellScript": ("Linux", "MacOS"),
    "aws:runPowerShellScript": ("Windows",),
}
DEFAULT_STEP_TIMEOUT = 3600
MIN_STEP_TIMEOUT = 5
MAX_STEP_TIMEOUT = 172_800


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ParameterSpec(_Model):
    """One declared document parameter."""

    name: str
    type: Literal["String", "StringList"]
    description: str = ""
    default: str | list[str] | None = None
    allowed_values: tuple[str, ...] | None = None
    allowed_pattern: str | None = None
    min_chars: int | None = None
    max_chars: int | None = None
    min_items: int | None = None
    max_items: int | None = None


class StepSpec(_Model):
    """One ``mainSteps`` entry."""

    name: str
    action: str
    run_command: tuple[str, ...]
    working_directory: str | None = None
    timeout_seconds: int = DEFAULT_STEP_TIMEOUT
    timeout_text: str | None = None  # a ``{{ param }}`` reference, resolved when the step runs
    on_failure: Literal["exit", "successAndExit"] | None = None
    on_success: Literal["exit"] | None = None
    finally_step: bool = False
    precondition: tuple[str, str] | None = None


class DocumentSpec(_Model):
    """A parsed, valid schema 2.2 Command document."""

    schema_version: str
    description: str
    parameters: tuple[ParameterSpec, ...]
    steps: tuple[StepSpec, ...]

    @property
    def platform_types(self) -> tuple[str, ...]:
        found: list[str] = []
        for step in self.steps:
            for platform in PLUGIN_PLATFORMS.get(step.action, ()):
                if platform not in found:
                    found.append(platform)
        return tuple(found)

    def parameter(self, name: str) -> ParameterSpec | None:
        return next((p for p in self.parameters if p.name == name), None)


def document_hash(content: str) -> str:
    """The Sha256 hash SSM reports for a document (of its content as stored)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def check_document_name(name: object) -> str:
    """CreateDocument's name rules: pattern, length, and the reserved prefixes."""
    if not isinstance(name, str) or not DOCUMENT_NAME.match(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-.]{3,128}$"
        )
    if name.lower().startswith(RESERVED_PREFIXES):
        raise ValidationException(
            f"Document name {name} is not valid: names starting with aws, amazon or amzn are reserved"
        )
    return name


def _bad(message: str) -> InvalidDocumentContent:
    return InvalidDocumentContent(message)


def _load(content: str, document_format: str) -> Mapping[str, Any]:
    try:
        raw = json.loads(content) if document_format == "JSON" else yaml.safe_load(content)
    except (ValueError, yaml.YAMLError) as exc:
        raise _bad(f"Document content is not valid {document_format}: {exc}") from exc
    if not isinstance(raw, dict):
        raise _bad("Document content must be a map")
    return raw


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(f"{where} must be an integer")
    try:
        return int(value)
    except ValueError as exc:
        raise _bad(f"{where} must be an integer") from exc


def _parameter(name: str, raw: object) -> ParameterSpec:
    if not PARAMETER_NAME.match(name):
        raise _bad(f"Parameter name {name} is not valid: only letters and digits are allowed")
    if not isinstance(raw, dict):
        raise _bad(f"Parameter {name} must be a map")
    kind = raw.get("type")
    if kind not in ("String", "StringList"):
        raise _bad(f"Parameter {name} has type {kind!r}; Command documents support String and StringList")
    pattern = raw.get("allowedPattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise _bad(f"Parameter {name}: allowedPattern must be a string")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _bad(f"Parameter {name}: allowedPattern is not a valid regular expression: {exc}") from exc
    values = raw.get("allowedValues")
    if values is not None and (not isinstance(values, list) or not all(isinstance(v, str) for v in values)):
        raise _bad(f"Parameter {name}: allowedValues must be a list of strings")
    default = raw.get("default")
    if default is not None and not isinstance(default, str | list):
        default = str(default)
    limits = {
        key: _int(raw[key], f"Parameter {name}: {key}")
        for key in ("minChars", "maxChars", "minItems", "maxItems")
        if key in raw
    }
    return ParameterSpec(
        name=name,
        type=kind,
        description=str(raw.get("description", "")),
        default=default,
        allowed_values=tuple(values) if values is not None else None,
        allowed_pattern=pattern,
        min_chars=limits.get("minChars"),
        max_chars=limits.get("maxChars"),
        min_items=limits.get("minItems"),
        max_items=limits.get("maxItems"),
    )


def step_timeout(value: object) -> int:
    """The agent's rule: a missing, invalid or out-of-range value falls back to 3600 s."""
    try:
        seconds = int(str(value))
    except ValueError:
        return DEFAULT_STEP_TIMEOUT
    return seconds if MIN_STEP_TIMEOUT <= seconds <= MAX_STEP_TIMEOUT else DEFAULT_STEP_TIMEOUT


def _step(raw: object, index: int) -> StepSpec:
    if not isinstance(raw, dict):
        raise _bad(f"mainSteps[{index}] must be a map")
    name, action, inputs = raw.get("name"), raw.get("action"), raw.get("inputs")
    if not isinstance(name, str) or not STEP_NAME.match(name):
        raise _bad(f"mainSteps[{index}].name is missing or not valid")
    if action not in PLUGIN_PLATFORMS:
        raise _bad(f"Step {name}: action {action!r} is not a supported plugin")
    if not isinstance(inputs, dict):
        raise _bad(f"Step {name}: inputs are required")
    commands = inputs.get("runCommand")
    if isinstance(commands, str):
        commands = [commands]
    if not isinstance(commands, list) or not commands or not all(isinstance(c, str) for c in commands):
        raise _bad(f"Step {name}: inputs.runCommand must be a non-empty list of strings")
    timeout = inputs.get("timeoutSeconds")
    working_directory = inputs.get("workingDirectory")
    if working_directory is not None and not isinstance(working_directory, str):
        raise _bad(f"Step {name}: inputs.workingDirectory must be a string")
    on_failure, on_success = inputs.get("onFailure"), inputs.get("onSuccess")
    if on_failure not in (None, "exit", "successAndExit"):
        raise _bad(f"Step {name}: inputs.onFailure must be exit or successAndExit")
    if on_success not in (None, "exit"):
        raise _bad(f"Step {name}: inputs.onSuccess must be exit")
    precondition: tuple[str, str] | None = None
    if "precondition" in raw:
        condition = raw["precondition"]
        operands = condition.get("StringEquals") if isinstance(condition, dict) else None
        if (
            not isinstance(condition, dict)
            or set(condition) != {"StringEquals"}
            or not isinstance(operands, list)
            or len(operands) != 2
            or not all(isinstance(o, str) for o in operands)
        ):
            raise _bad(f"Step {name}: precondition must be StringEquals with two operands")
        precondition = (operands[0], operands[1])
    return StepSpec(
        name=name,
        action=action,
        run_command=tuple(commands),
        working_directory=working_directory,
        timeout_seconds=step_timeout(inputs.get("timeoutSeconds", DEFAULT_STEP_TIMEOUT)),
        timeout_text=timeout if isinstance(timeout, str) and REFERENCE.search(timeout) else None,
        on_failure=on_failure,
        on_success=on_success,
        finally_step=bool(inputs.get("finallyStep", False)),
        precondition=precondition,
    )


def _references(value: object) -> list[str]:
    if isinstance(value, str):
        return REFERENCE.findall(value)
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _references(item)]
    return []


def parse_document(content: str, document_format: str = "JSON") -> DocumentSpec:
    """Parse and validate a Command document as CreateDocument does."""
    if len(content.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise MaxDocumentSizeExceeded("The size limit of a document is 64 KB.")
    if document_format not in ("JSON", "YAML"):
        raise ValidationException(f"DocumentFormat {document_format} is not supported")
    raw = _load(content, document_format)
    schema = raw.get("schemaVersion")
    if schema != "2.2":
        raise InvalidDocumentSchemaVersion(
            f"schemaVersion {schema!r} is not supported here; the emulator implements Command schema 2.2"
        )
    if "runtimeConfig" in raw:
        raise _bad("runtimeConfig is not valid in schema 2.2; use mainSteps")
    declared = raw.get("parameters") or {}
    if not isinstance(declared, dict):
        raise _bad("parameters must be a map")
    parameters = tuple(_parameter(str(name), spec) for name, spec in declared.items())
    main_steps = raw.get("mainSteps")
    if not isinstance(main_steps, list) or not main_steps:
        raise _bad("mainSteps must be a non-empty list")
    steps = tuple(_step(step, index) for index, step in enumerate(main_steps))
    names = [s.name for s in steps]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _bad(f"Step names must be unique: {', '.join(duplicates)}")
    if any(s.finally_step for s in steps[:-1]):
        raise _bad("finallyStep is only allowed on the last step")
    known = {p.name for p in parameters}
    for ref in _references(main_steps):
        if ref.startswith("ssm:"):
            continue
        if ref not in known:
            raise _bad(f"Parameter {{{{ {ref} }}}} is referenced but not declared in parameters")
    return DocumentSpec(
        schema_version="2.2",
        description=str(raw.get("description", "")),
        parameters=parameters,
        steps=steps,
    )


def _check_value(spec: ParameterSpec, value: str) -> None:
    if spec.allowed_pattern is not None and re.fullmatch(spec.allowed_pattern, value) is None:
        raise InvalidParameters(
            f'Parameter "{spec.name}" "{value[:64]}" failed to satisfy constraint: '
            f"Member must satisfy regular expression pattern: {spec.allowed_pattern}"
        )
    if spec.allowed_values is not None and value not in spec.allowed_values:
        raise InvalidParameters(
            f'Parameter "{spec.name}" has value "{value[:64]}" not in the allowed values '
            f"[{', '.join(spec.allowed_values)}]"
        )
    if spec.min_chars is not None and len(value) < spec.min_chars:
        raise InvalidParameters(f'Parameter "{spec.name}" is shorter than minChars {spec.min_chars}')
    if spec.max_chars is not None and len(value) > spec.max_chars:
        raise InvalidParameters(f'Parameter "{spec.name}" is longer than maxChars {spec.max_chars}')


def resolve_parameters(
    document: DocumentSpec, given: Mapping[str, Sequence[str]] | None
) -> dict[str, list[str]]:
    """Validate a SendCommand ``Parameters`` map and fill in defaults (InvalidParameters otherwise)."""
    given = given or {}
    unknown = sorted(set(given) - {p.name for p in document.parameters})
    if unknown:
        raise InvalidParameters(
            f"Parameter {', '.join(unknown)} is not defined in the document. "
            "You can only supply values to parameters defined in the SSM document."
        )
    resolved: dict[str, list[str]] = {}
    for spec in document.parameters:
        if spec.name in given:
            values = list(given[spec.name])
        elif spec.default is not None:
            values = list(spec.default) if isinstance(spec.default, list) else [spec.default]
        else:
            raise InvalidParameters(
                f'Parameter "{spec.name}" is required. '
                "You must specify values for all required parameters in the SSM document."
            )
        if spec.type == "String" and len(values) != 1:
            raise InvalidParameters(f'Parameter "{spec.name}" is a String and takes exactly one value')
        if spec.min_items is not None and len(values) < spec.min_items:
            raise InvalidParameters(f'Parameter "{spec.name}" has fewer than minItems {spec.min_items}')
        if spec.max_items is not None and len(values) > spec.max_items:
            raise InvalidParameters(f'Parameter "{spec.name}" has more than maxItems {spec.max_items}')
        for value in values:
            _check_value(spec, value)
        resolved[spec.name] = values
    return resolved


def substitute(text: str, parameters: Mapping[str, Sequence[str]], types: Mapping[str, str]) -> str:
    """Replace ``{{ name }}`` in ``text`` as the agent does: raw text, no quoting, ``$$`` -> ``$``.

    A String parameter becomes its value; a StringList is JSON-marshalled. Unknown or ``ssm:``
    references are left as they are.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in parameters:
            return match.group(0)
        values = [v.replace("$$", "$") for v in parameters[name]]
        if types.get(name) == "StringList":
            return json.dumps(values)
        return values[0] if values else ""

    return REFERENCE.sub(replace, text)
