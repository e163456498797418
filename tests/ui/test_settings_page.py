"""Settings are saved through the service side as soon as they change."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.servers.control import ServerProblem
from desktop.ui.main_window import MainWindow
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


def test_about_line_names_the_app(window: MainWindow) -> None:
    assert window.settings_page.about_label.text().startswith("MCP Desk ")
