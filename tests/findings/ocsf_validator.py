"""OCSF events checked against the official compiled OCSF 1.5.0 schema (``ocsf/schema.json.gz``), with
the rules of the OCSF server's validator (ocsf-server, ``lib/schema/validator2.ex``), written anew.

What it reports, and how hard (an error fails the event; a warning is advice):

- the class, found by ``class_uid`` (missing, not an integer or unknown: an error, and nothing else
  is checked);
- every profile in ``metadata.profiles`` is one the schema defines (error); an attribute a profile
  adds is known only when the event declares that profile;
- required attributes missing or null (error); recommended ones only when asked
  (``warn_on_missing_recommended``, off by default as on the server: warning);
- attributes the class or object does not define (error); an object with no attributes at all
  (``object``, the type of ``unmapped``) takes anything;
- types: ``string_t``, ``integer_t`` (-2^63 … 2^63-1), ``long_t`` (-2^127 … 2^127-1), ``float_t``
  (a JSON number with a fraction or exponent), ``boolean_t``, ``json_t`` (anything), and the
  dictionary's derived types by their base type, with their ``range``, ``max_len`` and ``values``
  (error) and ``regex`` (warning); objects recursively; ``is_array`` attributes as arrays of those;
- enums: a value not in the enum (error); the sibling caption (``severity`` beside ``severity_id``)
  different from the value's caption (warning; an error for an array enum), or equal to "Other"
  for 99 (warning); a deprecated enum value (warning);
- ``type_uid`` = ``class_uid`` × 100 + ``activity_id`` (error);
- the ``at_least_one`` and ``just_one`` constraints of the class and of every object (error);
- ``metadata.version``: not a version (error), later than the schema's (error), another version
  (warning);
- ``observables[].name`` naming an attribute the class does not have (error);
- a deprecated class, object or attribute (warning).

Paths are written as the server writes them: ``compliance.checks[0].severity``.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_FILE",
    "OcsfSchema",
    "Problem",
    "Validation",
    "ocsf_problems",
    "official_schema",
    "validate",
]

SCHEMA_FILE = Path(__file__).parent / "ocsf" / "schema.json.gz"

INTEGER_RANGE = (-(2**63), 2**63 - 1)
LONG_RANGE = (-(2**127), 2**127 - 1)
VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-dev|-rc\.\d+)?$")
OTHER = 99


@dataclass(frozen=True)
class Problem:
    """One finding of the validator: its kind (the server's name for it), where, and what."""

    kind: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(event)'}: {self.kind}: {self.message}"


@dataclass
class Validation:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """No error and no warning."""
        return not self.errors and not self.warnings

    def kinds(self) -> set[str]:
        return {p.kind for p in self.errors} | {p.kind for p in self.warnings}


@dataclass(frozen=True)
class OcsfSchema:
    """A compiled OCSF schema (the form ocsf-schema-compiler writes and the OCSF server loads)."""

    version: str
    classes: Mapping[int, Mapping[str, Any]]
    objects: Mapping[str, Mapping[str, Any]]
    types: Mapping[str, Mapping[str, Any]]
    profiles: frozenset[str]

    @classmethod
    def from_compiled(cls, compiled: Mapping[str, Any]) -> OcsfSchema:
        return cls(
            version=compiled["version"],
            classes={item["uid"]: item for item in compiled["classes"].values()},
            objects=compiled["objects"],
            types=compiled["dictionary"]["types"]["attributes"],
            profiles=frozenset(compiled["profiles"]),
        )


@cache
def official_schema() -> OcsfSchema:
    """The official compiled OCSF 1.5.0 schema vendored beside this module."""
    with gzip.open(SCHEMA_FILE, "rt", encoding="utf-8") as handle:
        return OcsfSchema.from_compiled(json.load(handle))


def validate(
    event: Any, schema: OcsfSchema | None = None, *, warn_on_missing_recommended: bool = False
) -> Validation:
    """The errors and warnings the OCSF server's validator gives ``event`` (a parsed JSON object)."""
    run = _Run(schema or official_schema(), warn_on_missing_recommended)
    run.event(event)
    return run.result


def ocsf_problems(events: Iterable[Any], schema: OcsfSchema | None = None) -> list[str]:
    """Every error and warning of every event, each prefixed by the event's index: ``[]`` when all pass."""
    found = []
    for index, event in enumerate(events):
        result = validate(event, schema)
        found += [f"event {index}: error: {p}" for p in result.errors]
        found += [f"event {index}: warning: {p}" for p in result.warnings]
    return found


def _join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _type_of(value: Any) -> str:
    """The OCSF name of a JSON value's type, for messages."""
    if isinstance(value, bool):
        return "boolean_t"
    if isinstance(value, int):
        if _within(value, INTEGER_RANGE):
            return "integer_t"
        return "long_t" if _within(value, LONG_RANGE) else "big integer"
    if isinstance(value, float):
        return "float_t"
    if isinstance(value, str):
        return "string_t"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null" if value is None else type(value).__name__


def _within(value: float, bounds: tuple[int, int] | list[int]) -> bool:
    low, high = bounds
    return low <= value <= high


def _is_integer(value: Any, bounds: tuple[int, int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and _within(value, bounds)


def _enum_key(value: Any) -> str:
    """An enum's keys are strings; the server looks a value up by its text (``true``, not ``True``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class _Run:
    def __init__(self, schema: OcsfSchema, warn_on_missing_recommended: bool) -> None:
        self.schema = schema
        self.warn_on_missing_recommended = warn_on_missing_recommended
        self.result = Validation()
        self.declared: frozenset[str] = frozenset()

    def error(self, kind: str, path: str, message: str) -> None:
        self.result.errors.append(Problem(kind, path, message))

    def warning(self, kind: str, path: str, message: str) -> None:
        self.result.warnings.append(Problem(kind, path, message))

    def wrong_type(self, path: str, value: Any, expected: str) -> None:
        self.error("attribute_wrong_type", path, f"expected {expected}, got {_type_of(value)}")

    # The event and its class.

    def event(self, event: Any) -> None:
        if not isinstance(event, dict):
            self.wrong_type("", event, "object")
            return
        if "class_uid" not in event:
            self.error("attribute_required_missing", "class_uid", "required attribute missing")
            return
        class_uid = event["class_uid"]
        if not _is_integer(class_uid, INTEGER_RANGE):
            self.wrong_type("class_uid", class_uid, "integer_t")
            return
        schema_class = self.schema.classes.get(class_uid)
        if schema_class is None:
            self.error("class_uid_unknown", "class_uid", f"no class is defined for {class_uid}")
            return
        self.profiles(event)
        if "@deprecated" in schema_class:
            self.warning("class_deprecated", "", f"class {schema_class['name']} is deprecated")
        self.attributes(event, "", schema_class)
        self.version(event)
        self.type_uid(event)
        self.constraints(event, "", schema_class)
        self.observables(event, schema_class)

    def profiles(self, event: dict[str, Any]) -> None:
        metadata = event.get("metadata")
        profiles = metadata.get("profiles") if isinstance(metadata, dict) else None
        if not isinstance(profiles, list):
            return  # missing, null or of the wrong type (the type check reports that)
        for index, profile in enumerate(profiles):
            if isinstance(profile, str) and profile not in self.schema.profiles:
                self.error("profile_unknown", f"metadata.profiles[{index}]", f"no profile {profile!r}")
        self.declared = frozenset(p for p in profiles if isinstance(p, str))

    def version(self, event: dict[str, Any]) -> None:
        metadata = event.get("metadata")
        version = metadata.get("version") if isinstance(metadata, dict) else None
        if not isinstance(version, str):
            return
        path, expected = "metadata.version", self.schema.version
        if not VERSION.match(version):
            self.error("version_invalid_format", path, f"{version!r} is not a version")
        # The server compares the texts, as here.
        elif version < "1.0.0" or version > expected:
            self.error(
                "version_incompatible", path, f"{version!r} is not from 1.0.0 to the schema's {expected}"
            )
        elif version != expected:
            self.warning("version_incorrect", path, f"{version!r} is not the schema's {expected}")

    def type_uid(self, event: dict[str, Any]) -> None:
        names = ("class_uid", "activity_id", "type_uid")
        if not all(_is_integer(event.get(name), LONG_RANGE) for name in names):
            return  # missing or of the wrong type: reported elsewhere
        class_uid, activity_id, type_uid = (event[name] for name in names)
        expected = class_uid * 100 + activity_id
        if type_uid != expected:
            self.error(
                "type_uid_incorrect",
                "type_uid",
                f"{type_uid} is not class_uid {class_uid} * 100 + activity_id {activity_id} = {expected}",
            )

    def observables(self, event: dict[str, Any], schema_class: Mapping[str, Any]) -> None:
        observables = event.get("observables")
        if not isinstance(observables, list):
            return
        for index, observable in enumerate(observables):
            name = observable.get("name") if isinstance(observable, dict) else None
            if isinstance(name, str) and not self.refers(name.split("."), schema_class):
                self.error(
                    "observable_name_invalid_reference",
                    f"observables[{index}].name",
                    f"{name!r} names no attribute of class {schema_class['name']}",
                )

    def refers(self, keys: list[str], item: Mapping[str, Any]) -> bool:
        details = self.visible(item).get(keys[0])
        if details is None:
            return False
        if len(keys) == 1:
            return True
        if details["type"] != "object_t":
            return False
        return self.refers(keys[1:], self.schema.objects[details["object_type"]])

    # Attributes of a class or an object.

    def visible(self, item: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        """The attributes of ``item`` the event may use: those of no profile, and those of a profile
        it declares."""
        return {
            name: details
            for name, details in item.get("attributes", {}).items()
            if not details.get("profiles") or self.declared.intersection(details["profiles"])
        }

    def attributes(self, value: dict[str, Any], path: str, item: Mapping[str, Any]) -> None:
        attributes = self.visible(item)
        for name, details in attributes.items():
            self.attribute(value.get(name), _join(path, name), details)
        if attributes:  # an object with no attributes (``object``) is open
            what = f"class {item['name']}" if "uid" in item else f"object {item['name']}"
            for key in value:
                if key not in attributes:
                    self.error("attribute_unknown", _join(path, key), f"not an attribute of {what}")
        for name, details in attributes.items():
            if "enum" in details and name in value:
                self.enum(value, path, name, details)

    def attribute(self, value: Any, path: str, details: Mapping[str, Any]) -> None:
        if value is None:
            requirement = details.get("requirement")
            if requirement == "required":
                self.error("attribute_required_missing", path, "required attribute missing")
            elif requirement == "recommended" and self.warn_on_missing_recommended:
                self.warning("attribute_recommended_missing", path, "recommended attribute missing")
            return
        if "@deprecated" in details:
            self.warning("attribute_deprecated", path, details["@deprecated"].get("message", "deprecated"))
        kind = details["type"]
        if kind != "object_t" and kind not in self.schema.types:
            self.error("schema_bug_type_missing", path, f"type {kind} is not in the dictionary")
        elif details.get("is_array"):
            if not isinstance(value, list):
                self.wrong_type(path, value, f"array of {kind}")
                return
            for index, element in enumerate(value):
                self.value(element, f"{path}[{index}]", details)
        else:
            self.value(value, path, details)

    def value(self, value: Any, path: str, details: Mapping[str, Any]) -> None:
        if details["type"] != "object_t":
            self.typed(value, path, details["type"])
            return
        object_type = details["object_type"]
        if not isinstance(value, dict):
            self.wrong_type(path, value, f"{object_type} (object)")
            return
        schema_object = self.schema.objects[object_type]
        if "@deprecated" in schema_object:
            self.warning("object_deprecated", path, f"object {object_type} is deprecated")
        self.attributes(value, path, schema_object)
        self.constraints(value, path, schema_object)

    # Values of the dictionary's types.

    def typed(self, value: Any, path: str, kind: str) -> None:
        definition = self.schema.types[kind]
        base = definition.get("type", kind)
        expected = f"{kind} ({base})" if base != kind else kind
        if base == "json_t":
            return
        if base == "boolean_t":
            fits = isinstance(value, bool)
        elif base == "float_t":
            fits = isinstance(value, float)
        elif base == "integer_t":
            fits = _is_integer(value, INTEGER_RANGE)
        elif base == "long_t":
            fits = _is_integer(value, LONG_RANGE)
        elif base == "string_t":
            fits = isinstance(value, str)
        else:
            self.error("schema_bug_primitive_type_unknown", path, f"unknown primitive type {base}")
            return
        if not fits:
            self.wrong_type(path, value, expected)
            return
        # A derived type's own constraint, else its base type's.
        constraints = {**self.schema.types.get(base, {}), **definition} if base != kind else definition
        numeric = base in ("float_t", "integer_t", "long_t")
        if numeric and "range" in constraints and not _within(value, constraints["range"]):
            low, high = constraints["range"]
            self.error("attribute_value_exceeds_range", path, f"{value} is outside {kind}'s {low} to {high}")
        if base == "string_t":
            if "max_len" in constraints and len(value) > constraints["max_len"]:
                self.error(
                    "attribute_value_exceeds_max_len", path, f"longer than {kind}'s {constraints['max_len']}"
                )
            if "regex" in constraints and not re.search(constraints["regex"], value):
                self.warning("attribute_value_regex_not_matched", path, f"does not match {kind}'s regex")
        if "values" in constraints and not any(
            value == v and type(value) is type(v) for v in constraints["values"]
        ):
            self.error("attribute_value_not_in_type_values", path, f"{value!r} is not one of {kind}'s values")

    # Enums and their siblings.

    def enum(self, value: dict[str, Any], path: str, name: str, details: Mapping[str, Any]) -> None:
        enum: Mapping[str, Mapping[str, Any]] = details["enum"]
        sibling = details.get("sibling")
        here = _join(path, name)
        if details.get("is_array"):
            items = value[name]
            if not isinstance(items, list):
                return  # the type check reports it
            for index, item in enumerate(items):
                where = f"{here}[{index}]"
                entry = enum.get(_enum_key(item))
                if entry is None:
                    self.error("attribute_enum_array_value_unknown", where, f"{item!r} is not in the enum")
                    continue
                if item != OTHER and sibling and sibling in value:
                    names = value[sibling]
                    caption = names[index] if isinstance(names, list) and index < len(names) else None
                    if caption is None:
                        self.error(
                            "attribute_enum_array_sibling_missing",
                            f"{_join(path, sibling)}[{index}]",
                            f"no caption for {where} {item!r}",
                        )
                    elif caption != entry["caption"]:
                        self.error(
                            "attribute_enum_array_sibling_incorrect",
                            f"{_join(path, sibling)}[{index}]",
                            f"expected {entry['caption']!r} for {where} {item!r}, got {caption!r}",
                        )
                if "@deprecated" in entry:
                    self.warning("attribute_enum_array_value_deprecated", where, f"{item!r} is deprecated")
            return
        item = value[name]
        entry = enum.get(_enum_key(item))
        if entry is None:
            self.error("attribute_enum_value_unknown", here, f"{item!r} is not in the enum")
            return
        if sibling and sibling in value:
            caption, where = value[sibling], _join(path, sibling)
            if item == OTHER and not isinstance(item, bool):
                if caption == entry["caption"]:
                    self.warning(
                        "attribute_enum_sibling_suspicious_other",
                        where,
                        f"{caption!r} is the caption of {here} 99; the source's own value is expected",
                    )
            elif caption != entry["caption"]:
                self.warning(
                    "attribute_enum_sibling_incorrect",
                    where,
                    f"expected {entry['caption']!r}, the caption of {here} {item!r}, got {caption!r}",
                )
        if "@deprecated" in entry:
            self.warning("attribute_enum_value_deprecated", here, f"{item!r} is deprecated")

    # Constraints of a class or an object.

    def constraints(self, value: dict[str, Any], path: str, item: Mapping[str, Any]) -> None:
        where = f"object {item['name']}" if path else f"class {item['name']}"
        for constraint, names in item.get("constraints", {}).items():
            present = sum(name in value for name in names)
            if constraint == "at_least_one":
                if present == 0:
                    self.error("constraint_failed", path, f"{where}: at least one of {names}, got none")
            elif constraint == "just_one":
                if present != 1:
                    self.error("constraint_failed", path, f"{where}: exactly one of {names}, got {present}")
            else:
                self.error("constraint_unknown", path, f"{where}: unknown constraint {constraint!r}")
