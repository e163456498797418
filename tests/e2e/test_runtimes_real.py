"""MCP Desk's own Node.js and uv from the REAL PyPI wheels, running real servers from npm and PyPI.

The wheels are downloaded once into the test cache (`~/.cache/mcp-desk-tests/runtimes/`) and taken
from there afterwards. The Node test runs on a PATH that has no `node` at all, so `npx` and the
`node` it starts can only be MCP Desk's. Skipped where the registries can't be reached, unless
MCP_DESK_REQUIRE_NODE=1.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from desktop.core.config import ServerConfig
from desktop.core.consent import ConsentGate
from desktop.core.events import EventBus, ServerState
from desktop.core.paths import AppPaths
from desktop.servers.launch import PATH_AS_GIVEN_ENV, search_path
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.runtime_install import WheelSource, install
from desktop.servers.runtime_service import RuntimeService
from desktop.servers.runtime_wheels import RuntimeProblem
from desktop.servers.runtimes import NODE, UV, ManagedRuntimes, RuntimeSpec
from tests.conftest import _fetched
from tests.e2e.conftest import ASKED, Spawned, manager_in, watched
from tests.fixtures.node_servers import EVERYTHING, REQUIRE_ENV, network_env
from tests.fixtures.real_model import cache_dir

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform == "win32", reason="the PATH without node is built the POSIX way"),
]
TIME_SERVER = "mcp-server-time@2026.10.19"


def wheels() -> WheelSource:
    return WheelSource(download_cache=cache_dir() / "runtimes")


@pytest.fixture
def own_node() -> ManagedRuntimes:
    return installed(NODE)


@pytest.fixture
def own_uv() -> ManagedRuntimes:
    return installed(UV)


def installed(spec: RuntimeSpec) -> ManagedRuntimes:
    """`spec` installed from the real wheel into this test's MCP Desk home."""
    runtimes = ManagedRuntimes.of(AppPaths.from_environment())

    def fetch() -> ManagedRuntimes:
        try:
            asyncio.run(install(spec, runtimes, wheels(), lambda *p: None))
        except RuntimeProblem as problem:
            raise OSError(f"{problem.message} {problem.details}") from problem
        return runtimes

    return _fetched(fetch, RuntimeProblem, REQUIRE_ENV, f"MCP Desk's own {spec.title}")


@pytest.fixture
async def world(
    tmp_path: Path, recording: Recording, bus: EventBus, consent: ConsentGate
) -> AsyncIterator[tuple[ServerManager, Spawned]]:
    runtimes = RuntimeService(ManagedRuntimes.of(AppPaths.from_environment()), wheels())
    manager = manager_in(tmp_path, recording, bus, consent, runtimes=runtimes)
    async with watched(manager) as spawned:
        yield manager, spawned


def trusted(config: ServerConfig) -> ServerConfig:
    return config.model_copy(update={"trusted_launch": config.launch_hash()})


async def test_server_everything_runs_on_mcp_desk_s_node_where_the_computer_has_none(  # type: ignore[no-untyped-def]
    world, own_node: ManagedRuntimes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager, spawned = world
    tools = tmp_path / "tools-but-no-node"
    tools.mkdir()
    (tools / "sh").symlink_to("/bin/sh")  # npm runs a package's program through `sh`
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv(PATH_AS_GIVEN_ENV, "1")
    assert shutil.which("node", path=search_path(os.environ)) is None
    assert shutil.which("npx", path=search_path(os.environ)) is None
    env = {**network_env(), "npm_config_cache": str(cache_dir() / "runtimes" / "npm-cache")}
    config = ServerConfig(
        command="npx", args=["-y", EVERYTHING], env=env, runtime="mcp-desk", init_timeout=300
    )
    await manager.add("everything", trusted(config))
    status = await manager.start("everything")
    spawned.note()
    assert status.state is ServerState.RUNNING, f"{status.reason}\n{manager.output_of('everything')}"
    assert "everything__echo" in {tool.qualified_name for tool in manager.tools()}
    outcome = await manager.call_tool("everything__echo", {"message": "from our own node"}, ASKED)
    assert outcome.ok and "from our own node" in outcome.text
    programs = [Path(psutil.Process(pid).exe()) for pid in spawned.pids]
    nodes = [program for program in programs if program.name == "node"]
    assert len(nodes) >= 2, programs  # npx, and the server it started
    assert set(nodes) == {own_node.executable(NODE, "node")}


async def test_the_time_server_runs_on_mcp_desk_s_uvx(  # type: ignore[no-untyped-def]
    world, own_uv: ManagedRuntimes, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager, spawned = world
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # what `uvx`'s own launchers need, and no uv
    monkeypatch.setenv(PATH_AS_GIVEN_ENV, "1")
    assert shutil.which("uvx", path=search_path(os.environ)) is None
    env = {
        **network_env(),
        "UV_CACHE_DIR": str(cache_dir() / "runtimes" / "uv-cache"),
        "UV_PYTHON": sys.executable,  # the Python running the tests: no interpreter is downloaded
        "UV_PYTHON_DOWNLOADS": "never",
    }
    config = ServerConfig(command="uvx", args=[TIME_SERVER], env=env, runtime="mcp-desk", init_timeout=300)
    await manager.add("time", trusted(config))
    status = await manager.start("time")
    spawned.note()
    assert status.state is ServerState.RUNNING, f"{status.reason}\n{manager.output_of('time')}"
    outcome = await manager.call_tool("time__get_current_time", {"timezone": "Europe/Paris"}, ASKED)
    assert outcome.ok and "Europe/Paris" in outcome.text
    programs = [Path(psutil.Process(pid).exe()) for pid in spawned.pids]
    assert own_uv.executable(UV, "uvx") in programs or own_uv.executable(UV, "uv") in programs, programs
