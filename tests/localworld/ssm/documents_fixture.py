"""Small Command documents the tests create."""

from __future__ import annotations

import json
from typing import Any


def shell_document(*steps: dict[str, Any], parameters: dict[str, Any] | None = None) -> str:
    """A schema 2.2 JSON document of aws:runShellScript steps given as name/commands/extra inputs."""
    main_steps = []
    for step in steps:
        inputs = {"runCommand": list(step["commands"]), **step.get("inputs", {})}
        entry: dict[str, Any] = {"action": "aws:runShellScript", "name": step["name"], "inputs": inputs}
        if "precondition" in step:
            entry["precondition"] = step["precondition"]
        main_steps.append(entry)
    return json.dumps(
        {
            "schemaVersion": "2.2",
            "description": "test document",
            "parameters": parameters or {},
            "mainSteps": main_steps,
        }
    )


def one_step(*commands: str, **inputs: Any) -> str:
    return shell_document({"name": "main", "commands": commands, "inputs": inputs})
