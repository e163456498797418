"""Settings are saved through the service side as soon as they change."""

from __future__ import annotations

import threading

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea
from pytestqt.qtbot import QtBot

from desktop.core.service_loop import ServiceLoop
from desktop.servers.control import ServerProblem
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import DEFAULT_SIZE, MainWindow
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl


def test_start_at_login_box_saves(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    box = window.settings_page.login_box
    assert not box.isEnabled()
    attach()
    assert box.isEnabled() and not box.isChecked()
    box.click()
    qtbot.waitUntil(lambda: fake.settings.start_at_login)
    box.click()
    qtbot.waitUntil(lambda: not fake.settings.start_at_login)
    assert [call[1].start_at_login for call in fake.calls] == [True, False]


def test_refused_change_is_undone_and_explained(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    fake.fail_settings = ServerProblem("MCP Desk could not add itself to your sign-in items.", "EACCES")
    attach()
    window.show()
    window.show_area("settings")
    box = window.settings_page.login_box
    box.click()
    qtbot.waitUntil(lambda: not box.isChecked())
    qtbot.waitUntil(
        lambda: window.banner.message_label.text() == "MCP Desk could not add itself to your sign-in items."
    )


def test_two_changes_saved_at_once_from_two_places_both_stay(
    qtbot: QtBot,
    window: MainWindow,
    bridge: Bridge,
    fake: FakeControl,
    attach: Attach,
    service_loop: ServiceLoop,
) -> None:
    """The tray's note and a setting on the page, saved in one moment while the service side is busy:
    neither save brings back the other's old value (each saved the whole settings the window had read)."""
    attach()
    busy = threading.Event()

    async def hold() -> None:
        busy.wait(10)

    held = service_loop.submit(hold())
    bridge.update_settings(tray_hint_shown=True)
    window.settings_page.keep_days_box.setValue(30)
    busy.set()
    held.result(10)
    qtbot.waitUntil(lambda: fake.settings.log_keep_days == 30)
    assert fake.settings.tray_hint_shown


def test_about_line_names_the_app(window: MainWindow) -> None:
    assert window.settings_page.about_label.text().startswith("MCP Desk ")


def test_each_saved_change_says_saved_beside_it_and_nothing_else_moves(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.settings_page
    window.show()
    window.show_area("settings")
    before = page.max_mb_box.mapTo(page, QPoint(0, 0))
    page.keep_days_box.setValue(30)
    qtbot.waitUntil(lambda: page.log_saved.text == "✓ Saved")
    assert page.max_mb_box.mapTo(page, QPoint(0, 0)) == before
    assert page.login_saved.text == "", "only the setting that changed says so"
    page.log_saved.timer.start(10)  # a few seconds later
    qtbot.waitUntil(lambda: page.log_saved.text == "")
    page.login_box.click()
    qtbot.waitUntil(lambda: page.login_saved.text == "✓ Saved")


def test_a_refused_change_does_not_say_saved(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    fake.fail_settings = ServerProblem("MCP Desk could not save your settings.", "disk full")
    attach()
    page = window.settings_page
    page.keep_days_box.setValue(30)
    qtbot.waitUntil(lambda: page.keep_days_box.value() == 7)
    assert page.log_saved.text == ""


def test_the_one_button_says_what_it_saves(window: MainWindow) -> None:
    page = window.settings_page
    buttons = [button.text() for button in page.findChildren(QPushButton)]
    assert "Save" not in buttons
    assert page.backend_save_button.text() == "Save chat model"
    assert "saved as you make them" in " ".join(label.text() for label in page.findChildren(QLabel))


def test_nothing_is_cut_at_the_default_window_size(qtbot: QtBot, window: MainWindow) -> None:
    """At 1100×720 the whole page fits, the History and backup buttons and a lost-server line included."""
    window.resize(DEFAULT_SIZE)
    window.show()
    window.show_area("settings")
    section = window.settings_page.keeping_section
    section._say_lost(("notes", "time"))
    scroller = window.settings_page.findChild(QScrollArea)
    assert scroller is not None
    viewport = scroller.viewport()
    qtbot.waitUntil(lambda: section.import_button.isVisible())
    for button in (section.history_button, section.export_button, section.import_button):
        corner = button.mapTo(viewport, QPoint(0, button.height()))
        assert viewport.rect().contains(corner), f"{button.text()} is cut off"
