"""`packaging/refresh_catalogue.py` against a loopback registry: what it writes is what the app reads."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from desktop.catalogue.entries import parse_items
from desktop.catalogue.registry_cache import read_list
from tests.fixtures.registry_server import DELETED, TIME, FakeRegistry

SCRIPT = Path(__file__).resolve().parents[3] / "packaging" / "refresh_catalogue.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_catalogue", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_registry_list_is_written_in_the_apps_own_shape(tmp_path: Path) -> None:
    out = tmp_path / "registry.json"
    with FakeRegistry() as registry:
        assert _script().main(["--registry", registry.url, "--out", str(out)]) == 0
    saved = read_list(out)
    assert saved is not None and saved.registry == registry.url
    names = {entry.name for entry in parse_items(saved.items, verified=True).entries}
    assert TIME in names and DELETED not in names


def test_a_registry_that_fails_leaves_the_file_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "registry.json"
    out.write_text("kept")
    with FakeRegistry(mode="error") as registry:
        assert _script().main(["--registry", registry.url, "--out", str(out)]) == 1
    assert out.read_text() == "kept" and "HTTP 503" in capsys.readouterr().err
