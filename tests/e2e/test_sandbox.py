"""A hostile server in a real bubblewrap sandbox: what it reaches for is blocked and reported.

The same server unsandboxed reads the canary, writes outside and connects, so each blocked
assertion could fail.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState
from desktop.core.sandbox_policy import FileAccess, PickedFolder, Sandbox
from desktop.servers.manager import ServerManager
from desktop.servers.sandbox_report import blocked, plan_of
from tests.e2e.conftest import ASKED, fixture_server

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        shutil.which("bwrap") is None, reason="bubblewrap is not installed (.ci/run installs it)"
    ),
]


@pytest.fixture
def listener() -> Iterator[int]:
    """A loopback listener that greets whoever connects; its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"hello")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    done.set()
    thread.join()
    server.close()


@pytest.fixture
def targets(tmp_path: Path) -> tuple[Path, Path]:
    """A canary file to read and a place to write, both outside any server's folder."""
    canary = tmp_path / "secrets" / "canary.txt"
    canary.parent.mkdir()
    canary.write_text("the canary sings")
    (tmp_path / "outside").mkdir()
    return canary, tmp_path / "outside" / "written.txt"


async def _attempts(manager: ServerManager, name: str, targets: tuple[Path, Path], port: int) -> list[str]:
    status = await manager.start(name)
    assert status.state is ServerState.RUNNING, status.reason
    canary, outside = targets
    calls = [("read_canary", {"path": str(canary)}), ("write_outside", {"path": str(outside)})]
    calls.append(("connect", {"port": port}))
    return [(await manager.call_tool(f"{name}__{tool}", args, ASKED)).text for tool, args in calls]


async def test_unsandboxed_hostile_server_reaches_everything(world, targets, listener) -> None:  # type: ignore[no-untyped-def]
    manager, _events, spawned = world
    await manager.add("hostile", fixture_server("hostile"))
    read, wrote, connected = await _attempts(manager, "hostile", targets, listener)
    spawned.note()
    assert read == "ok: the canary sings"
    assert wrote == "ok: written" and targets[1].read_text() == "written by hostile\n"
    assert connected == "ok: hello"


async def test_sandboxed_hostile_server_is_blocked_and_the_page_says_what_it_tried(  # type: ignore[no-untyped-def]
    world, targets, listener
) -> None:
    manager, _events, spawned = world
    await manager.add(
        "hostile", fixture_server("hostile", sandbox=Sandbox(files=FileAccess.OWN, network=False))
    )
    read, wrote, connected = await _attempts(manager, "hostile", targets, listener)
    spawned.note()
    assert read.startswith("blocked:") and "canary sings" not in read
    assert wrote.startswith("blocked:") and not targets[1].exists()
    assert connected.startswith("blocked:")
    plan = plan_of("hostile", manager.config_of("hostile"))
    assert plan is not None
    report = blocked(manager.output_of("hostile"), plan)
    assert f"reading {targets[0]} (outside what it may see)" in report.sentences
    assert f"reading {targets[1]} (outside what it may see)" in report.sentences
    assert "using the network (turned off for this server)" in report.sentences
    assert not report.failed_to_start


async def test_sandbox_gives_what_the_policy_grants(world, targets, listener, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A picked folder, read-only, and the network on: it reads there, can't write there, connects."""
    manager, _events, spawned = world
    canary, _outside = targets
    picked = Sandbox(files=FileAccess.NONE, folders=(PickedFolder(path=str(canary.parent)),), network=True)
    await manager.add("hostile", fixture_server("hostile", sandbox=picked))
    read, wrote, connected = await _attempts(
        manager, "hostile", (canary, canary.parent / "new.txt"), listener
    )
    spawned.note()
    assert (read, connected) == ("ok: the canary sings", "ok: hello")
    assert wrote.startswith("blocked:") and not (canary.parent / "new.txt").exists()
    plan = plan_of("hostile", manager.config_of("hostile"))
    assert plan is not None
    new = canary.parent / "new.txt"
    change = f"changing {new} (it may only look there)"
    assert blocked(manager.output_of("hostile"), plan).sentences == (change,)


async def test_sandboxed_builtin_files_server_serves_its_folder(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    manager, _events, spawned = world
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "note.txt").write_text("inside")
    config = ServerConfig(
        command=sys.executable,
        args=["-m", "desktop.builtin_servers.files", "--root", str(shared)],
        sandbox=Sandbox(),
    )
    await manager.add("files", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    status = await manager.start("files")
    spawned.note()
    assert status.state is ServerState.RUNNING, status.reason
    outcome = await manager.call_tool("files__read_text_file", {"path": "note.txt"}, ASKED)
    assert outcome.ok and "inside" in outcome.text


async def test_a_sandboxed_node_server_from_npm_lists_its_tools(world, everything_server: list[str]) -> None:  # type: ignore[no-untyped-def]
    """npm's reference server, installed in a folder of its own, runs with no files and no network."""
    manager, _events, spawned = world
    command, *args = everything_server
    config = ServerConfig(command=command, args=args, sandbox=Sandbox(files=FileAccess.NONE))
    await manager.add("everything", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    status = await manager.start("everything")
    spawned.note()
    assert status.state is ServerState.RUNNING, f"{status.reason}\n{manager.output_of('everything')}"
    assert manager.tools("everything")
