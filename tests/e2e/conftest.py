"""Real server processes under a real `ServerManager` on a plain asyncio loop."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import psutil
import pytest
from keyring.backends import null

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord
from desktop.core.autostart import Autostart
from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_store import ConfigStore
from desktop.core.consent import (
    CallContext,
    Choice,
    ConsentGate,
    ConsentRequest,
    Decision,
    ElicitationAnswer,
    ElicitationRequest,
    SamplingRequest,
    SamplingReview,
)
from desktop.core.consent_rules import ConsentRules
from desktop.core.events import Event, EventBus, ServerToolsChanged, ToolInfo
from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcLog
from desktop.core.secrets import SecretStore
from desktop.core.settings import Settings
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.oauth import SystemBrowser
from desktop.servers.restart_policy import RestartPolicy
from desktop.servers.revisions import Revisions
from desktop.servers.runtime_control import RuntimePreparer
from desktop.servers.server_requests import ServerRequests
from desktop.servers.supervisor import Credentials
from tests.fixtures.oauth_server import OAuthFixture, serve_oauth
from tests.fixtures.servers.paths import server_path

FAST = RestartPolicy(max_failures=3, first_delay=0.05, max_delay=0.2, health_every=30)


class Recorder:
    """Collects published events and lets a test wait for one it expects."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._arrived = anyio.Event()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        self._arrived.set()

    async def wait_for(
        self, predicate: Callable[[Event], bool], timeout: float = 20, since: int = 0
    ) -> Event:
        """The first event matching `predicate`, from the `since`-th on (waiting for it if need be)."""
        seen = since
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


Answer = Callable[[ConsentRequest], Awaitable[Decision]]


def allow(choice: Choice = Choice.ALLOW_ONCE, arguments: dict[str, Any] | None = None) -> Answer:
    """The user allows, with `choice`, the arguments as asked or as they edited them."""

    async def answer(request: ConsentRequest) -> Decision:
        return Decision(choice, request.arguments if arguments is None else arguments)

    return answer


def deny(reason: str = "") -> Answer:
    async def answer(request: ConsentRequest) -> Decision:
        return Decision(Choice.DENY, request.arguments, reason=reason)

    return answer


class ScriptedAsker:
    """The user, as a test scripts them: each question takes the next scripted answer, else "allow once".

    Elicitation is declined and sampling refused; those have tests of their own.
    """

    def __init__(self) -> None:
        self.asked: list[ConsentRequest] = []
        self.waiting = anyio.Event()
        """Set once a question is waiting on `never_answer`."""
        self._answers: deque[Answer] = deque()

    def will(self, *answers: Answer) -> None:
        self._answers.extend(answers)

    def drop_script(self) -> None:
        """Forget the answers not used yet."""
        self._answers.clear()

    def never_answer(self) -> None:
        """The next question waits until the asking task is cancelled."""

        async def wait(request: ConsentRequest) -> Decision:
            self.waiting.set()
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

        self.will(wait)

    async def ask(self, request: ConsentRequest) -> Decision:
        self.asked.append(request)
        answer = self._answers.popleft() if self._answers else allow()
        return await answer(request)

    async def elicit(self, request: ElicitationRequest) -> ElicitationAnswer:
        return ElicitationAnswer("decline")

    async def review_sampling(self, request: SamplingRequest, answer: str | None) -> SamplingReview:
        return SamplingReview(False)


ASKED = CallContext(origin="test")
"""A call from a test; the `asker` answers it (allow once, unless the test scripted otherwise)."""


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
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def bus(recorder: Recorder) -> EventBus:
    bus = EventBus()
    bus.subscribe(recorder)
    return bus


@pytest.fixture
def asker() -> ScriptedAsker:
    return ScriptedAsker()


@pytest.fixture
def consent(tmp_path: Path, recording: Recording, asker: ScriptedAsker, bus: EventBus) -> ConsentGate:
    """The real consent gate, its rules in a real file, the user played by `asker`."""
    return ConsentGate(ConsentRules(tmp_path / "consent.json"), asker, recording.audit, bus)


def settings_in(folder: Path) -> Settings:
    """Settings with no servers yet, kept in `folder` (autostart entries included)."""
    return Settings(
        ConfigStore(folder / "config.json", AppConfig),
        AppConfig(),
        Autostart(home=folder, environ={}),
        [sys.executable, "-m", "desktop"],
    )


def manager_in(
    folder: Path,
    recording: Recording,
    bus: EventBus,
    consent: ConsentGate,
    requests: ServerRequests | None = None,
    policy: RestartPolicy = FAST,
    revisions: Revisions | None = None,
    runtimes: RuntimePreparer | None = None,
) -> ServerManager:
    """A manager with no servers yet, keeping its files in `folder` and restarting fast."""
    return ServerManager(
        settings_in(folder),
        bus,
        LeftoverRegistry(folder / "run"),
        recording,
        Credentials(SecretStore(null.Keyring()), SystemBrowser()),
        consent,
        policy,
        requests=requests,
        revisions=revisions,
        runtimes=runtimes,
    )


@contextlib.asynccontextmanager
async def watched(manager: ServerManager) -> AsyncIterator[Spawned]:
    """`manager`'s servers are all stopped afterwards, and none of their processes is left."""
    spawned = Spawned(manager)
    try:
        yield spawned
    finally:
        spawned.note()
        await manager.shutdown()
        assert spawned.still_running() == [], "a server process outlived the test"


@pytest.fixture
async def world(
    tmp_path: Path, recording: Recording, bus: EventBus, recorder: Recorder, consent: ConsentGate
) -> AsyncIterator[tuple[ServerManager, Recorder, Spawned]]:
    manager = manager_in(tmp_path, recording, bus, consent)
    async with watched(manager) as spawned:
        yield manager, recorder, spawned


@dataclass(frozen=True)
class Spied:
    tool: str
    arguments: dict[str, Any]
    audit_seq: int
    """The newest audit record on disk when the call reached the server."""


class SpyLog:
    """The calls the spy server received, read as they arrive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._read = 0

    def new(self) -> list[Spied]:
        lines = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        fresh, self._read = lines[self._read :], len(lines)
        return [Spied(**json.loads(line)) for line in fresh]


@dataclass
class Spy:
    manager: ServerManager
    log: SpyLog
    trail: AuditTrail
    recorder: Recorder

    def tool(self, name: str) -> ToolInfo:
        return next(tool for tool in self.manager.tools("spy") if tool.name == name)

    async def last_decision(self) -> AuditRecord:
        (newest,) = await self.trail.query(AuditFilter(kind=AuditKind.TOOL_CALL), limit=1)
        return newest

    async def redefine(self, asker: ScriptedAsker, tool: str, text: str) -> None:
        """Change a tool's description on the server (an allowed call itself), and wait until it shows."""
        since = len(self.recorder.events)
        changes = self.tool(tool).description != text
        asker.will(allow())
        outcome = await self.manager.call_tool("spy__redefine", {"tool": tool, "description": text}, ASKED)
        assert outcome.ok, outcome.text
        if changes:
            await self.recorder.wait_for(
                lambda e: isinstance(e, ServerToolsChanged) and any(t.description == text for t in e.tools),
                since=since,
            )
        assert self.tool(tool).description == text


@pytest.fixture
async def spy(world: tuple[ServerManager, Recorder, Spawned], recording: Recording, tmp_path: Path) -> Spy:
    """The spy fixture server, started, writing down each call it receives and the audit's state then."""
    manager, recorder, spawned = world
    assert isinstance(recording.audit, AuditTrail)
    log = tmp_path / "spy.jsonl"
    env = {"FIXTURE_SPY_FILE": str(log), "FIXTURE_SPY_AUDIT": str(recording.audit.path)}
    await manager.add("spy", fixture_server("spy", env=env))
    await manager.start("spy")
    spawned.note()
    return Spy(manager, SpyLog(log), recording.audit, recorder)


@contextlib.contextmanager
def http_fixture(*flags: str) -> Iterator[str]:
    """`http_server.py` (with `flags`) on a loopback port, until the block ends; yields its MCP address."""
    process = subprocess.Popen(
        [sys.executable, str(server_path("http_server")), "--port", "0", *flags],
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
def http_fixture_url() -> Iterator[str]:
    """The well-behaved fixture served over Streamable HTTP on a loopback port."""
    with http_fixture() as url:
        yield url


@pytest.fixture
def oauth_server() -> Iterator[OAuthFixture]:
    """A loopback OAuth authorization server and the MCP server it protects."""
    with serve_oauth() as fixture:
        yield fixture
