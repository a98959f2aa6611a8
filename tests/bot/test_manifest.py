"""The Slack app manifest validates against Slack's published manifest schema and asks for little."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT.parent / "shared" / "reference" / "slack-manifest-schema"
REMOTE_PREFIX = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/"


def _validator() -> Draft7Validator:
    if not SCHEMA_DIR.is_dir():
        pytest.skip("Slack's manifest schema is not beside this checkout (shared/reference)")
    root = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text(encoding="utf-8"))
    resources = []
    for path in sorted((SCHEMA_DIR / "schemas").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((f"{REMOTE_PREFIX}schemas/{path.name}", Resource.from_contents(contents)))
    return Draft7Validator(root, registry=Registry().with_resources(resources))


def _manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = yaml.safe_load((ROOT / "bot" / "manifest.yaml").read_text(encoding="utf-8"))
    return manifest


def test_manifest_is_valid_against_slacks_schema() -> None:
    errors = sorted(_validator().iter_errors(_manifest()), key=str)
    assert errors == []


def test_schema_check_catches_a_broken_manifest() -> None:
    manifest = _manifest()
    manifest["features"]["slash_commands"][0]["command"] = "cce-scan"
    assert list(_validator().iter_errors(manifest))


def test_manifest_declares_the_command_interactivity_and_least_scopes() -> None:
    manifest = _manifest()
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/cce-scan"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "files:write",
        "usergroups:read",
    }
    assert "event_subscriptions" not in manifest["settings"]
