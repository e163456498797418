"""From a catalogue entry to a tool call on a computer without Node.js or uv: MCP Desk brings its own.

The entries come from a loopback registry in the real API's shape; the packages come from the real
npm registry and PyPI, and MCP Desk's Node.js and uv from their real PyPI wheels (kept in the tests'
cache). The command line runs on a PATH with neither `node`/`npx` nor `uv`/`uvx`, so everything that
runs is MCP Desk's own, inside the sandbox a catalogue install starts with (lent, read-only, the
folder that stands for the computer's /usr/bin here: a sandbox sees the system's folders, and this
PATH's are elsewhere). The network's own needs (a proxy, its certificates) reach the servers by
inheritance, as they would on a user's computer.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from desktop.servers.launch import PATH_AS_GIVEN_ENV
from desktop.services import RUNTIME_WHEELS_ENV
from tests.e2e.test_cli_log_audit import desk
from tests.fixtures.node_servers import EVERYTHING, REQUIRE_ENV
from tests.fixtures.real_model import cache_dir
from tests.fixtures.registry_server import TIME, TIME_VERSION, FakeRegistry, default_items, item

ROOT = Path(__file__).resolve().parents[2]
PACKAGE, _, VERSION = EVERYTHING.rpartition("@")
ENTRY = "io.github.mcp-desk-tests/everything"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform != "linux", reason="a PATH without node or uv, built the Linux way"),
]


def everything_entry() -> dict[str, Any]:
    return item(
        {
            "name": ENTRY,
            "title": "Everything",
            "description": "The MCP reference server that exercises every part of the protocol.",
            "version": VERSION,
            "packages": [
                {
                    "registryType": "npm",
                    "identifier": PACKAGE,
                    "version": VERSION,
                    "transport": {"type": "stdio"},
                }
            ],
        }
    )


@pytest.fixture
def bare_computer(
    isolated_home: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeRegistry]:
    """The registry MCP Desk reads, and a PATH with a shell, bubblewrap, Python and what launchers call,
    but no Node.js or uv."""
    tools = tmp_path / "no-node-no-uv"
    tools.mkdir()
    for program in ("sh", "bwrap", "python3", "realpath", "dirname", "env"):  # what launchers call
        found = shutil.which(program, path="/usr/bin:/bin")
        if found is None:
            pytest.skip(f"this computer has no {program} in /usr/bin")
        (tools / program).symlink_to(found)
    with FakeRegistry(items=[*default_items(), everything_entry()]) as registry:
        assert desk("servers", "list").returncode == 0  # the settings file, before it is pointed elsewhere
        config_file = Path(isolated_home) / "config" / "config.json"
        config = json.loads(config_file.read_text())
        config["settings"]["registry_urls"] = [registry.url]
        config_file.write_text(json.dumps(config))
        monkeypatch.setenv("PATH", str(tools))
        monkeypatch.setenv(PATH_AS_GIVEN_ENV, "1")
        monkeypatch.setenv(RUNTIME_WHEELS_ENV, str(cache_dir() / "runtimes"))
        yield registry, tools


def installed_and_called(
    computer: tuple[FakeRegistry, Path], entry: str, name: str, tool: str, arguments: dict[str, Any]
) -> str:
    found = desk("catalogue", "search", "--refresh")
    assert found.returncode == 0, found.stderr
    added = desk("servers", "install", entry, "--name", name, "--yes")
    assert added.returncode == 0, added.stderr
    lent = desk("servers", "edit", name, "--files", str(computer[1]))
    assert lent.returncode == 0, lent.stderr
    called = desk("servers", "call", name, tool, "--args", json.dumps(arguments), "--yes", timeout=600)
    if called.returncode != 0 and os.environ.get(REQUIRE_ENV) != "1" and "network" in called.stderr.lower():
        pytest.skip(f"the package registries can't be reached here: {called.stderr.strip()}")
    assert called.returncode == 0, f"{called.stdout}\n{called.stderr}"
    return called.stdout


@pytest.mark.timeout(900)
def test_an_npm_entry_runs_on_mcp_desk_s_node_and_answers_a_call(
    bare_computer: tuple[FakeRegistry, Path],
) -> None:
    said = installed_and_called(bare_computer, ENTRY, "everything", "echo", {"message": "from the catalogue"})
    assert "from the catalogue" in said
    listed = {row["name"]: row for row in json.loads(desk("servers", "list", "--json").stdout)}
    assert listed["everything"]["launch"] == f"npx -y {PACKAGE}@{VERSION}"
    assert not [
        p for p in psutil.process_iter(["cmdline"]) if EVERYTHING in " ".join(p.info["cmdline"] or [])
    ]


@pytest.mark.timeout(900)
def test_a_pypi_entry_runs_on_mcp_desk_s_uv_and_answers_a_call(
    bare_computer: tuple[FakeRegistry, Path],
) -> None:
    said = installed_and_called(
        bare_computer, TIME, "clock", "get_current_time", {"timezone": "Europe/Paris"}
    )
    assert "Europe/Paris" in said
    listed = {row["name"]: row for row in json.loads(desk("servers", "list", "--json").stdout)}
    assert listed["clock"]["launch"].startswith(f"uvx mcp-server-time=={TIME_VERSION}")
