"""``cce-scan local`` without the local world installed names the extra it needs, with no traceback."""

from __future__ import annotations

import pytest

from cce_scan.cli import main
from cce_scan.commands import local


def test_without_the_local_extra_the_command_names_it_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(local, "LOCAL_EXTRA", {**local.LOCAL_EXTRA, "no_such_module_here": "moto[server]"})
    assert main(["local"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'cce-scan[local]'" in err
    assert "missing: moto[server]" in err
    assert "Traceback" not in err


def test_with_the_local_extra_installed_nothing_is_missing() -> None:
    assert local.missing_local_extra() == []
