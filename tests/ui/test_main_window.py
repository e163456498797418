"""The window itself: areas, banner, status line, and what closing it does."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QGuiApplication, QPalette, QShortcut
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop.core.events import Notice
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow
from desktop.ui.resources import page_icon
from desktop.ui.widgets.page_skeleton import PageSkeleton
from desktop.ui.window_placement import WindowPlacement
from tests.ui.conftest import Attach
from tests.ui.fakes import DIAGNOSIS, FakeControl
from tests.ui.test_screenshots import ARTIFACTS, save


def test_closing_without_a_tray_quits(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    with qtbot.waitSignal(window.quit_requested), qtbot.assertNotEmitted(window.hidden_to_tray):
        window.close()


def test_closing_with_a_tray_hides(qtbot: QtBot, bridge: Bridge) -> None:
    window = MainWindow(tray_available=True)
    window.attach(bridge)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.hidden_to_tray), qtbot.assertNotEmitted(window.quit_requested):
        window.close()
    assert not window.isVisible()


def test_close_for_quit_closes_quietly(qtbot: QtBot, bridge: Bridge) -> None:
    window = MainWindow(tray_available=True)
    window.attach(bridge)
    qtbot.addWidget(window)
    window.show()
    with qtbot.assertNotEmitted(window.hidden_to_tray), qtbot.assertNotEmitted(window.quit_requested):
        window.close_for_quit()
    assert not window.isVisible()


def test_size_and_areas(window: MainWindow) -> None:
    assert (window.width(), window.height()) == (1100, 720)
    assert window.minimumWidth() > 0
    labels = [window.sidebar.item(row).text() for row in range(window.sidebar.count())]
    assert labels == [
        "Servers",
        "Model",
        "Chat",
        "Other AI apps",
        "Log",
        "Audit",
        "Secrets",
        "Permissions",
        "Settings",
    ]
    window.show_area("model")
    assert window.model_page.parentWidget() is window.pages.currentWidget()
    window.show_area("settings")
    assert window.settings_page.parentWidget() is window.pages.currentWidget()


def test_the_frame_paints_with_skeletons_and_attach_puts_the_pages_in_their_place(
    qtbot: QtBot, bridge: Bridge
) -> None:
    frame = MainWindow(tray_available=False)
    qtbot.addWidget(frame)
    frame.show_area("chat")
    frame.show()
    save(frame, ARTIFACTS, "00-first-paint-chat")
    skeletons = frame.findChildren(PageSkeleton)
    assert len(skeletons) == len(frame.areas)
    assert "Chat with your model" in " ".join(label.text() for label in frame.findChildren(QLabel))
    assert frame.status_label.text() == "Starting…"
    frame.attach(bridge)
    assert frame.chat_page.parentWidget() is frame.pages.currentWidget()  # the page the user is on
    assert frame.servers_page.parentWidget() is frame.areas[0].widget
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    waiting = [area.key for area in frame.areas if area.widget.findChildren(PageSkeleton)]
    assert waiting == ["model", "apps", "permissions"]  # built when first shown


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
    qtbot.waitUntil(window.banner.isVisible)
    assert window.banner.message_label.text() == "MCP Desk is still starting. Try again in a moment."
    assert not window.banner.details.isVisible()


def test_a_warning_offers_the_diagnostic_report_and_it_lands_on_the_clipboard(
    qtbot: QtBot, window: MainWindow, bridge: Bridge, attach: Attach
) -> None:
    attach()
    window.show()
    window.banner.show_notice(Notice("", "That didn't work.", "details"))
    assert not window.banner.report_button.isVisible()
    bridge.call_failed.emit("The server could not start. Look at its output.", "exit code 1")
    qtbot.waitUntil(window.banner.report_button.isVisible)
    QGuiApplication.clipboard().clear()
    window.banner.report_button.click()
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == DIAGNOSIS)
    assert "copied" in window.statusBar().currentMessage()


def test_the_window_opens_where_it_was_left_and_a_damaged_file_means_the_default(
    qtbot: QtBot, bridge: Bridge, tmp_path: Path
) -> None:
    placement = WindowPlacement(tmp_path / "window.ini")
    first = MainWindow(tray_available=True, placement=placement)
    first.attach(bridge)
    qtbot.addWidget(first)
    first.show()
    first.resize(QSize(780, 520))
    first.show_area("audit")
    first.hide()
    again = MainWindow(tray_available=True, placement=WindowPlacement(tmp_path / "window.ini"))
    again.attach(bridge)
    qtbot.addWidget(again)
    assert again.size() == QSize(780, 520)
    assert again.audit_page.parentWidget() is again.pages.currentWidget()  # the page it was on
    (tmp_path / "damaged.ini").write_bytes(b"\x00\xff[main_window]\ngeometry=@ByteArray(nonsense)\n")
    damaged = MainWindow(tray_available=True, placement=WindowPlacement(tmp_path / "damaged.ini"))
    damaged.attach(bridge)
    qtbot.addWidget(damaged)
    assert damaged.size() == QSize(1100, 720)


def test_page_icons_follow_a_change_between_light_and_dark(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    icon = page_icon("servers")
    before = app.palette()
    try:
        for text_colour in ("#101010", "#f0f0f0"):
            palette = QPalette(before)
            palette.setColor(QPalette.ColorRole.WindowText, text_colour)
            app.setPalette(palette)
            image = icon.pixmap(64, 64).toImage()
            drawn = {
                image.pixelColor(x, y).name()
                for x in range(64)
                for y in range(64)
                if image.pixelColor(x, y).alpha() == 255
            }
            assert drawn == {text_colour}
    finally:
        app.setPalette(before)


def test_ctrl_page_down_and_up_move_between_areas(window: MainWindow) -> None:
    shortcuts = {shortcut.key().toString(): shortcut for shortcut in window.findChildren(QShortcut)}
    shortcuts["Ctrl+PgDown"].activated.emit()
    assert window.sidebar.currentRow() == 1
    shortcuts["Ctrl+PgUp"].activated.emit()
    shortcuts["Ctrl+PgUp"].activated.emit()
    assert window.sidebar.currentRow() == window.sidebar.count() - 1
