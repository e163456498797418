"""Settings' registries: listed, added (https only, said in a sentence when refused), removed."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.core.config import OFFICIAL_REGISTRY
from desktop.servers.control import ServerProblem
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.settings_registries import RegistriesSection
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl

OURS = "https://registry.acme.example/mcp"


def section_of(window: MainWindow) -> RegistriesSection:
    window.show()
    window.show_area("settings")
    return window.settings_page.registries_section


def test_a_registry_is_added_and_removed_and_saved_each_time(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    section = section_of(window)
    assert not section.add_button.isEnabled()
    attach()
    assert section.registries() == [OFFICIAL_REGISTRY]
    assert not section.remove_button.isEnabled(), "the last registry stays"
    qtbot.keyClicks(section.address_edit, OURS + "/")
    section.add_button.click()
    qtbot.waitUntil(lambda: fake.settings.registry_urls == [OFFICIAL_REGISTRY, OURS])
    qtbot.waitUntil(lambda: section.registries() == [OFFICIAL_REGISTRY, OURS])
    assert section.message.text.startswith("Added.") and section.address_edit.text() == ""
    section.list.setCurrentRow(0)
    section.remove_button.click()
    qtbot.waitUntil(lambda: section.registries() == [OURS])
    assert fake.settings.registry_urls == [OURS] and section.message.text.startswith("Removed.")


def test_an_address_that_is_not_https_is_refused_in_a_sentence(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    section = section_of(window)
    attach()
    for typed, said in (
        ("http://registry.acme.example", "its address must start with https://"),
        ("registry.acme.example", "its address must start with https://"),
        ("", "Type the registry's address first"),
        (OFFICIAL_REGISTRY, "That registry is in the list already."),
    ):
        section.address_edit.setText(typed)
        section.add_button.click()
        assert said in section.message.text
    assert not [call for call in fake.calls if call[0] == "save_app_settings"]


def test_a_save_that_fails_shows_the_list_as_it_is(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    fake.fail_settings = ServerProblem("MCP Desk couldn't save its settings. Check that the disk isn't full.")
    section = section_of(window)
    attach()
    section.address_edit.setText(OURS)
    section.add_button.click()
    qtbot.waitUntil(lambda: "couldn't save its settings" in section.message.text)
    assert section.registries() == [OFFICIAL_REGISTRY]
