"""HCL read as values: the blocks of a module's ``.tf`` files, and the expression forms the
project's Terraform uses, evaluated strictly.

python-hcl2's parser gives the syntax tree; this module walks it. It evaluates literals, lists,
objects, string templates (a template that is a single interpolation yields the value itself, as
HCL says), references with attribute and index steps, ``for`` expressions over lists and maps
(maps in lexical key order, as Terraform iterates them) with ``if`` filters, ``==`` and ``!=``,
and the functions ``concat`` and ``merge``. Anything else (other operators, conditionals, splats,
template directives, other functions) raises :class:`TerraformError` naming the file, the block, the attribute and the
expression: a new construct in the Terraform fails loudly rather than being skipped.

What a root name (``var``, ``local``, ``aws_s3_bucket``, ...) means is the caller's: a
:class:`Scope` resolves it, and values may be :class:`Object` s whose attributes are computed when
read.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import hcl2
from lark import Token, Tree

__all__ = [
    "Block",
    "Expression",
    "Object",
    "Scope",
    "TerraformError",
    "Unresolved",
    "evaluate",
    "read_module",
]

Node = Tree[Token]


class TerraformError(Exception):
    """An expression of the Terraform that the world cannot read, where it is, and what needed it."""

    def __init__(self, where: str, problem: str, trail: tuple[str, ...] = (), origin: object = None) -> None:
        self.where = where
        self.problem = problem
        self.trail = trail
        self.origin = origin  # the expression it was met in
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}" + "".join(f"\n  needed by {step}" for step in self.trail)

    def needed_by(self, where: str) -> TerraformError:
        return TerraformError(self.where, self.problem, (*self.trail, where), self.origin)


class Unresolved(Exception):
    """Raised by a :class:`Scope` or an :class:`Object`; the evaluator adds where it happened."""


class Object(ABC):
    """A value whose attributes are computed when read (a resource, a data source, ``var``)."""

    @abstractmethod
    def attribute(self, name: str) -> Any:
        """The attribute ``name``; raises :class:`Unresolved` when there is none."""


class Scope(Protocol):
    def reference(self, name: str) -> Any:
        """The value of the root name ``name``; raises :class:`Unresolved` when unknown."""


@dataclass(frozen=True)
class Expression:
    """One attribute's expression, with where it is written."""

    tree: Node = field(repr=False)
    file: Path
    block: str  # data.aws_iam_policy_document.bot, locals, aws_iam_role.function.statement[0] ...
    attribute: str
    source: str = field(repr=False, compare=False)

    def text_of(self, node: Node) -> str:
        meta = node.meta
        if meta.empty:
            return "?"
        return " ".join(self.source[meta.start_pos : meta.end_pos].split())

    @property
    def text(self) -> str:
        return self.text_of(self.tree)

    @property
    def where(self) -> str:
        return f"{self.file.name}: {self.block} {self.attribute}"


@dataclass(frozen=True)
class Block:
    """A block: its type, labels, attributes and nested blocks, and the file it is in."""

    type: str
    labels: tuple[str, ...]
    attributes: Mapping[str, Expression]
    blocks: tuple[Block, ...]
    file: Path
    address: str

    def nested(self, type_: str) -> list[Block]:
        return [block for block in self.blocks if block.type == type_]


def read_module(directory: Path) -> tuple[Block, ...]:
    """The top-level blocks of every ``*.tf`` file of ``directory``, files in name order."""
    found: list[Block] = []
    for path in sorted(directory.glob("*.tf")):
        found.extend(_read_file(path, path.read_text(encoding="utf-8")))
    return tuple(found)


@lru_cache(maxsize=64)
def _read_file(path: Path, text: str) -> tuple[Block, ...]:
    try:
        tree = hcl2.parses_to_tree(text)
    except Exception as error:  # lark's parse errors have no common base worth naming
        raise TerraformError(path.name, f"not valid HCL: {error}") from error
    body = _trees(tree)[0]
    return tuple(_block(node, path, text, None) for node in _trees(body) if node.data == "block")


def _trees(node: Node) -> list[Node]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _first_token(node: Node) -> str:
    for token in node.scan_values(lambda value: isinstance(value, Token)):
        return str(token)
    return ""


def _label(node: Node) -> str:
    if node.data == "string":
        return "".join(_first_token(part) for part in _trees(node))
    return _first_token(node)


def _block(node: Node, path: Path, source: str, address: str | None) -> Block:
    """A block; top-level blocks are addressed as Terraform does (``aws_sqs_queue.jobs``,
    ``data.aws_region.current``, ``variable.regions``), nested ones as ``parent.type[i]``."""
    kids = _trees(node)
    type_ = _first_token(kids[0])
    labels = tuple(_label(kid) for kid in kids[1:] if kid.data in ("identifier", "string"))
    body = next(kid for kid in kids if kid.data == "body")
    if address is None:
        address = ".".join(labels) if type_ == "resource" else ".".join((type_, *labels))
    attributes: dict[str, Expression] = {}
    nested: list[Block] = []
    counts: dict[str, int] = {}
    for item in _trees(body):
        if item.data == "attribute":
            name_node, value = _trees(item)
            name = _first_token(name_node)
            if name in attributes:
                raise TerraformError(f"{path.name}: {address}", f"the argument {name} is set twice")
            attributes[name] = Expression(value, path, address, name, source)
        elif item.data == "block":
            inner_type = _first_token(_trees(item)[0])
            index = counts.get(inner_type, 0)
            counts[inner_type] = index + 1
            nested.append(_block(item, path, source, f"{address}.{inner_type}[{index}]"))
    return Block(type_, labels, attributes, tuple(nested), path, address)


def evaluate(expression: Expression, scope: Scope) -> Any:
    """The value of ``expression``; :class:`TerraformError` when some part cannot be resolved."""
    try:
        return _Evaluation(expression, scope).value(expression.tree, {})
    except TerraformError as error:
        if error.origin is expression:
            raise
        raise error.needed_by(f"{expression.where} = {_shorten(expression.text)}") from None


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        raise Unresolved(f"unknown escape sequence \\{code}")

    return _ESCAPE.sub(replace, text)


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if value is None:
        raise Unresolved("a null value cannot be part of a string")
    raise Unresolved(f"a {type(value).__name__} cannot be part of a string")


def _concat(*lists: Any) -> list[Any]:
    if not all(isinstance(item, list) for item in lists):
        raise Unresolved("concat() takes lists")
    return [element for item in lists for element in item]


def _merge(*maps: Any) -> dict[str, Any]:
    if not all(isinstance(item, dict) for item in maps):
        raise Unresolved("merge() takes maps")
    merged: dict[str, Any] = {}
    for item in maps:
        merged.update(item)
    return merged


_FUNCTIONS: dict[str, Callable[..., Any]] = {"concat": _concat, "merge": _merge}


class _Evaluation:
    def __init__(self, expression: Expression, scope: Scope) -> None:
        self.expression = expression
        self.scope = scope

    def fail(self, node: Node, problem: str) -> TerraformError:
        text = _shorten(self.expression.text_of(node))
        return TerraformError(
            self.expression.where, f"cannot resolve `{text}`: {problem}", origin=self.expression
        )

    def value(self, node: Node, names: Mapping[str, Any]) -> Any:
        try:
            return self._value(node, names)
        except Unresolved as problem:
            raise self.fail(node, str(problem)) from None

    def _value(self, node: Node, names: Mapping[str, Any]) -> Any:
        kind = node.data
        if kind == "expr_term":
            kids = _trees(node)
            if len(kids) != 1:
                raise Unresolved("this expression form is not supported")
            return self.value(kids[0], names)
        if kind == "string":
            return self.template(node, names)
        if kind == "int_lit":
            return int(_first_token(node))
        if kind == "float_lit":
            return float(_first_token(node))
        if kind == "literal_value":
            return {"true": True, "false": False, "null": None}[_first_token(node)]
        if kind == "tuple":
            return [self.value(kid, names) for kid in _trees(node)]
        if kind == "object":
            return self.object(node, names)
        if kind in ("identifier", "get_attr_expr_term", "index_expr_term"):
            return self.traversal(node, names)
        if kind == "function_call":
            return self.call(node, names)
        if kind in ("for_tuple_expr", "for_object_expr"):
            return self.for_expression(node, names)
        if kind == "binary_op":
            return self.comparison(node, names)
        raise Unresolved(f"{kind.replace('_', ' ')} is not supported by the local world's reader")

    def comparison(self, node: Node, names: Mapping[str, Any]) -> bool:
        """``==`` and ``!=`` (a for expression's ``if`` filter); no other operator."""
        left, term = _trees(node)
        operator_node, right = _trees(term)
        operator = _first_token(operator_node)
        if operator not in ("==", "!="):
            raise Unresolved(f"the operator {operator} is not supported by the local world's reader")
        equal = bool(self.value(left, names) == self.value(right, names))
        return equal if operator == "==" else not equal

    def template(self, node: Node, names: Mapping[str, Any]) -> Any:
        parts = [kid.children[0] for kid in _trees(node)]
        if len(parts) == 1 and isinstance(parts[0], Tree) and parts[0].data == "interpolation":
            return self.value(_trees(parts[0])[0], names)
        out: list[str] = []
        for part in parts:
            if isinstance(part, Token):
                text = str(part)
                if part.type == "STRING_CHARS":
                    out.append(_unescape(text))
                else:  # ESCAPED_INTERPOLATION $${ or ESCAPED_DIRECTIVE %%{: one literal $ or %
                    out.append(text[1:])
            elif part.data == "interpolation":
                out.append(_to_string(self.value(_trees(part)[0], names)))
            else:
                raise Unresolved("template directives are not supported")
        return "".join(out)

    def object(self, node: Node, names: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for element in _trees(node):
            key_node, value_node = _trees(element)
            key_expr = _trees(key_node)[0] if _trees(key_node) else key_node
            bare = _trees(key_expr)
            if key_expr.data == "keyword" or (
                key_expr.data == "expr_term" and len(bare) == 1 and bare[0].data == "identifier"
            ):
                key: Any = _first_token(key_expr)
            else:
                key = self.value(key_expr, names)
            if not isinstance(key, str):
                raise Unresolved(f"an object key must be a string, not {key!r}")
            result[key] = self.value(value_node, names)
        return result

    def traversal(self, node: Node, names: Mapping[str, Any]) -> Any:
        steps: list[Node] = []
        base = node
        while base.data in ("get_attr_expr_term", "index_expr_term"):
            inner, step = _trees(base)
            steps.append(step)
            inner_kids = _trees(inner)
            base = inner_kids[0] if inner.data == "expr_term" and len(inner_kids) == 1 else inner
        try:
            if base.data == "identifier":
                name = _first_token(base)
                current = names[name] if name in names else self.scope.reference(name)
            else:
                current = self.value(base, names)
            for step in reversed(steps):
                current = self.step(current, step, names)
        except Unresolved as problem:
            raise self.fail(node, str(problem)) from None
        return current

    def step(self, current: Any, step: Node, names: Mapping[str, Any]) -> Any:
        if step.data == "get_attr":
            name = _first_token(_trees(step)[0])
            if isinstance(current, Object):
                return current.attribute(name)
            if isinstance(current, dict):
                if name not in current:
                    raise Unresolved(f"there is no attribute {name!r}")
                return current[name]
            raise Unresolved(f"a {type(current).__name__} has no attribute {name!r}")
        if step.data == "braces_index":
            key = self.value(_trees(step)[0], names)
        elif step.data == "short_index":
            key = int(str(step.children[-1]))
        else:
            raise Unresolved(f"{step.data.replace('_', ' ')} is not supported")
        if isinstance(current, list) and isinstance(key, int) and not isinstance(key, bool):
            if not 0 <= key < len(current):
                raise Unresolved(f"index {key} is out of range")
            return current[key]
        if isinstance(current, dict) and isinstance(key, str):
            if key not in current:
                raise Unresolved(f"there is no key {key!r} (keys: {', '.join(sorted(current))})")
            return current[key]
        raise Unresolved(f"a {type(current).__name__} cannot be indexed by {key!r}")

    def call(self, node: Node, names: Mapping[str, Any]) -> Any:
        kids = _trees(node)
        name = _first_token(kids[0])
        if len(kids) != 1 + any(kid.data == "arguments" for kid in kids) or name not in _FUNCTIONS:
            raise Unresolved(f"the function {name}() is not supported by the local world's reader")
        arguments = next((kid for kid in kids if kid.data == "arguments"), None)
        if arguments is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments.children
        ):
            raise Unresolved("argument expansion (...) is not supported")
        values = [] if arguments is None else [self.value(arg, names) for arg in _trees(arguments)]
        return _FUNCTIONS[name](*values)

    def for_expression(self, node: Node, names: Mapping[str, Any]) -> Any:
        if any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children):
            raise Unresolved("grouping (...) in a for expression is not supported")
        intro, *parts = _trees(node)
        condition = parts.pop() if parts and parts[-1].data == "for_cond" else None
        variables = [_first_token(kid) for kid in _trees(intro) if kid.data == "identifier"]
        collection = self.value(_trees(intro)[-1], names)
        if isinstance(collection, list):
            items: list[tuple[Any, Any]] = list(enumerate(collection))
        elif isinstance(collection, dict):
            items = sorted(collection.items())
        else:
            raise Unresolved(f"a for expression cannot iterate over a {type(collection).__name__}")
        listing = node.data == "for_tuple_expr"
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for key, item in items:
            bound = dict(names)
            if len(variables) == 2:
                bound[variables[0]], bound[variables[1]] = key, item
            else:
                bound[variables[0]] = item
            if condition is not None:
                keep = self.value(_trees(condition)[0], bound)
                if not isinstance(keep, bool):
                    raise Unresolved("a for expression's if must be true or false")
                if not keep:
                    continue
            if listing:
                out_list.append(self.value(parts[0], bound))
                continue
            new_key = self.value(parts[0], bound)
            if not isinstance(new_key, str):
                raise Unresolved(f"an object key must be a string, not {new_key!r}")
            if new_key in out_map:
                raise Unresolved(f"the key {new_key!r} is produced twice")
            out_map[new_key] = self.value(parts[1], bound)
        return out_list if listing else out_map
