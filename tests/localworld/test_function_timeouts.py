"""The world never gives a function more time than the Terraform does: a handler that would be cut
short on AWS is cut short here too."""

from __future__ import annotations

import re

from localworld.iam.tfmodule import Module
from localworld.system import FUNCTIONS
from tests.localworld.test_iam_terraform import BINDINGS, MODULES


def _terraform_timeouts() -> dict[str, int]:
    """Each function's timeout as ``local.functions`` sets it: a number, or a variable's default."""
    text = (MODULES / "central" / "lambda.tf").read_text(encoding="utf-8")
    module = Module(MODULES / "central", BINDINGS.central_facts())
    found = {}
    for key, value in re.findall(r"\n    (\w+) = \{\n(?:.*\n)*?      timeout\s+= ([\w.]+)\n", text):
        found[key] = int(value) if value.isdigit() else int(module.variable(value.removeprefix("var.")))
    return found


def test_no_function_has_longer_in_the_world_than_on_aws() -> None:
    terraform = _terraform_timeouts()

    assert set(terraform) == {entry.key for entry in FUNCTIONS}
    assert {e.key: e.timeout_s for e in FUNCTIONS if e.timeout_s > terraform[e.key]} == {}
