"""An MCP App's view in its tool card, for real: the fixture server `app_view.py` run by the real
services, its view in the real web view, its tool call answered in the real consent dialog and
audited, and a loopback listener the view tries to fetch from and navigate to, which must hear
nothing. Pictures in `tests/artifacts/60-app-view*.png`."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.llm.chat.control import CallStatus, ToolCard
from desktop.services import Services
from desktop.ui.dialogs.consent_dialog import ConsentDialog
from desktop.ui.web_part import MISSING_ENV, prepare_web_part, web_part_available
from desktop.ui.widgets.app_view_holder import AppViewHolder
from desktop.ui.widgets.tool_card import ToolCardView
from tests.fixtures.servers import app_view
from tests.ui.conftest import OFFSCREEN_LIMITS
from tests.ui.helpers import all_text, wait_for_dialog
from tests.ui.real_app import RealApp, real_app
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)

prepare_web_part()  # before the test session's QApplication, as `first_paint` does before the window's

WEB_ENGINE_NOISE = (
    r"QVulkanInstance|GBM is not supported|GPUInfo|Failed to connect to the bus|QRhiGles2"
    r"|Failed to create RHI|does not support createPlatformVulkanInstance"
)
"""Qt's and Chromium's words about the missing GPU and D-Bus of a headless test machine."""
quiet = pytest.mark.qt_log_ignore(f"{OFFSCREEN_LIMITS}|{WEB_ENGINE_NOISE}")
"""On each test, so that it is the closest mark (the UI conftest adds the offscreen one to every test)."""
pytestmark = pytest.mark.skipif(
    not web_part_available(), reason="PySide6-Addons (Qt WebEngine) is not installed"
)
CARD = ToolCard(
    "call_view",
    "board__show_board",
    {"city": "Oslo"},
    CallStatus.DONE,
    result="Sunny in Oslo, 21 °C.",
    title="Show the weather board",
    app_view=app_view.VIEW,
)


class Probe(ThreadingHTTPServer):
    """A loopback listener standing for a domain the view did not declare: it notes every request."""

    def __init__(self) -> None:
        self.heard: list[str] = []
        super().__init__(("127.0.0.1", 0), _Heard)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Heard(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert isinstance(self.server, Probe)
        self.server.heard.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Board:
    app: RealApp[None]
    probe: Probe
    visits: Path


@pytest.fixture
def board(qtbot: QtBot, tmp_path: Path) -> Iterator[Board]:
    probe = Probe()
    threading.Thread(target=probe.serve_forever, daemon=True).start()
    visits = tmp_path / "visits.txt"
    env = {"APP_VIEW_PROBE": probe.address, "APP_VIEW_VISITS": str(visits)}

    async def prepare(services: Services) -> None:
        config = ServerConfig(command=sys.executable, args=[app_view.__file__], env=env)
        await services.manager.add(
            "board", config.model_copy(update={"trusted_launch": config.launch_hash()})
        )
        await services.manager.start("board")

    try:
        with real_app(qtbot, prepare, "app-view-services") as app:
            app.window.show_area("chat")
            yield Board(app, probe, visits)
    finally:
        probe.shutdown()
        probe.server_close()


def shown_card(qtbot: QtBot, board: Board) -> ToolCardView:
    """A card that was running when shown, and then its result arrived."""
    views = board.app.window.chat_page.transcript.app_views
    card = ToolCardView(replace(CARD, status=CallStatus.RUNNING), None, views=views, chat_id=None)
    qtbot.addWidget(card)
    card.resize(640, 560)
    card.show()
    assert card.app_view is None, "not before the result"
    card.show_card(CARD)
    qtbot.waitUntil(lambda: card.app_view is not None and card.app_view.view is not None, timeout=20_000)
    return card


def app_state(qtbot: QtBot, holder: AppViewHolder) -> dict[str, Any]:
    assert holder.view is not None
    found: dict[str, Any] = {}
    script = "JSON.stringify(window.appState || null)"
    holder.view.page().runJavaScript(script, 0, lambda value: found.update(state=json.loads(value or "null")))
    qtbot.waitUntil(lambda: "state" in found, timeout=10_000)
    return found["state"] or {}


def answer_consent(qtbot: QtBot, allow: bool) -> str:
    dialog = wait_for_dialog(qtbot, ConsentDialog)
    question = dialog.request.context.app or ""
    (dialog.allow_once_button if allow else dialog.deny_button).click()
    return question


def audited_calls(board: Board) -> list[dict[str, Any]]:
    query = board.app.services.audit.query(AuditFilter(kind=AuditKind.TOOL_CALL))
    return [record.data for record in board.app.loop.submit(query).result(10)]


@quiet
def test_the_view_renders_and_its_consented_call_reaches_the_server(
    qtbot: QtBot,
    board: Board,
    shots: Path,  # noqa: F811
) -> None:
    card = shown_card(qtbot, board)
    holder = card.app_view
    assert holder is not None and holder.view is not None
    assert holder.caption is not None and "the view “board” sent" in holder.caption.text()
    assert "not from MCP Desk" in holder.caption.text()
    qtbot.waitUntil(lambda: app_state(qtbot, holder).get("result") == CARD.result, timeout=20_000)
    asking = wait_for_dialog(qtbot, ConsentDialog)
    assert "Asked by the view that “board” shows in your chat" in all_text(asking)
    save(asking, shots, "60-app-view-asks")
    assert answer_consent(qtbot, allow=True) == "The board app"
    qtbot.waitUntil(lambda: bool(app_state(qtbot, holder).get("call")), timeout=20_000)
    assert answer_consent(qtbot, allow=False) == "The board app"  # the link: no browser in a test
    qtbot.waitUntil(lambda: bool(app_state(qtbot, holder).get("link")), timeout=20_000)
    state = app_state(qtbot, holder)
    assert state["initialized"] is True
    assert app_view.TOO_WIDE in holder.message.text and holder.message.isVisible()
    assert state["input"] == {"city": "Oslo"}
    assert state["call"] == "Recorded: from the view"
    assert board.visits.read_text() == "from the view\n"
    assert state["fetch"] == "blocked"  # by the CSP, before the request interceptor had to
    qtbot.waitUntil(lambda: bool(app_state(qtbot, holder).get("location")), timeout=20_000)
    state = app_state(qtbot, holder)
    assert state["popup"] == "refused"
    assert state["location"] == "denied"
    assert state["camera"] != "granted"  # this machine has no camera: Chromium says so before asking
    qtbot.waitUntil(lambda: any("/navigated" in url for url in holder.view.sandboxed.refused), timeout=10_000)
    assert board.probe.heard == []
    assert holder.view.url().host() == holder.view.home.host()  # still on its own page
    (call,) = [data for data in audited_calls(board) if data["tool"] == "record_visit"]
    assert call["app"] == "The board app"
    assert call["decision"] == "allowed"
    assert call["origin"] == "app view"
    (link,) = [data for data in audited_calls(board) if data["tool"] == "open_link"]
    assert link["arguments"] == {"url": "https://weather.example/oslo"}
    assert (link["decision"], link["app"]) == ("denied", "The board app")
    assert app_state(qtbot, holder)["link"] == "refused"
    qtbot.waitUntil(lambda: holder.view is not None and holder.view.height() == 260)
    save(holder.window(), shots, "60-app-view")


@quiet
def test_a_denied_call_from_the_view_never_reaches_the_server(qtbot: QtBot, board: Board) -> None:
    card = shown_card(qtbot, board)
    holder = card.app_view
    assert holder is not None
    answer_consent(qtbot, allow=False)
    qtbot.waitUntil(lambda: bool(app_state(qtbot, holder).get("call")), timeout=20_000)
    assert app_state(qtbot, holder)["call"].startswith("refused: ")
    answer_consent(qtbot, allow=False)  # the link it asks to open next
    assert not board.visits.exists()
    (call,) = [data for data in audited_calls(board) if data["tool"] == "record_visit"]
    assert call["decision"] == "denied"
    assert call["app"] == "The board app"
    assert board.probe.heard == []


@quiet
def test_without_the_web_view_part_the_card_says_so_and_shows_the_text(
    qtbot: QtBot,
    board: Board,
    monkeypatch: pytest.MonkeyPatch,
    shots: Path,  # noqa: F811
) -> None:
    monkeypatch.setenv(MISSING_ENV, "1")
    views = board.app.window.chat_page.transcript.app_views
    card = ToolCardView(CARD, None, views=views)
    qtbot.addWidget(card)
    card.resize(640, 260)
    card.show()
    assert card.app_view is not None
    assert card.app_view.view is None
    assert card.app_view.offer is not None
    assert "needs one more part to show such views" in card.app_view.offer.message.text
    assert card.app_view.offer.get_button.isVisibleTo(card)
    assert card.result.isVisibleTo(card)
    save(card, shots, "60-app-view-without-web-part")


@quiet
def test_the_request_interceptor_blocks_an_undeclared_address_even_without_the_csp(
    qtbot: QtBot, board: Board
) -> None:
    from PySide6.QtWebEngineCore import QWebEnginePage  # only where the part is installed

    card = shown_card(qtbot, board)
    holder = card.app_view
    assert holder is not None and holder.view is not None
    page = QWebEnginePage(holder.view.sandboxed.profile(), holder)
    page.setUrlRequestInterceptor(holder.view.interceptor)
    with qtbot.waitSignal(page.loadFinished, timeout=20_000) as loaded:
        page.load(QUrl(board.probe.address + "/loaded"))
    assert loaded.args == [False]
    assert board.probe.address + "/loaded" in holder.view.interceptor.blocked
    assert board.probe.heard == []
    answer_consent(qtbot, allow=False)


@quiet
def test_a_card_from_before_shows_its_view_only_when_asked(qtbot: QtBot, board: Board) -> None:
    views = board.app.window.chat_page.transcript.app_views
    card = ToolCardView(CARD, None, views=views)  # as when a chat is opened again
    qtbot.addWidget(card)
    card.show()
    holder = card.app_view
    assert holder is not None and holder.view is None
    assert holder.show_button.isVisible()
    assert "may ask again to run its tools" in holder.message.text
    holder.show_button.click()
    qtbot.waitUntil(lambda: holder.view is not None, timeout=20_000)
    answer_consent(qtbot, allow=False)
