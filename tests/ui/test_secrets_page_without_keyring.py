"""The Secrets page when the keyring is one MCP Desk refuses (here keyring's `null` backend)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach


def test_it_says_why_and_how_to_fix_it_and_offers_nothing(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    page = window.secrets_page
    qtbot.waitUntil(lambda: page.message.isVisibleTo(page))
    assert "No system keyring was found" in page.message.text
    assert "gnome-keyring" in page.message.text
    assert not page.add_button.isEnabled()
    assert page.empty.button is not None and not page.empty.button.isEnabled()
