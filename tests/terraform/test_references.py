"""Every reference in a module names something declared: no typo survives to `terraform plan`.

`terraform validate` needs the provider's schema, which cannot be had offline; this covers the part
of it that needs none: variables, locals, resources, data sources, module outputs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.terraform.hcl import EXAMPLE, MODULES, ROOT, blocks, locals_of

STRIP_COMMENTS = re.compile(r"^\s*#.*$", flags=re.M)


def source(module: Path) -> str:
    return "\n".join(
        STRIP_COMMENTS.sub("", p.read_text(encoding="utf-8")) for p in sorted(module.glob("*.tf"))
    )


def references(text: str, pattern: str) -> set[tuple[str, ...]]:
    return {tuple(m) if isinstance(m, tuple) else (m,) for m in re.findall(pattern, text)}


@pytest.mark.parametrize("module", MODULES, ids=[str(m.relative_to(ROOT)) for m in MODULES])
def test_every_reference_names_a_declaration(module: Path) -> None:
    text = source(module)
    variables = {v.name for v in blocks(module, "variable")}
    local_names = set(locals_of(module))
    resources = {(b.type, b.name) for b in blocks(module, "resource")}
    data = {(b.type, b.name) for b in blocks(module, "data")}

    used_variables = {r[0] for r in references(text, r"\bvar\.([A-Za-z_][A-Za-z0-9_]*)")}
    used_locals = {r[0] for r in references(text, r"\blocal\.([A-Za-z_][A-Za-z0-9_]*)")}
    used_data = references(text, r"\bdata\.([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)")
    used_resources = references(text, r"(?<![.\w])(aws_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_]*)")

    assert used_variables, "the pattern finds references"
    assert used_variables <= variables, f"undeclared variables: {used_variables - variables}"
    assert used_locals <= local_names, f"undefined locals: {used_locals - local_names}"
    assert used_data <= data, f"undeclared data sources: {used_data - data}"
    assert used_resources <= resources, f"undeclared resources: {used_resources - resources}"
    unused = variables - used_variables
    assert not unused, f"variables nothing uses: {unused}"


def test_example_uses_only_outputs_the_modules_declare() -> None:
    text = source(EXAMPLE)
    calls = {m.name: m.body["source"] for m in blocks(EXAMPLE, "module")}

    for name, output in references(text, r"\bmodule\.([a-z_]+)\.([a-z_]+)"):
        module_dir = (EXAMPLE / calls[name]).resolve()
        assert output in {o.name for o in blocks(module_dir, "output")}, f"module.{name}.{output}"


def test_reference_check_catches_a_typo(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "a" {\n  type = string\n}\nresource "aws_sqs_queue" "q" {\n  name = var.b\n}\n'
    )
    text = source(tmp_path)

    used = {r[0] for r in references(text, r"\bvar\.([A-Za-z_][A-Za-z0-9_]*)")}
    assert used - {v.name for v in blocks(tmp_path, "variable")} == {"b"}
