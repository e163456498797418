"""The Other AI apps page over real settings files of other apps (in a home of the test's own)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.events import ServerStatus
from desktop.gateway.app_configs import AppConfigs
from desktop.gateway.config_backups import ConfigBackups
from desktop.servers.import_formats import ImportSource, default_paths
from desktop.servers.importers import ImportPlan
from desktop.ui.dialogs.config_change_dialog import ConfigChangeDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.app_card import AppCard
from desktop.ui.pages.connect_page import ConnectPage
from tests.fixtures.app_configs import FakeGateway, ImportingServers
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl
from tests.ui.helpers import all_text, wait_for_dialog
from tests.ui.test_accessibility import problems, report
from tests.ui.test_screenshots import ARTIFACTS, save

CLAUDE = {
    "mcpServers": {
        "filesystem": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/ada"],
        },
        "github": {
            "command": "npx",
            "args": ["-y", "server-github"],
            "env": {"GITHUB_TOKEN": "ghp_x1y2z3w4v5"},
        },
    },
    "globalShortcut": "",
}


class ServersShown(ImportingServers):
    """Imported servers also appear among MCP Desk's servers, as the page lists them."""

    def __init__(self, fake: FakeControl) -> None:
        super().__init__()
        self._fake = fake

    def statuses(self) -> list[ServerStatus]:
        return self._fake.statuses()

    def config_of(self, name: str) -> ServerConfig:
        return self._fake.config_of(name)

    async def apply_import(self, plan: ImportPlan, move_secrets: bool = True) -> list[str]:
        await self._fake.apply_import(plan, move_secrets)
        return await super().apply_import(plan, move_secrets)


class Apps:
    def __init__(self, home: Path, backups: Path, fake: FakeControl) -> None:
        self.home = home
        self.gateway = FakeGateway()
        self.servers = ServersShown(fake)
        self.control = AppConfigs(
            self.servers,
            self.gateway,
            ConfigBackups(backups),
            ["/opt/mcp-desk/mcp-desk"],
            lambda source: default_paths(source, home=home, environ={}),
        )

    def put(self, source: ImportSource, content: dict[str, object]) -> Path:
        path = default_paths(source, home=self.home, environ={})[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2) + "\n")
        return path


@pytest.fixture
def shots() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def apps(tmp_path: Path, fake: FakeControl) -> Apps:
    return Apps(tmp_path / "home", tmp_path / "backups", fake)


@pytest.fixture
def page(
    qtbot: QtBot,
    window: MainWindow,
    fake: FakeControl,
    attach: Attach,
    apps: Apps,
) -> ConnectPage:
    for name in ("files", "weather", "notes"):
        fake.put(name, ServerConfig(command="uvx", args=[f"mcp-{name}"]))
    attach(apps=apps.control, gateway=apps.gateway)
    window.resize(1100, 720)
    window.show()
    window.show_area("apps")
    built = window.findChild(ConnectPage)
    assert built is not None
    return built


def card(qtbot: QtBot, page: ConnectPage, label: str) -> AppCard:
    qtbot.waitUntil(lambda: any(c.app.label == label for c in page.cards))
    return next(c for c in page.cards if c.app.label == label)


def test_nothing_found_says_what_to_do(qtbot: QtBot, page: ConnectPage) -> None:
    qtbot.waitUntil(lambda: page.stack.currentIndex() == 0)

    assert "No AI apps found on this computer" in all_text(page)
    assert "Install one and open it once" in all_text(page)


def test_connect_with_a_preview_then_undo(
    qtbot: QtBot, window: MainWindow, apps: Apps, page: ConnectPage
) -> None:
    path = apps.put(ImportSource.CLAUDE, CLAUDE)
    original = path.read_bytes()
    page.refresh()
    claude = card(qtbot, page, "Claude Desktop")
    assert claude.state_label.text() == "Not connected"
    assert claude.own_label.text() == "Claude Desktop's own servers: filesystem, github."

    claude.connect_button.click()
    dialog = wait_for_dialog(qtbot, ConfigChangeDialog)

    assert dialog.windowTitle() == "Connect Claude Desktop?"
    assert dialog.summary_label.text().startswith("•  Adds MCP Desk to Claude Desktop's servers")
    assert not dialog.diff_text.isVisible(), "the exact lines are one click away, not on the first screen"
    assert dialog.details.toggle.text() == "Technical details (for experts)"
    assert '+    "mcp-desk": {' in dialog.diff_text.toPlainText()
    assert path.read_bytes() == original
    dialog.apply_button.click()

    qtbot.waitUntil(lambda: page.message.text.startswith("Claude Desktop is connected."))
    assert "mcp-desk" in json.loads(path.read_text())["mcpServers"]
    qtbot.waitUntil(lambda: card(qtbot, page, "Claude Desktop").undo_button.isVisible())
    claude = card(qtbot, page, "Claude Desktop")
    assert claude.state_label.text().startswith("Connected, but sharing is off: tick “Share my servers”")
    assert claude.connect_button.text() == "Disconnect…"
    assert claude.undo_button.text() == "Put Claude Desktop's settings back"
    assert any(
        "“Put Claude Desktop's settings back”" in notice.message for notice in window.notice_board.notices()
    )

    claude.undo_button.click()

    qtbot.waitUntil(lambda: page.message.text.startswith("Claude Desktop's settings are back"))
    assert path.read_bytes() == original


def test_grants_start_empty_and_follow_the_checkboxes(qtbot: QtBot, apps: Apps, page: ConnectPage) -> None:
    mine = {"command": "/opt/mcp-desk/mcp-desk", "args": ["connect", "--app", "cursor"]}
    apps.put(ImportSource.CURSOR, {"mcpServers": {"mcp-desk": mine}})
    apps.gateway.enabled = True
    page.refresh()
    qtbot.waitUntil(
        lambda: card(qtbot, page, "Cursor").state_label.text() == "Connected, no servers chosen yet"
    )
    cursor = card(qtbot, page, "Cursor")

    assert [box.text() for box in cursor.grant_boxes] == ["files", "weather", "notes"]
    assert not any(box.isChecked() for box in cursor.grant_boxes)
    assert "None yet: Cursor can't use any of your servers until you tick them." in cursor.grants_label.text()
    cursor.grant_boxes[1].click()

    qtbot.waitUntil(lambda: apps.gateway.grants.get("cursor") == ("weather",))
    assert "None yet" not in cursor.grants_label.text()
    assert cursor.state_label.text() == "Working"


def test_sharing_is_turned_on_and_off_from_the_page(qtbot: QtBot, apps: Apps, page: ConnectPage) -> None:
    qtbot.waitUntil(lambda: page.sharing_box.isEnabled() and page.sharing_state.text() == "Off")
    assert page.sharing_box.text() == "Share my servers with other AI apps"
    assert "MCP Desk still asks you before each tool they use." in page.sharing_label.text()

    page.sharing_box.click()

    qtbot.waitUntil(lambda: page.sharing_state.text() == "On" and page.sharing_box.isChecked())
    assert apps.gateway.enabled
    page.sharing_box.click()
    qtbot.waitUntil(lambda: page.sharing_state.text() == "Off" and not page.sharing_box.isChecked())
    assert not apps.gateway.enabled


def test_a_damaged_file_is_shown_as_a_sentence(
    qtbot: QtBot, apps: Apps, page: ConnectPage, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = default_paths(ImportSource.WINDSURF, home=apps.home, environ={})[0]
    path.parent.mkdir(parents=True)
    path.write_text("{ broken")
    page.refresh()

    windsurf = card(qtbot, page, "Windsurf")

    assert windsurf.problem.text == "Windsurf's settings file is damaged, so MCP Desk won't change it."
    assert f"{path} is not valid JSON (line 1, column 3)." in windsurf.problem.toolTip()
    assert not windsurf.connect_button.isEnabled() and not windsurf.move_button.isVisible()
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", opened.append)
    windsurf.show_file_button.click()
    assert opened == [QUrl.fromLocalFile(str(path.parent))]


def test_screenshots_of_the_connect_page(
    qtbot: QtBot, window: MainWindow, apps: Apps, page: ConnectPage, shots: Path
) -> None:
    apps.put(ImportSource.CLAUDE, CLAUDE)
    mine = {"command": "/opt/mcp-desk/mcp-desk", "args": ["connect", "--app", "cursor"]}
    apps.put(
        ImportSource.CURSOR,
        {"mcpServers": {"mcp-desk": mine, "linear": {"url": "https://mcp.linear.app/mcp"}}},
    )
    broken = default_paths(ImportSource.WINDSURF, home=apps.home, environ={})[0]
    broken.parent.mkdir(parents=True)
    broken.write_text("{ broken")
    apps.gateway.grants["cursor"] = ("files",)
    page.refresh()
    card(qtbot, page, "Windsurf")
    qtbot.waitUntil(
        lambda: (
            card(qtbot, page, "Cursor")
            .state_label.text()
            .startswith("Connected, but sharing is off: tick “Share my servers”")
        )
    )
    assert "link" not in card(qtbot, page, "Cursor").state_label.styleSheet(), "a state is not a link"
    save(window, shots, "70-connect-apps")

    card(qtbot, page, "Claude Desktop").move_button.click()
    dialog = wait_for_dialog(qtbot, ConfigChangeDialog)
    assert (
        "Claude Desktop will stop running them itself. They'll work again in Claude Desktop once sharing "
        "is on and you've approved them in MCP Desk, after you restart Claude Desktop."
    ) in dialog.summary_label.text()
    save(dialog, shots, "71-connect-move-preview")
    dialog.details.set_open(True)
    dialog.resize(720, 660)
    shown = dialog.diff_text.toPlainText()
    assert '"GITHUB_TOKEN": "ghp_••••"' in shown and "ghp_x1y2z3w4v5" not in shown
    save(dialog, shots, "72-connect-move-diff")
    dialog.apply_button.click()
    qtbot.waitUntil(lambda: page.message.text.startswith("Claude Desktop is connected"))
    assert page.message.text == "Claude Desktop is connected, and MCP Desk now runs filesystem and github."
    qtbot.waitUntil(lambda: card(qtbot, page, "Claude Desktop").app.connected)
    moved = card(qtbot, page, "Claude Desktop")
    assert [box.text() for box in moved.grant_boxes if box.isChecked()] == ["filesystem", "github"]
    assert apps.gateway.grants["claude"] == ("filesystem", "github")
    assert page.checklist.isVisible()
    assert page.checklist.steps_done() == {
        "sharing": False, "filesystem": False, "github": False, "restart": False,
    }  # fmt: skip
    save(window, shots, "73-connect-after-move")
    page.checklist.buttons["sharing"].click()
    qtbot.waitUntil(lambda: page.checklist.steps_done()["sharing"])
    assert card(qtbot, page, "Claude Desktop").state_label.text() == "Working"
    page.checklist.buttons["filesystem"].click()
    trust = wait_for_dialog(qtbot, TrustDialog)
    assert trust.request.server == "filesystem"
    trust.approve_button.click()
    qtbot.waitUntil(lambda: page.checklist.steps_done()["filesystem"])
    assert (
        not page.checklist.buttons["filesystem"].isVisible() and page.checklist.buttons["github"].isVisible()
    )
    save(window, shots, "74-connect-sharing-on")
    card(qtbot, page, "Claude Desktop").undo_button.click()
    qtbot.waitUntil(lambda: page.message.text.startswith("Claude Desktop's settings are back"))
    assert "MCP Desk still has filesystem and github as well." in page.message.text
    qtbot.waitUntil(lambda: card(qtbot, page, "Claude Desktop").state_label.text() == "Not connected")
    undone = card(qtbot, page, "Claude Desktop")
    assert not undone.move_button.isVisible(), "they are in MCP Desk already"
    assert "filesystem (also in MCP Desk)" in undone.own_label.text()
    assert page.remove_button.isVisible() and not page.checklist.isVisible()
    assert page.remove_button.text() == "Remove filesystem and github from MCP Desk"
    save(window, shots, "75-connect-undone")
    page.remove_button.click()
    qtbot.waitUntil(lambda: card(qtbot, page, "Claude Desktop").move_button.isVisible())
    assert not page.remove_button.isVisible()


def test_every_control_is_named_explained_and_reachable(qtbot: QtBot, apps: Apps, page: ConnectPage) -> None:
    apps.put(ImportSource.CLAUDE, CLAUDE)
    mine = {"command": "/opt/mcp-desk/mcp-desk", "args": ["connect", "--app", "cursor"]}
    apps.put(ImportSource.CURSOR, {"mcpServers": {"mcp-desk": mine}})
    page.refresh()
    qtbot.waitUntil(lambda: card(qtbot, page, "Cursor").app.connected)
    card(qtbot, page, "Claude Desktop").connect_button.click()
    dialog = wait_for_dialog(qtbot, ConfigChangeDialog)
    dialog.details.set_open(True)

    report(problems(page, "apps") + problems(dialog, "connect dialog"))
