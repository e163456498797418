"""`mcp-desk --smoke-test`: the whole app once, with nobody at the keyboard.

Opens the main window (offscreen unless QT_QPA_PLATFORM says otherwise), starts the
configured servers, lists their tools, loads a generated tiny model, lets it make one tool
call that is allowed without asking, checks that the call reached the audit trail and that
the trail's chain holds, then quits. Exit code 0 means every step passed; each step prints
one line as it ends, so whoever runs it sees how far it got.

Unless MCP_DESK_HOME and MCP_DESK_KEYRING_SERVICE are set, it works in a throwaway folder
and its own keyring service name, so it never touches the user's settings or secrets.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.events import AuditRecorded, Event, EventBus, ServerState
from desktop.core.paths import HOME_ENV, AppPaths
from desktop.core.problem import Problem
from desktop.core.service_loop import ServiceLoop
from desktop.llm.models.locations import SEARCH_HOME_ENV
from desktop.services import KEYRING_SERVICE_ENV, Services, build_services

if TYPE_CHECKING:
    from desktop.ui.application import GuiApp
    from desktop.ui.bridge import Controls

KEYRING_SERVICE = "mcp-desk-smoke-test"
SERVER = "files"
TOOL = "files__list_directory"
"""The one tool the model is offered: it only reads, and any path it makes up is harmless."""
TOOL_CALL_SECONDS = 90.0
WHOLE_TEST_MS = 300_000
VIEW_MS = 60_000
"""How long a tool's view may take to render (Qt WebEngine starting its processes)."""

Say = Callable[[str], None]


class SmokeFailed(Problem):
    """A step of the smoke test did not do what it should."""


def run_smoke_test() -> int:
    """Run every step; 0 when all passed, 1 otherwise (the reason is printed)."""
    with _scratch_environment():
        return _run(_Clock())


@contextmanager
def _scratch_environment() -> Iterator[None]:
    made = None
    if not os.environ.get(HOME_ENV):
        made = tempfile.mkdtemp(prefix="mcp-desk-smoke-test-")
        os.environ[HOME_ENV] = made
    # It loads a model it makes itself: no need to look through the user's other apps' models.
    own_search = SEARCH_HOME_ENV not in os.environ
    os.environ.setdefault(SEARCH_HOME_ENV, os.environ[HOME_ENV])
    os.environ.setdefault(KEYRING_SERVICE_ENV, KEYRING_SERVICE)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        yield
    finally:
        if own_search:
            del os.environ[SEARCH_HOME_ENV]
        if made is not None:
            del os.environ[HOME_ENV]
            shutil.rmtree(made, ignore_errors=True)


class _Clock:
    """Prints each finished step with the seconds since the smoke test began."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def say(self, text: str) -> None:
        # A windowed Windows app started without a console has no stdout at all.
        if sys.stdout is not None:
            print(f"smoke test: {text} ({time.perf_counter() - self._start:.2f} s)", flush=True)


def _run(clock: _Clock) -> int:
    from desktop.app import controls_of
    from desktop.cli.asker import TerminalAsker
    from desktop.ui.application import GuiApp
    from desktop.ui.first_paint import open_window

    paths = AppPaths.from_environment()
    events = EventBus()
    service_loop = ServiceLoop("mcp-desk-smoke-test")
    gui = GuiApp(open_window(sys.argv[:1]))
    started: list[Services] = []
    outcome: list[int] = []

    async def bring_up() -> Controls:
        services = build_services(paths, events, TerminalAsker(allow_all=True))
        started.append(services)
        return controls_of(services)

    async def shut_down() -> None:
        if started:
            await started[0].close()

    def after_shown() -> None:
        clock.say("main window shown")
        service_loop.start()
        gui.bridge.attach_when_ready(service_loop.submit(bring_up()), service_loop.submit)

    _finish_when_checked(gui, started, outcome, clock)
    gui.run(shut_down, after_shown=after_shown)
    service_loop.stop()
    return outcome[0] if outcome else 1


def _finish_when_checked(gui: GuiApp, started: list[Services], outcome: list[int], clock: _Clock) -> None:
    """Run the checks once the window has its services; quit with the verdict."""
    from PySide6.QtCore import QTimer

    def finish(code: int, message: str = "", details: str = "") -> None:
        if not outcome:
            outcome.append(code)
            clock.say("passed" if code == 0 else f"FAILED: {message} {details}".rstrip())
        gui.quit()

    def on_ready() -> None:
        clock.say("services attached to the window")
        gui.bridge.call(
            check(started[0], clock.say),
            on_done=lambda _none: _show_one_view(clock.say, finish),
            on_error=lambda problem: finish(1, problem.message, problem.details),
        )

    gui.bridge.services_ready.connect(on_ready)
    gui.bridge.call_failed.connect(lambda message, details: finish(1, message, details))
    QTimer.singleShot(WHOLE_TEST_MS, lambda: finish(1, "The smoke test did not finish in time."))


VIEW_HTML = """<!doctype html><body><p id="said">A view</p><script>
window.parent.postMessage({jsonrpc: "2.0", method: "rendered"}, "*");</script></body>"""


def _show_one_view(say: Say, finish: Callable[..., None]) -> None:
    """Where the web view part is installed (pip's, or the one MCP Desk downloaded), one app view
    must render and speak to MCP Desk; without it, views show as text and there is nothing to check."""
    from PySide6.QtCore import QTimer

    from desktop.servers.app_views import AppDomains, AppResource
    from desktop.ui.web_part import web_part_available

    if not web_part_available():
        say("no web view part: tools' views are shown as text")
        finish(0)
        return
    from desktop.ui.widgets.app_view import AppView

    view = AppView(AppResource("smoke", "ui://smoke/view.html", VIEW_HTML, AppDomains()))

    def rendered(_message: object) -> None:
        say("a tool's view rendered with the web view part")
        view.deleteLater()
        finish(0)

    view.message_posted.connect(rendered)
    view.resize(320, 120)
    view.show()
    QTimer.singleShot(VIEW_MS, lambda: finish(1, "A tool's view did not render in time."))


async def check(services: Services, say: Say) -> None:
    """Every step after the window is up; raises SmokeFailed at the first that fails."""
    await _start_servers(services, say)
    await _load_tiny_model(services, say)
    await _one_tool_call(services, say)
    report = await services.audit.verify()
    if not report.ok:
        raise SmokeFailed(f"The audit trail did not verify: {report.message}")
    say(f"audit trail verified ({report.checked} records)")


async def _start_servers(services: Services, say: Say) -> None:
    manager = services.manager
    names = [status.name for status in manager.statuses()]
    if SERVER not in names:
        raise SmokeFailed(f"There is no “{SERVER}” server in the settings; the smoke test needs it.")
    for name in names:
        status = await manager.start(name)
        if status.state is not ServerState.RUNNING:
            raise SmokeFailed(f"The server “{name}” did not start: {status.reason}", status.details)
        tools = manager.tools(name)
        if not tools:
            raise SmokeFailed(f"The server “{name}” started but offers no tools.")
        say(f"server {name} runs {status.display_command} and offers {', '.join(t.name for t in tools)}")


async def _load_tiny_model(services: Services, say: Say) -> None:
    from desktop.llm.models.fit import LoadShape
    from desktop.llm.models.tiny_model import HERMES_TOOLS_TEMPLATE, write_gguf

    folder = services.paths.cache_dir / "smoke-test"
    folder.mkdir(parents=True, exist_ok=True)
    model = await asyncio.to_thread(write_gguf, folder / "tiny.gguf", template=HERMES_TOOLS_TEMPLATE)
    await services.models.load(model, LoadShape(context=2048, gpu_layers=0))
    where = "can use the graphics card" if services.models.offload().supported else "processor only"
    say(f"loaded a generated tiny model (this model runtime: {where})")


async def _one_tool_call(services: Services, say: Say) -> None:
    """The model must call `TOOL`; the call is allowed without asking and must end in the audit trail."""
    from desktop.llm.backends.backend import ChatParams, ToolChoice
    from desktop.llm.chat.control import ChatSettings

    hidden = tuple(tool.qualified_name for tool in services.manager.tools() if tool.qualified_name != TOOL)
    chat = await services.chats.create("Smoke test")
    settings = ChatSettings(
        params=ChatParams(temperature=0.0, max_tokens=160),
        servers=(SERVER,),
        hidden_tools=hidden,
        tool_choice=ToolChoice.REQUIRED,
    )
    await services.chats.save_settings(chat.id, settings)
    loop = asyncio.get_running_loop()
    ended = asyncio.Event()

    def on_event(event: Event) -> None:
        if isinstance(event, AuditRecorded) and event.record.kind is AuditKind.TOOL_RESULT:
            loop.call_soon_threadsafe(ended.set)

    unsubscribe = services.events.subscribe(on_event)
    try:
        await services.chats.send(chat.id, "What is in the shared folder?")
        await asyncio.wait_for(ended.wait(), TOOL_CALL_SECONDS)
    except TimeoutError as timeout:
        raise SmokeFailed("The model made no tool call that ran.") from timeout
    finally:
        unsubscribe()
        services.chats.stop(chat.id)
    calls = await services.audit.query(AuditFilter(kind=AuditKind.TOOL_CALL))
    allowed = [record for record in calls if record.data.get("decision") == "allowed"]
    if not allowed:
        raise SmokeFailed("The tool call is missing from the audit trail.")
    say(f"the model called {allowed[0].data.get('tool')} and the audit trail recorded it")
