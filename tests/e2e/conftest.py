"""Real server processes under a real `ServerManager` on a plain asyncio loop."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import psutil
import pytest
from keyring.backends import null

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import Approval, ConsentHow
from desktop.core.autostart import Autostart
from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_store import ConfigStore
from desktop.core.events import Event, EventBus
from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcLog
from desktop.core.secrets import SecretStore
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.oauth import SystemBrowser
from desktop.servers.supervisor import Credentials, RestartPolicy
from tests.fixtures.oauth_server import OAuthFixture, serve_oauth
from tests.fixtures.servers.paths import server_path

FAST = RestartPolicy(max_failures=3, first_delay=0.05, max_delay=0.2, ping_every=30)


class Recorder:
    """Collects published events and lets a test wait for one it expects."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._arrived = anyio.Event()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        self._arrived.set()

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 20) -> Event:
        seen = 0
        with anyio.fail_after(timeout):
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                self._arrived = anyio.Event()
                await self._arrived.wait()


def fixture_server(name: str, **fields: Any) -> ServerConfig:
    """An approved server running one of tests/fixtures/servers."""
    config = ServerConfig(command=sys.executable, args=[str(server_path(name))], **fields)
    return config.model_copy(update={"trusted_launch": config.launch_hash()})


class Spawned:
    """Every process a test's servers started, so the test can prove none is left."""

    def __init__(self, manager: ServerManager) -> None:
        self._manager = manager
        self.pids: set[int] = set()

    def note(self) -> None:
        for sup in self._manager._supervisors.values():
            if sup.transport and sup.transport.tree:
                self.pids.update(p.pid for p in sup.transport.tree.alive())

    def still_running(self) -> list[int]:
        alive = []
        for pid in self.pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        return alive


ASKED = Approval(ConsentHow.ASKED)


@pytest.fixture
def recording(tmp_path: Path) -> Iterator[Recording]:
    """A real JSON-RPC log (in memory) and a real audit trail (on disk) for the test's servers."""
    redactor = Redactor()
    audit = AuditTrail(tmp_path / "audit.db", redactor)
    try:
        yield Recording(RpcLog(redactor), audit, redactor)
    finally:
        audit.close()


@pytest.fixture
async def world(
    tmp_path: Path, recording: Recording
) -> AsyncIterator[tuple[ServerManager, Recorder, Spawned]]:
    bus = EventBus()
    recorder = Recorder()
    bus.subscribe(recorder)
    store = ConfigStore(tmp_path / "config.json", AppConfig)
    manager = ServerManager(
        store,
        AppConfig(),
        bus,
        LeftoverRegistry(tmp_path / "run"),
        Autostart(home=tmp_path, environ={}),
        [sys.executable, "-m", "desktop"],
        recording,
        Credentials(SecretStore(null.Keyring()), SystemBrowser()),
        FAST,
    )
    spawned = Spawned(manager)
    try:
        yield manager, recorder, spawned
    finally:
        spawned.note()
        await manager.shutdown()
        assert spawned.still_running() == [], "a server process outlived the test"


@pytest.fixture
def http_fixture_url() -> Iterator[str]:
    """The well-behaved fixture served over Streamable HTTP on a loopback port."""
    process = subprocess.Popen(
        [sys.executable, str(server_path("http_server")), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        port = None
        for line in process.stderr:
            if line.startswith("PORT="):
                port = int(line.strip().split("=", 1)[1])
                break
        assert port, "the HTTP fixture server did not say which port it listens on"
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture
def oauth_server() -> Iterator[OAuthFixture]:
    """A loopback OAuth authorization server and the MCP server it protects."""
    with serve_oauth() as fixture:
        yield fixture
