"""The window itself: areas, banner, status line, and what closing it does."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl


def test_closing_without_a_tray_quits(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    with qtbot.waitSignal(window.quit_requested), qtbot.assertNotEmitted(window.hidden_to_tray):
        window.close()


def test_closing_with_a_tray_hides(qtbot: QtBot, bridge: Bridge) -> None:
    window = MainWindow(bridge, tray_available=True)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.hidden_to_tray), qtbot.assertNotEmitted(window.quit_requested):
        window.close()
    assert not window.isVisible()


def test_close_for_quit_closes_quietly(qtbot: QtBot, bridge: Bridge) -> None:
    window = MainWindow(bridge, tray_available=True)
    qtbot.addWidget(window)
    window.show()
    with qtbot.assertNotEmitted(window.hidden_to_tray), qtbot.assertNotEmitted(window.quit_requested):
        window.close_for_quit()
    assert not window.isVisible()


def test_size_and_areas(window: MainWindow) -> None:
    assert (window.width(), window.height()) == (1100, 720)
    assert window.minimumWidth() > 0
    labels = [window.sidebar.item(row).text() for row in range(window.sidebar.count())]
    assert labels == ["Servers", "Model", "Chat", "Log", "Audit", "Secrets", "Permissions", "Settings"]
    window.show_area("model")
    assert window.model_page.parentWidget() is window.pages.currentWidget()
    window.show_area("settings")
    assert window.pages.currentWidget() is window.settings_page


def test_notice_banner_shows_title_message_and_details(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    attach()
    window.show()
    fake.emit_notice("weather stopped", "It stopped unexpectedly. Look at its output.", "exit code 1")
    banner = window.banner
    qtbot.waitUntil(banner.isVisible)
    assert banner.title_label.text() == "weather stopped"
    assert banner.message_label.text() == "It stopped unexpectedly. Look at its output."
    assert not banner.details.text_view.isVisible()
    banner.details.toggle.click()
    assert banner.details.text_view.toPlainText() == "exit code 1"
    banner.close_button.click()
    assert not banner.isVisible()


def test_failed_calls_show_a_sentence_not_a_traceback(
    qtbot: QtBot, window: MainWindow, bridge: Bridge
) -> None:
    window.show()

    async def never_runs() -> None:
        raise AssertionError

    bridge.call(never_runs())  # before the services exist
    assert window.banner.isVisible()
    assert window.banner.message_label.text() == "MCP Desk is still starting. Try again in a moment."
    assert not window.banner.details.isVisible()
