"""A Terraform module evaluated with the local world's facts: ``var``, ``local``, ``each``,
``data`` and resource references resolved as Terraform resolves them, on demand.

Only what is read is evaluated: a local, a resource's argument or an output is computed when an
expression needs it, so the parts of the module the world has no value for (file paths, package
hashes) are never touched. Values come from:

- the HCL itself: locals, resource arguments, variable defaults, ``for_each`` maps;
- :class:`ModuleFacts`, the world's facts: the partition, account and region that
  ``aws_partition``, ``aws_caller_identity`` and ``aws_region`` report, variable values, and the
  ARNs AWS makes random (a KMS key's, a secret's), by resource address;
- the attributes AWS computes from names, formed as AWS forms them: a bucket's
  ``arn:P:s3:::NAME``, a queue's ``arn:P:sqs:REGION:ACCOUNT:NAME`` and its URL, a table's
  ``arn:P:dynamodb:REGION:ACCOUNT:table/NAME``, a parameter's
  ``arn:P:ssm:REGION:ACCOUNT:parameter/NAME`` (without the name's leading ``/``), a document's,
  a role's (``arn:P:iam::ACCOUNT:role/PATHNAME``), a function's and a log group's;
- ``aws_iam_policy_document`` data sources, rendered by :mod:`localworld.iam.policy_document`.

Anything else raises :class:`~localworld.iam.hcl.TerraformError` naming the file, the block and the
expression. ``count``, ``module``, ``path`` and ``terraform`` references are not supported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localworld.iam.hcl import Block, Object, TerraformError, Unresolved, evaluate, read_module
from localworld.iam.policy_document import (
    ConditionSpec,
    PolicyDocumentError,
    PrincipalsSpec,
    StatementSpec,
    render,
    to_json,
)

__all__ = ["Instance", "Module", "ModuleFacts"]


@dataclass(frozen=True)
class ModuleFacts:
    """What the world knows that the module's HCL does not."""

    partition: str
    account_id: str
    region: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    resource_arns: Mapping[str, str] = field(default_factory=dict)  # "aws_kms_key.this" → ARN


class Module:
    """The blocks of one module directory, evaluated lazily against ``facts``."""

    def __init__(self, directory: Path, facts: ModuleFacts) -> None:
        self.directory = directory
        self.facts = facts
        self.blocks = read_module(directory)
        self._locals: dict[str, Block] = {}
        self._named: dict[tuple[str, str, str], Block] = {}
        for block in self.blocks:
            if block.type == "locals":
                for name in block.attributes:
                    if name in self._locals:
                        raise TerraformError(f"{block.file.name}: locals", f"local.{name} is defined twice")
                    self._locals[name] = block
            elif len(block.labels) == 2 and block.type in ("resource", "data"):
                self._named[(block.type, block.labels[0], block.labels[1])] = block
            elif len(block.labels) == 1 and block.type in ("variable", "output"):
                self._named[(block.type, block.labels[0], "")] = block
        self.resource_types = {labels[0] for (kind, *labels) in self._named if kind == "resource"}
        self._local_values: dict[str, Any] = {}
        self._evaluating: set[str] = set()
        self._instances: dict[tuple[str, str, str], dict[str | None, Instance]] = {}

    def __repr__(self) -> str:
        return f"Module({self.directory.name}, account {self.facts.account_id})"

    def block(self, kind: str, type_: str, name: str = "") -> Block:
        found = self._named.get((kind, type_, name))
        if found is None:
            raise TerraformError(self.directory.name, f"the module has no {kind} {type_} {name}".rstrip())
        return found

    def blocks_of(self, kind: str, type_: str) -> list[Block]:
        return [block for (k, t, _), block in self._named.items() if k == kind and t == type_]

    def local(self, name: str) -> Any:
        if name in self._local_values:
            return self._local_values[name]
        block = self._locals.get(name)
        if block is None:
            raise Unresolved(f"local.{name} is not defined")
        if name in self._evaluating:
            raise Unresolved(f"local.{name} refers to itself")
        self._evaluating.add(name)
        try:
            value = evaluate(block.attributes[name], _Scope(self))
        finally:
            self._evaluating.discard(name)
        self._local_values[name] = value
        return value

    def variable(self, name: str) -> Any:
        block = self._named.get(("variable", name, ""))
        if block is None:
            raise Unresolved(f"var.{name} is not declared in module {self.directory.name}")
        if name in self.facts.variables:
            return self.facts.variables[name]
        if "default" in block.attributes:
            return evaluate(block.attributes["default"], _Scope(self))
        bound = ", ".join(sorted(self.facts.variables)) or "none"
        raise Unresolved(f"var.{name} has no default and the world binds no value for it (it binds {bound})")

    def output(self, name: str) -> Any:
        block = self.block("output", name)
        if "value" not in block.attributes:
            raise TerraformError(f"{block.file.name}: {block.address}", "the output has no value")
        return evaluate(block.attributes["value"], _Scope(self))

    def instances(self, kind: str, type_: str, name: str) -> dict[str | None, Instance]:
        """The instances of a resource or data source: one keyed ``None``, or one per ``for_each``
        key."""
        key = (kind, type_, name)
        if key in self._instances:
            return self._instances[key]
        block = self._named.get(key)
        if block is None:
            raise Unresolved(f"{'data.' if kind == 'data' else ''}{type_}.{name} is not in this module")
        if "count" in block.attributes:
            raise Unresolved(f"{block.address} uses count, which the local world's reader does not support")
        found: dict[str | None, Instance]
        if "for_each" in block.attributes:
            each = evaluate(block.attributes["for_each"], _Scope(self))
            if isinstance(each, list) and all(isinstance(item, str) for item in each):
                each = {item: item for item in each}
            if not isinstance(each, dict):
                raise Unresolved(f"the for_each of {block.address} is not a map or a set of strings")
            found = {k: _instance(self, block, k, v) for k, v in each.items()}
        else:
            found = {None: _instance(self, block, None, None)}
        self._instances[key] = found
        return found

    def keys(self, kind: str, type_: str, name: str) -> list[str | None]:
        """The ``for_each`` keys of a resource or data source (``[None]`` without ``for_each``)."""
        try:
            return list(self.instances(kind, type_, name))
        except Unresolved as problem:
            raise TerraformError(self.directory.name, str(problem)) from None

    def instance(self, kind: str, type_: str, name: str, key: str | None = None) -> Instance:
        try:
            return self.instances(kind, type_, name)[key]
        except KeyError:
            raise TerraformError(self.directory.name, f"{type_}.{name} has no instance {key!r}") from None
        except Unresolved as problem:
            raise TerraformError(self.directory.name, str(problem)) from None

    def referenced(self, kind: str, type_: str, name: str) -> Any:
        """What ``type_.name`` stands for in an expression: the instance, or the map of them."""
        found = self.instances(kind, type_, name)
        if list(found) == [None]:
            return found[None]
        return found


def _instance(module: Module, block: Block, key: str | None, value: Any) -> Instance:
    return (
        DataInstance(module, block, key, value)
        if block.type == "data"
        else ResourceInstance(module, block, key, value)
    )


class Instance(Object):
    """One instance of a resource or data source; ``each`` is bound inside it."""

    def __init__(self, module: Module, block: Block, key: str | None, value: Any) -> None:
        self.module = module
        self.block = block
        self.key = key
        self.value = value
        self.type = block.labels[0]
        self._cache: dict[str, Any] = {}

    @property
    def address(self) -> str:
        return self.block.address if self.key is None else f'{self.block.address}["{self.key}"]'

    def __repr__(self) -> str:
        return f"<{self.address}>"

    def has_argument(self, name: str) -> bool:
        return name in self.block.attributes

    def argument(self, name: str) -> Any:
        """The value of the argument ``name`` as written in the block (``None`` when absent)."""
        expression = self.block.attributes.get(name)
        if expression is None:
            return None
        scope = _Scope(self.module, (self.key, self.value) if self.key is not None else None)
        return evaluate(expression, scope)

    def nested_argument(self, block_type: str, name: str) -> Any:
        """The argument ``name`` of the instance's one nested ``block_type`` block, as written
        (``None`` when there is no such block or argument)."""
        nested = self.block.nested(block_type)
        if len(nested) > 1:
            raise TerraformError(
                f"{self.block.file.name}: {self.address}", f"more than one {block_type} block"
            )
        expression = nested[0].attributes.get(name) if nested else None
        if expression is None:
            return None
        try:
            return evaluate(
                expression, _Scope(self.module, (self.key, self.value) if self.key is not None else None)
            )
        except Unresolved as problem:
            raise TerraformError(f"{self.block.file.name}: {self.address}", str(problem)) from None

    def get(self, name: str) -> Any:
        """The attribute ``name``, for callers outside an expression: errors name this instance."""
        try:
            return self.attribute(name)
        except Unresolved as problem:
            raise TerraformError(f"{self.block.file.name}: {self.address}", str(problem)) from None

    def attribute(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = self._attribute(name)
        return self._cache[name]

    def _attribute(self, name: str) -> Any:
        raise NotImplementedError

    def required(self, name: str) -> Any:
        if not self.has_argument(name):
            raise Unresolved(f"{self.address} has no {name} argument, and AWS would choose one")
        return self.argument(name)


class ResourceInstance(Instance):
    def _attribute(self, name: str) -> Any:
        rule = _RESOURCE_ATTRIBUTES.get(self.type, {}).get(name)
        if rule is not None:
            return rule(self)
        if self.has_argument(name):
            return self.argument(name)
        raise Unresolved(f"{self.address}.{name} is not an attribute the local world computes")

    def bound_arn(self) -> str:
        arn = self.module.facts.resource_arns.get(self.block.address)
        if arn is None:
            raise Unresolved(f"AWS makes the ARN of {self.block.address} random; the world binds none for it")
        return arn


class DataInstance(Instance):
    def _attribute(self, name: str) -> Any:
        facts = self.module.facts
        match self.type, name:
            case "aws_partition", "partition" | "id":
                return facts.partition
            case "aws_partition", "dns_suffix":
                return "amazonaws.com"
            case "aws_caller_identity", "account_id" | "id":
                return facts.account_id
            case "aws_region", "region" | "name" | "id":
                return facts.region
            case "aws_iam_policy_document", "json":
                return to_json(self.document())
            case "aws_iam_policy_document", "minified_json":
                return json.dumps(self.document(), separators=(",", ":"))
        raise Unresolved(f"{self.address}.{name} is not known to the local world")

    def document(self) -> dict[str, Any]:
        if "document" not in self._cache:
            self._cache["document"] = _policy_document(self)
        document: dict[str, Any] = self._cache["document"]
        return document


# --- attributes AWS computes -----------------------------------------------------------------------


def _arn(
    instance: Instance, service: str, resource: str, *, regional: bool = True, account: bool = True
) -> str:
    facts = instance.module.facts
    region = facts.region if regional else ""
    owner = facts.account_id if account else ""
    return f"arn:{facts.partition}:{service}:{region}:{owner}:{resource}"


def _name(argument: str) -> Callable[[ResourceInstance], Any]:
    return lambda instance: instance.required(argument)


def _string(instance: Instance, argument: str) -> str:
    value = instance.required(argument)
    if not isinstance(value, str):
        raise Unresolved(f"{instance.address}.{argument} is not a string")
    return value


def _queue_url(instance: ResourceInstance) -> str:
    facts = instance.module.facts
    return f"https://sqs.{facts.region}.amazonaws.com/{facts.account_id}/{_string(instance, 'name')}"


def _role_arn(instance: ResourceInstance) -> str:
    path = instance.argument("path") or "/"
    return _arn(instance, "iam", f"role{path}{_string(instance, 'name')}", regional=False)


_RESOURCE_ATTRIBUTES: dict[str, dict[str, Callable[[ResourceInstance], Any]]] = {
    "aws_s3_bucket": {
        "bucket": _name("bucket"),
        "id": _name("bucket"),
        "arn": lambda i: _arn(i, "s3", _string(i, "bucket"), regional=False, account=False),
    },
    "aws_sqs_queue": {
        "name": _name("name"),
        "arn": lambda i: _arn(i, "sqs", _string(i, "name")),
        "id": _queue_url,
        "url": _queue_url,
    },
    "aws_dynamodb_table": {
        "name": _name("name"),
        "id": _name("name"),
        "arn": lambda i: _arn(i, "dynamodb", f"table/{_string(i, 'name')}"),
    },
    "aws_ssm_parameter": {
        "name": _name("name"),
        "id": _name("name"),
        "arn": lambda i: _arn(i, "ssm", f"parameter/{_string(i, 'name').removeprefix('/')}"),
    },
    "aws_ssm_document": {
        "name": _name("name"),
        "id": _name("name"),
        "arn": lambda i: _arn(i, "ssm", f"document/{_string(i, 'name')}"),
    },
    "aws_iam_role": {"name": _name("name"), "id": _name("name"), "arn": _role_arn},
    "aws_lambda_function": {
        "function_name": _name("function_name"),
        "id": _name("function_name"),
        "arn": lambda i: _arn(i, "lambda", f"function:{_string(i, 'function_name')}"),
    },
    "aws_cloudwatch_log_group": {
        "name": _name("name"),
        "id": _name("name"),
        "arn": lambda i: _arn(i, "logs", f"log-group:{_string(i, 'name')}"),
    },
    "aws_kms_key": {
        "arn": ResourceInstance.bound_arn,
        "key_id": lambda i: i.bound_arn().rsplit("/", 1)[-1],
        "id": lambda i: i.bound_arn().rsplit("/", 1)[-1],
    },
    "aws_secretsmanager_secret": {
        "arn": ResourceInstance.bound_arn,
        "id": ResourceInstance.bound_arn,
        "name": _name("name"),
    },
}


# --- references ----------------------------------------------------------------------------------


class _Scope:
    def __init__(self, module: Module, each: tuple[str, Any] | None = None) -> None:
        self.module = module
        self.each = each

    def reference(self, name: str) -> Any:
        module = self.module
        if name == "var":
            return _Namespace(module.variable)
        if name == "local":
            return _Namespace(module.local)
        if name == "each":
            if self.each is None:
                raise Unresolved("each is known only inside a block with for_each")
            key, value = self.each
            return {"key": key, "value": value}
        if name == "data":
            return _Namespace(lambda type_: _Namespace(lambda label: module.referenced("data", type_, label)))
        if name in module.resource_types:
            return _Namespace(lambda label: module.referenced("resource", name, label))
        if name in ("module", "path", "terraform", "count", "self"):
            raise Unresolved(f"{name} references are not supported by the local world's reader")
        raise Unresolved(
            f"{name} is not a resource type of module {module.directory.name}, nor var, local or data"
        )


class _Namespace(Object):
    def __init__(self, lookup: Callable[[str], Any]) -> None:
        self.lookup = lookup

    def attribute(self, name: str) -> Any:
        return self.lookup(name)


# --- aws_iam_policy_document ------------------------------------------------------------------------

_DOCUMENT_ARGUMENTS = {
    "for_each",
    "source_policy_documents",
    "override_policy_documents",
    "version",
    "policy_id",
}
_STATEMENT_ARGUMENTS = {"sid", "effect", "actions", "not_actions", "resources", "not_resources"}
_STATEMENT_BLOCKS = {"principals", "not_principals", "condition"}


def _unsupported(block: Block, names: set[str], kind: str) -> None:
    if names:
        raise Unresolved(
            f"{block.address} has {kind} {', '.join(sorted(names))}, which the reader does not support"
        )


def _strings(instance: Instance, block: Block, name: str) -> tuple[str, ...]:
    expression = block.attributes.get(name)
    if expression is None:
        return ()
    scope = _Scope(instance.module, (instance.key, instance.value) if instance.key is not None else None)
    value = evaluate(expression, scope)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Unresolved(f"{block.address}.{name} is not a list of strings: {value!r}")
    return tuple(value)


def _text(instance: Instance, block: Block, name: str) -> str | None:
    expression = block.attributes.get(name)
    if expression is None:
        return None
    scope = _Scope(instance.module, (instance.key, instance.value) if instance.key is not None else None)
    value = evaluate(expression, scope)
    if value is not None and not isinstance(value, str):
        raise Unresolved(f"{block.address}.{name} is not a string: {value!r}")
    return value


def _principal_blocks(instance: Instance, blocks: list[Block]) -> tuple[PrincipalsSpec, ...]:
    specs = []
    for block in blocks:
        _unsupported(block, set(block.attributes) - {"type", "identifiers"}, "arguments")
        kind = _text(instance, block, "type")
        if kind is None:
            raise Unresolved(f"{block.address} has no type")
        specs.append(PrincipalsSpec(kind, _strings(instance, block, "identifiers")))
    return tuple(specs)


def _statement(instance: Instance, block: Block) -> StatementSpec:
    _unsupported(block, set(block.attributes) - _STATEMENT_ARGUMENTS, "arguments")
    _unsupported(block, {b.type for b in block.blocks} - _STATEMENT_BLOCKS, "blocks")
    effect = _text(instance, block, "effect") or "Allow"
    if effect not in ("Allow", "Deny"):
        raise Unresolved(f"{block.address}.effect is {effect!r}, not Allow or Deny")
    conditions = []
    for condition in block.nested("condition"):
        _unsupported(condition, set(condition.attributes) - {"test", "variable", "values"}, "arguments")
        test, variable = _text(instance, condition, "test"), _text(instance, condition, "variable")
        if test is None or variable is None:
            raise Unresolved(f"{condition.address} needs a test and a variable")
        conditions.append(ConditionSpec(test, variable, _strings(instance, condition, "values")))
    return StatementSpec(
        sid=_text(instance, block, "sid") or "",
        effect=effect,
        actions=_strings(instance, block, "actions"),
        not_actions=_strings(instance, block, "not_actions"),
        resources=_strings(instance, block, "resources"),
        not_resources=_strings(instance, block, "not_resources"),
        principals=_principal_blocks(instance, block.nested("principals")),
        not_principals=_principal_blocks(instance, block.nested("not_principals")),
        conditions=tuple(conditions),
    )


def _policy_document(instance: Instance) -> dict[str, Any]:
    block = instance.block
    _unsupported(block, set(block.attributes) - _DOCUMENT_ARGUMENTS, "arguments")
    _unsupported(block, {b.type for b in block.blocks} - {"statement"}, "blocks")
    statements = [_statement(instance, statement) for statement in block.nested("statement")]
    try:
        return render(
            statements,
            version=_text(instance, block, "version") or "2012-10-17",
            policy_id=_text(instance, block, "policy_id"),
            sources=_strings(instance, block, "source_policy_documents"),
            overrides=_strings(instance, block, "override_policy_documents"),
        )
    except PolicyDocumentError as error:
        raise Unresolved(f"{instance.address}: {error}") from None
