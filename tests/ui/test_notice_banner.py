"""The window's notice banner: severity icons, dismissing, notices withdrawn once resolved,
and a page that stays put while the user types or clicks."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStyle
from pytestqt.qtbot import QtBot

from desktop.core.events import Notice, ServerState, Severity, server_key
from desktop.ui.bridge import Bridge
from desktop.ui.idle_gate import QUIET_MS
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl

QUICK_MS = 50
WEATHER_STOPPED = Notice(
    "weather stopped",
    "“weather” stopped unexpectedly. Look at its output, fix the problem, then press Start.",
    "exit code 1",
    Severity.ERROR,
    server_key("weather"),
)


@pytest.fixture
def window(window: MainWindow) -> MainWindow:
    """The window, with a short quiet spell before its banner changes (one test waits the real one)."""
    window.notice_board.gate.timer.setInterval(QUICK_MS)
    return window


def icon_image(window: MainWindow) -> QImage:
    return window.banner.icon_label.pixmap().toImage()


def standard_image(window: MainWindow, kind: QStyle.StandardPixmap) -> QImage:
    return window.banner.style().standardIcon(kind).pixmap(24, 24).toImage()


def posted(qtbot: QtBot, bridge: Bridge, window: MainWindow, notice: Notice) -> None:
    """`notice` is published by the service side, and the banner shows what the user should see."""
    with qtbot.waitSignal(bridge.notice_posted):
        bridge.deliver(notice)
    qtbot.waitUntil(lambda: not window.notice_board.gate.waiting)


def test_each_severity_has_its_own_icon(qtbot: QtBot, window: MainWindow, bridge: Bridge) -> None:
    window.show()
    posted(qtbot, bridge, window, Notice("Sign in to github", "Your browser opens github.com."))
    assert icon_image(window) == standard_image(window, QStyle.StandardPixmap.SP_MessageBoxInformation)
    assert not window.banner.report_button.isVisible()
    posted(qtbot, bridge, window, WEATHER_STOPPED)
    assert window.banner.title_label.text() == "weather stopped"
    assert icon_image(window) == standard_image(window, QStyle.StandardPixmap.SP_MessageBoxCritical)
    assert icon_image(window) != standard_image(window, QStyle.StandardPixmap.SP_MessageBoxInformation)
    assert window.banner.accessibleName() == "Problem"
    assert window.banner.report_button.isVisible()
    posted(
        qtbot,
        bridge,
        window,
        Notice("Settings were reset", "A damaged file was kept aside.", "", Severity.WARNING),
    )
    assert window.banner.title_label.text() == "weather stopped", "the most serious notice comes first"


def test_dismissing_shows_the_next_notice_then_nothing(
    qtbot: QtBot, window: MainWindow, bridge: Bridge
) -> None:
    window.show()
    posted(qtbot, bridge, window, Notice("Cleaned up after the last session", "MCP Desk ended files."))
    posted(qtbot, bridge, window, WEATHER_STOPPED)
    banner = window.banner
    assert banner.more_label.isVisible() and banner.more_label.text() == "1 more"
    assert banner.close_button.toolTip() == "Dismiss this notice"
    banner.close_button.click()
    assert banner.title_label.text() == "Cleaned up after the last session"
    assert not banner.more_label.isVisible()
    banner.close_button.click()
    assert not banner.isVisible()
    assert window.notice_board.notices() == []


def test_the_same_news_twice_is_one_notice(qtbot: QtBot, window: MainWindow, bridge: Bridge) -> None:
    window.show()
    bridge.call_failed.emit("The server could not start.", "exit code 1")
    bridge.call_failed.emit("The server could not start.", "exit code 1")
    posted(qtbot, bridge, window, WEATHER_STOPPED)
    posted(qtbot, bridge, window, WEATHER_STOPPED)
    assert len(window.notice_board.notices()) == 2
    assert window.banner.more_label.text() == "1 more"


def test_a_server_notice_goes_away_once_the_server_runs_again(
    qtbot: QtBot, window: MainWindow, bridge: Bridge, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    window.show()
    posted(qtbot, bridge, window, Notice("Read this", "It stays until you dismiss it."))
    posted(qtbot, bridge, window, WEATHER_STOPPED)
    assert window.banner.title_label.text() == "weather stopped"
    three_servers.change("weather", state=ServerState.STARTING)
    three_servers.change("weather", state=ServerState.RUNNING)
    qtbot.waitUntil(lambda: window.banner.title_label.text() == "Read this")
    assert [notice.title for notice in window.notice_board.notices()] == ["Read this"]


def test_a_server_notice_goes_away_with_the_server(
    qtbot: QtBot, window: MainWindow, bridge: Bridge, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    window.show()
    posted(qtbot, bridge, window, WEATHER_STOPPED)
    with qtbot.waitSignal(window.roster.reset):
        bridge.call(three_servers.remove("weather"))
    qtbot.waitUntil(lambda: not window.banner.isVisible())


def test_at_start_only_news_that_is_still_true_stays(
    qtbot: QtBot, window: MainWindow, bridge: Bridge, three_servers: FakeControl, attach: Attach
) -> None:
    window.show()
    files_failed = Notice("files stopped", "Last time it stopped.", "", Severity.ERROR, server_key("files"))
    posted(qtbot, bridge, window, files_failed)
    posted(qtbot, bridge, window, WEATHER_STOPPED)
    attach()  # "files" runs now; "weather" still fails
    qtbot.waitUntil(lambda: window.notice_board.notices() == [WEATHER_STOPPED])
    assert window.banner.title_label.text() == "weather stopped"


def test_the_page_stays_put_while_the_user_types(
    qtbot: QtBot, window: MainWindow, bridge: Bridge, attach: Attach
) -> None:
    window.notice_board.gate.timer.setInterval(QUIET_MS)
    attach()
    window.show()
    window.show_area("settings")
    page = window.settings_page
    page.remote_radio.click()
    key_edit = page.key_edit
    before = key_edit.mapTo(window, QPoint(0, 0))
    with qtbot.waitSignal(bridge.notice_posted):
        bridge.deliver(WEATHER_STOPPED)
    qtbot.keyClicks(key_edit, "sk-live-")
    assert key_edit.mapTo(window, QPoint(0, 0)) == before
    assert not window.banner.isVisible()
    timer = window.notice_board.gate.timer
    qtbot.waitUntil(lambda: timer.remainingTime() < QUIET_MS // 2)  # the user pauses…
    qtbot.keyClicks(key_edit, "12345")  # …and types on: the banner waits a whole quiet spell again
    assert timer.remainingTime() > QUIET_MS // 2
    assert key_edit.mapTo(window, QPoint(0, 0)) == before
    assert key_edit.text() == "sk-live-12345"
    qtbot.waitUntil(window.banner.isVisible)
    qtbot.waitUntil(lambda: key_edit.mapTo(window, QPoint(0, 0)) != before)  # once the user rests
    assert key_edit.text() == "sk-live-12345"


def test_the_banner_waits_while_a_mouse_button_is_held(
    qtbot: QtBot, window: MainWindow, bridge: Bridge
) -> None:
    window.show()
    qtbot.waitExposed(window)
    target = window.sidebar.viewport()
    qtbot.mousePress(target, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(bridge.notice_posted):
        bridge.deliver(WEATHER_STOPPED)
    with qtbot.waitSignal(window.notice_board.gate.timer.timeout):
        pass  # the user has been still long enough, but is still pressing
    assert not window.banner.isVisible()
    qtbot.mouseRelease(target, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.banner.isVisible)
