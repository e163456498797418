"""The tray menu as the Tray builds it (a bare test display has no tray to click)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from desktop.core.events import Notice, ServerState, Severity, server_key
from desktop.llm.models.control import JobKind, JobProgress
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.tray import Tray
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl
from tests.ui.helpers import wait_for_dialog


@pytest.fixture
def tray_window(qtbot: QtBot, bridge: Bridge) -> MainWindow:
    made = MainWindow(tray_available=True)
    made.attach(bridge)
    qtbot.addWidget(made)
    return made


@pytest.fixture
def tray(bridge: Bridge, tray_window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> Tray:
    made = Tray(bridge, tray_window)
    made.messages = []  # type: ignore[attr-defined]
    monkeypatch.setattr(
        made, "notify", lambda title, message, *_severity: made.messages.append((title, message))
    )  # type: ignore[attr-defined]
    return made


def texts(actions: list[QAction]) -> list[str]:
    return [action.text() for action in actions if not action.isSeparator()]


def test_menu_lists_each_server_with_its_state(
    tray: Tray, three_servers: FakeControl, attach: Attach
) -> None:
    assert "No servers yet" in texts(tray.menu.actions())
    attach()
    labels = texts(tray.menu.actions())
    assert labels[0] == "Open MCP Desk"
    assert labels[-1] == "Quit MCP Desk"
    assert "files — Running" in labels
    assert "weather — Failed" in labels
    assert "github — Needs approval" in labels
    assert tray.icon.toolTip() == "MCP Desk\n1 server running · 2 need attention"


def test_start_and_stop_call_the_service(
    qtbot: QtBot, tray: Tray, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    files, weather = tray.server_menus["files"], tray.server_menus["weather"]
    assert (files.start_action.isEnabled(), files.stop_action.isEnabled()) == (False, True)
    assert (weather.start_action.isEnabled(), weather.stop_action.isEnabled()) == (True, False)
    weather.start_action.trigger()
    qtbot.waitUntil(lambda: weather.title() == "weather — Running")
    files.stop_action.trigger()
    qtbot.waitUntil(lambda: files.title() == "files — Stopped")
    assert three_servers.calls == [("start", "weather"), ("stop", "files")]
    assert files.start_action.isEnabled()


def test_starting_an_unapproved_server_opens_the_window_and_asks(
    qtbot: QtBot, tray: Tray, tray_window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    github = tray.server_menus["github"]
    assert github.start_action.text() == "Review and approve…"
    github.start_action.trigger()
    dialog = wait_for_dialog(qtbot, TrustDialog)
    assert tray_window.isVisible()
    dialog.approve_button.click()
    qtbot.waitUntil(lambda: github.title() == "github — Running")
    assert [call[0] for call in three_servers.calls] == ["trust", "start"]


def test_menu_follows_added_servers(
    qtbot: QtBot, tray: Tray, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    three_servers.configs.pop("github")
    three_servers._statuses.pop("github")
    three_servers._list_changed()
    qtbot.waitUntil(lambda: "github" not in tray.server_menus)
    assert [m.title() for m in tray.server_menus.values()] == ["files — Running", "weather — Failed"]


def test_quit_is_a_signal(qtbot: QtBot, tray: Tray) -> None:
    with qtbot.waitSignal(tray.quit_requested):
        tray.quit_action.trigger()


def test_first_hide_explains_the_tray_once_and_remembers(
    qtbot: QtBot, tray: Tray, tray_window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    attach()
    tray_window.show()
    tray_window.close()
    tray_window.show()
    tray_window.close()
    assert tray.messages == [  # type: ignore[attr-defined]
        (
            "MCP Desk",
            "MCP Desk is still running in the tray. Use Quit from the tray menu to stop it and its servers.",
        )
    ]
    qtbot.waitUntil(lambda: fake.settings.tray_hint_shown)


def test_hint_is_not_repeated_in_a_later_session(
    tray: Tray, tray_window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    fake.settings = fake.settings.model_copy(update={"tray_hint_shown": True})
    attach()
    tray_window.show()
    tray_window.close()
    assert tray.messages == []  # type: ignore[attr-defined]


def test_notices_reach_the_tray_while_the_window_is_hidden(
    qtbot: QtBot, tray: Tray, tray_window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    attach()
    tray_window.show()
    fake.emit_notice("shown in the window", "not in the tray")
    qtbot.waitUntil(lambda: tray_window.banner.title_label.text() == "shown in the window")
    tray_window.hide()
    fake.emit_notice("weather stopped", "It stopped unexpectedly.")
    qtbot.waitUntil(lambda: len(tray.messages) == 1)  # type: ignore[attr-defined]
    assert tray.messages == [("weather stopped", "It stopped unexpectedly.")]  # type: ignore[attr-defined]


def test_a_finished_download_is_announced_only_while_the_window_is_hidden(
    qtbot: QtBot, bridge: Bridge, tray: Tray, tray_window: MainWindow
) -> None:
    done = JobProgress(JobKind.DOWNLOAD, "Downloading qwen.gguf", 1.0, "Downloaded.", True, completed=True)
    stopped = JobProgress(JobKind.DOWNLOAD, "Downloading qwen.gguf", 1.0, "Stopped.", True)
    tray_window.show()
    bridge.model_job_progressed.emit(done)
    tray_window.hide()
    bridge.model_job_progressed.emit(stopped)
    bridge.model_job_progressed.emit(done)
    assert tray.messages == [  # type: ignore[attr-defined]
        ("Download finished", "Downloading qwen.gguf: done. The model is ready on the Model page.")
    ]


def test_failed_server_badges_the_icon(
    qtbot: QtBot, tray: Tray, three_servers: FakeControl, attach: Attach
) -> None:
    plain = tray.icon.icon().pixmap(64, 64).toImage()
    attach()
    badged = tray.icon.icon().pixmap(64, 64).toImage()
    assert badged != plain
    three_servers.change("weather", state=ServerState.STOPPED)
    qtbot.waitUntil(lambda: tray.icon.icon().pixmap(64, 64).toImage() == plain)


def test_the_icon_is_in_the_tray_from_the_start(tray: Tray) -> None:
    assert tray.icon.isVisible()
    assert not tray.icon.icon().isNull()


def test_a_problem_pops_up_with_the_system_problem_icon(
    qtbot: QtBot, bridge: Bridge, tray_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    tray = Tray(bridge, tray_window)
    shown: list[tuple[str, object]] = []
    monkeypatch.setattr(
        tray.icon, "showMessage", lambda title, _message, icon, _ms: shown.append((title, icon))
    )
    with qtbot.waitSignal(bridge.notice_posted):
        bridge.deliver(Notice("weather stopped", "It stopped.", "", Severity.ERROR, server_key("weather")))
    with qtbot.waitSignal(bridge.notice_posted):
        bridge.deliver(Notice("Sign in to github", "Your browser opens github.com."))
    assert shown[0] == ("weather stopped", QSystemTrayIcon.MessageIcon.Critical)
    assert shown[1][0] == "Sign in to github" and isinstance(shown[1][1], QIcon)
