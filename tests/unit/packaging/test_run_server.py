"""`mcp-desk --run-server NAME`: how the frozen app runs the servers it ships, and only those."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.servers.bundled import BUNDLED, run_server

ROOT = Path(__file__).resolve().parents[3]


def run_app(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("args", [["--run-server", "shell"], ["--run-server", "os"], ["--run-server"]])
def test_only_bundled_servers_can_be_run(args: list[str]) -> None:
    result = run_app(*args)
    assert result.returncode == 2
    assert "it can only run the servers it ships with (files, time)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_module_path_is_not_a_server_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_server(["desktop.builtin_servers.files"]) == 2
    assert "cannot run “desktop.builtin_servers.files”" in capsys.readouterr().err


def test_the_server_gets_its_own_arguments(tmp_path: Path) -> None:
    missing = tmp_path / "not-there"
    result = run_app("--run-server", "files", "--root", str(missing))
    assert result.returncode == 2
    assert f"the shared folder {missing} does not exist" in result.stderr


def test_every_bundled_server_is_a_module_that_can_run_as_main() -> None:
    for module in BUNDLED.values():
        spec = importlib.util.find_spec(module)
        assert spec is not None, module
        runnable = spec.submodule_search_locations is None or importlib.util.find_spec(f"{module}.__main__")
        assert runnable, f"{module} has no __main__"
