"""Browse servers: the list, where it came from, the search as you type, and asking for a plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from desktop.catalogue.control import CatalogueListing, InstallPlan
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.catalogue_dialog import CatalogueDialog
from desktop.ui.main_window import MainWindow
from tests.ui.catalogue_fakes import FakeCatalogue, entry
from tests.ui.conftest import Attach
from tests.ui.helpers import all_text, open_dialogs, wait_for_dialog


def opened(qtbot: QtBot, window: MainWindow) -> CatalogueDialog:
    window.servers_page.browse_action.trigger()
    dialog = wait_for_dialog(qtbot, CatalogueDialog)
    qtbot.waitUntil(lambda: dialog.model.total() > 0)
    return dialog


def titles(dialog: CatalogueDialog) -> list[str]:
    return [entry.title for row in range(dialog.model.rowCount()) if (entry := dialog.model.entry_at(row))]


def test_the_servers_page_opens_the_list_and_says_where_it_came_from(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    dialog = opened(qtbot, window)
    assert titles(dialog) == ["Weather", "Time", "Team Notes", "Folder Tools"]
    assert dialog.source_label.text() == "Catalogue: built-in list (offline)"
    assert not dialog.source_problem.isVisible()
    assert dialog.count_label.text() == "4 servers"
    assert dialog.details.title_label.text() == "Weather"
    assert dialog.details.by_label.text() == "By acme on GitHub ✓ verified"
    assert dialog.details.reach_label.text() == "Runs on this computer"
    assert dialog.details.needs_label.text() == "Needs an API key"
    assert not dialog.details.caution.isVisible()
    assert dialog.details.version_label.text() == "Version 2.3.1"
    assert dialog.details.link_label.isVisible()
    assert 'href="https://weather.example.com/?a=1&amp;b=&quot;2&quot;"' in dialog.details.link_label.text()
    dialog.search_edit.setText("notes")
    assert not dialog.details.link_label.isVisible()  # only an https address is offered


def test_typing_narrows_the_list_word_by_word_and_says_when_nothing_matches(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    dialog = opened(qtbot, window)
    qtbot.keyClicks(dialog.search_edit, "se")
    assert titles(dialog) == ["Weather", "Team Notes", "Folder Tools"]
    qtbot.keyClicks(dialog.search_edit, "arch notes")
    assert titles(dialog) == ["Team Notes"]
    assert dialog.count_label.text() == "1 of 4 servers matches “search notes”"
    assert dialog.details.title_label.text() == "Team Notes"
    assert dialog.details.by_label.text() == "By example.com (not verified)"
    assert dialog.details.reach_label.text() == (
        "Runs on the publisher's service (what you send it leaves your computer)"
    )
    assert dialog.details.caution.text.startswith("Nobody has confirmed who published this.")
    dialog.search_edit.setText("FOLDER files")
    assert titles(dialog) == ["Folder Tools"]
    dialog.search_edit.setText("spreadsheet")
    assert dialog.stack.currentWidget() is dialog.nothing
    nothing = dialog.nothing.sentence_label.text()
    assert "No server matches “spreadsheet”" in nothing and "Refresh" in nothing and "Add server…" in nothing
    assert not dialog.details.install_button.isVisible()
    dialog.search_edit.clear()
    assert len(titles(dialog)) == 4
    assert dialog.stack.currentWidget() is dialog.list_view


def test_only_inline_icons_are_shown_and_web_addresses_get_the_plain_one(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    dialog = opened(qtbot, window)
    weather, _time, notes, _folder = (dialog.model.entry_at(row) for row in range(4))
    assert weather is not None and notes is not None
    generic = dialog.icons.of(notes).pixmap(32, 32).toImage()
    own = dialog.icons.of(weather).pixmap(32, 32).toImage()
    assert own != generic
    broken = entry("x/broken", "Broken", "", icon_url="data:image/png;base64,not-base64!")
    assert dialog.icons.of(broken).pixmap(32, 32).toImage() == generic


def test_refresh_shows_the_registry_list_or_why_it_could_not(
    qtbot: QtBot, window: MainWindow, attach: Attach, catalogue: FakeCatalogue
) -> None:
    attach()
    dialog = opened(qtbot, window)
    catalogue.refreshed = CatalogueListing(
        (*catalogue.listed.entries, entry("com.example/maps", "Maps", "Directions and places.")),
        "The MCP Registry, updated just now",
        live=True,
        updated=datetime(2026, 12, 6, 10, 0, tzinfo=UTC),
    )
    dialog.refresh_button.click()
    qtbot.waitUntil(lambda: dialog.model.total() == 5)
    assert dialog.source_label.text() == "Catalogue: online, updated 6 December 2026"
    catalogue.refreshed = replace(
        catalogue.listed,
        source="The list from yesterday",
        problem="The MCP Registry could not be reached. Check your internet connection, then press Refresh.",
    )
    dialog.refresh_button.click()
    qtbot.waitUntil(lambda: dialog.source_problem.isVisible())
    assert dialog.source_problem.text == (
        "Couldn't get the latest catalogue — check your internet, then press Refresh. "
        "Showing the servers built into MCP Desk."
    )
    assert "could not be reached" in dialog.source_problem.toolTip()
    assert dialog.model.total() == 4


def test_install_asks_for_a_plan_and_a_plan_it_cannot_make_is_said(
    qtbot: QtBot, window: MainWindow, attach: Attach, catalogue: FakeCatalogue
) -> None:
    attach()
    dialog = opened(qtbot, window)
    with qtbot.waitSignal(dialog.plan_ready) as ready:
        dialog.details.install_button.click()
    plan = ready.args[0]
    assert isinstance(plan, InstallPlan) and plan.title == "Weather"
    dialog.search_edit.setText("time")
    dialog.details.install_button.click()
    qtbot.waitUntil(lambda: "can't be installed" in dialog.message.text)
    assert ("plan_entry", "io.github.modelcontextprotocol/time") in catalogue.calls
    assert "Traceback" not in all_text(dialog)


def test_before_the_services_are_there_browse_is_not_offered(window: MainWindow, bridge: Bridge) -> None:
    assert not window.servers_page.browse_action.isEnabled()


def test_the_welcomes_last_step_and_the_file_menu_open_the_same_browse_window(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    window.show_welcome()
    assert window.welcome is not None
    window.welcome.try_page.browse_button.click()
    browse = wait_for_dialog(qtbot, CatalogueDialog)
    menu = window.menuBar().actions()[0].menu()
    assert isinstance(menu, QMenu)
    next(action for action in menu.actions() if action.text() == "&Browse Servers…").trigger()
    assert open_dialogs(CatalogueDialog) == [browse]
