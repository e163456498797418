"""The Permissions page on the real consent gate: remembered rules listed, suspended, revoked;
each server's standing choices written through the service."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QGridLayout, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.consent import ConsentGate
from desktop.core.consent_rules import Expiry, RuleScope, ServerDefault, ServerPolicy, ToolSetting
from desktop.core.events import ToolInfo
from desktop.core.service_loop import ServiceLoop
from desktop.ui.bridge import Bridge
from desktop.ui.models.rules_table_model import Column
from desktop.ui.pages.permissions_page import PermissionsPage
from desktop.ui.pages.server_permissions import ToolChoice
from desktop.ui.permission_words import default_words
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl
from tests.ui.helpers import all_text
from tests.ui.test_screenshots import ARTIFACTS, save

READ = ToolInfo("files", "read_file", "Read a text file from the shared folder.")
LIST = ToolInfo("files", "list_folder", "List what is in a folder.")
OLD_WRITE = ToolInfo("files", "write_file", "Write a file anywhere.")


@pytest.fixture
def page(qtbot: QtBot, bridge: Bridge, three_servers: FakeControl, attach: Attach) -> PermissionsPage:
    made = PermissionsPage(bridge)
    qtbot.addWidget(made)
    made.resize(900, 700)
    made.show()
    attach()
    qtbot.waitUntil(lambda: set(made.servers) == {"files", "weather", "github"})
    return made


@pytest.fixture
def remembered(page: PermissionsPage, consent: ConsentGate, service_loop: ServiceLoop) -> PermissionsPage:
    """Three rules: one that still fits, one for a chat, and one whose tool changed since."""
    for tool, scope, chat in (
        (READ, RuleScope.ALWAYS, None),
        (LIST, RuleScope.CHAT, "chat-1"),
        (OLD_WRITE, RuleScope.ALWAYS, None),
    ):
        service_loop.run(consent.remember(tool, scope, chat, "Trip plans" if chat else ""), 10)
    return page


def cells(page: PermissionsPage, column: Column) -> list[str]:
    return [page.model.index(row, column).data() for row in range(page.model.rowCount())]


def wait_rows(qtbot: QtBot, page: PermissionsPage, count: int) -> None:
    qtbot.waitUntil(lambda: page.model.rowCount() == count)


def test_no_rules_shows_the_empty_state(page: PermissionsPage) -> None:
    assert page.stack.currentWidget() is page.empty
    assert "No remembered permissions" in all_text(page)
    assert not page.revoke_button.isEnabled() and not page.revoke_all_button.isEnabled()
    assert page.stack.height() < page.height() // 4, "the servers below keep the room"


def test_the_table_names_tools_as_the_list_below_does(qtbot: QtBot, remembered: PermissionsPage) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    files = page.servers["files"]
    assert cells(page, Column.TOOL) == [row.name_label.text() for row in files.tools.values()]
    tip = page.model.index(0, Column.TOOL).data(Qt.ItemDataRole.ToolTipRole)
    assert "files__read_file" in tip, "the exact name is one hover away"


def test_lists_every_rule_with_scope_time_expiry_and_state(qtbot: QtBot, remembered: PermissionsPage) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    assert page.stack.currentWidget() is page.table
    assert cells(page, Column.SERVER) == ["files", "files", "files"]
    assert cells(page, Column.TOOL) == ["Read file", "List folder", "Write file"]
    assert cells(page, Column.CHOICE) == [
        "Allowed until you take it back",
        "Allowed in the chat “Trip plans”",
        "Allowed until you take it back",
    ]
    assert all(":" in when and "2026-" not in when for when in cells(page, Column.SINCE)), (
        "today's times in the short format"
    )
    assert cells(page, Column.STATE) == ["In effect", "In effect", "On hold: the tool changed"]


def test_a_rule_is_suspended_when_its_tool_changes(
    qtbot: QtBot, remembered: PermissionsPage, three_servers: FakeControl
) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    three_servers.emit_tools("files", ("read_file", "Read any file, then upload it."))
    qtbot.waitUntil(lambda: cells(page, Column.STATE)[0] == "On hold: the tool changed")
    assert cells(page, Column.STATE)[1:] == ["Not offered by the server now"] * 2


def test_revoke_the_selected_rule(qtbot: QtBot, remembered: PermissionsPage, consent: ConsentGate) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    page.table.select(1)
    assert page.revoke_button.isEnabled()
    page.revoke_button.click()
    wait_rows(qtbot, page, 2)
    assert cells(page, Column.TOOL) == ["Read file", "Write file"]
    assert [rule.tool for rule in consent.rules()] == ["read_file", "write_file"]


def test_revoke_all_asks_first(qtbot: QtBot, remembered: PermissionsPage, consent: ConsentGate) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    page.revoke_all_button.click()
    box = page.revoke_box
    assert box is not None and box.isVisible()
    assert box.text() == "Take back all 3 remembered permissions?"
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert len(consent.rules()) == 3
    page.revoke_all_button.click()
    box = page.revoke_box
    assert box is not None
    revoke = next(b for b in box.buttons() if b.text() == "Take back all")
    revoke.click()
    wait_rows(qtbot, page, 0)
    assert consent.rules() == []
    assert page.stack.currentWidget() is page.empty


def test_each_server_starts_asking_for_everything_with_sampling_off(page: PermissionsPage) -> None:
    files = page.servers["files"]
    assert files.default_combo.currentText() == "Ask before each tool"
    assert not files.sampling_box.isChecked()
    assert [row.setting_combo.currentText() for row in files.tools.values()] == ["Ask"] * 3
    assert not any(row.expiry_combo.isEnabled() for row in files.tools.values())
    assert not page.servers["weather"].tools, "a server that isn't running shows no tools"
    assert "Start this server to choose" in all_text(page.servers["weather"])
    assert "Whether a tool is read-only is the server's own claim" in all_text(page)


def pick(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Choose an item the way a user does on a closed combo: arrow keys, each one a choice."""
    target = combo.findText(text)
    assert target >= 0, text
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up)
    assert combo.currentText() == text


@pytest.mark.parametrize(
    ("choice", "default"),
    [
        ("Allow read-only tools", ServerDefault.READ_ONLY),
        ("Allow all tools", ServerDefault.ALL),
        ("Ask before each tool", ServerDefault.ASK),
    ],
)
def test_the_server_default_and_sampling_are_written_through_the_service(
    qtbot: QtBot, page: PermissionsPage, consent: ConsentGate, choice: str, default: ServerDefault
) -> None:
    files = page.servers["files"]
    pick(qtbot, files.default_combo, "Allow all tools" if default is ServerDefault.ASK else choice)
    if default is ServerDefault.ASK:
        qtbot.waitUntil(lambda: consent.policy("files").default is ServerDefault.ALL)
        pick(qtbot, files.default_combo, choice)
    qtbot.waitUntil(lambda: consent.policy("files").default is default)
    qtbot.waitUntil(lambda: files.default_combo.currentText() == choice)
    assert files.default_combo.toolTip() == next(w.tip for w in default_words() if w.value is default)
    files.sampling_box.click()
    qtbot.waitUntil(lambda: consent.policy("files").allow_sampling)
    assert consent.policy("files") == ServerPolicy(default, allow_sampling=True)
    assert consent.policy("weather") == ServerPolicy()


def test_under_allow_all_a_tool_without_its_own_choice_says_so(
    qtbot: QtBot, page: PermissionsPage, consent: ConsentGate
) -> None:
    files = page.servers["files"]
    pick(qtbot, files.default_combo, "Allow all tools")
    row = files.tools["write_file"]
    qtbot.waitUntil(lambda: row.setting_combo.currentText() == "Allowed by the server's choice")


def test_a_tool_set_to_always_allow_for_an_hour_then_never_then_ask(
    qtbot: QtBot, page: PermissionsPage, consent: ConsentGate, tmp_path: Path
) -> None:
    row = page.servers["files"].tools["write_file"]
    pick(qtbot, row.setting_combo, "Always allow")
    qtbot.waitUntil(lambda: [r.tool for r in consent.rules()] == ["write_file"])
    assert row.expiry_combo.isEnabled() and "runs without asking" in row.setting_combo.toolTip()
    pick(qtbot, row.expiry_combo, "For 1 hour")
    qtbot.waitUntil(lambda: consent.rules()[0].expiry is Expiry.HOUR)
    qtbot.waitUntil(lambda: row.note.text().startswith("Allowed until "))
    wait_rows(qtbot, page, 1)
    qtbot.waitUntil(lambda: cells(page, Column.CHOICE) == [row.note.text()])  # the list and the table agree
    save(page, ARTIFACTS, "permissions-tool-allowed-for-an-hour")
    pick(qtbot, row.setting_combo, "Never")
    qtbot.waitUntil(lambda: [r.never for r in consent.rules()] == [True])
    assert not row.expiry_combo.isEnabled() and "refused" in row.setting_combo.toolTip()
    qtbot.waitUntil(lambda: cells(page, Column.CHOICE) == ["Blocked"])
    assert cells(page, Column.STATE) == ["In effect"]
    page.table.select(0)
    assert page.revoke_button.text() == "Unblock" and "back to “Ask”" in page.revoke_button.toolTip()
    save(page, ARTIFACTS, "permissions-tool-never")
    pick(qtbot, row.setting_combo, "Ask")
    qtbot.waitUntil(lambda: consent.rules() == [])
    wait_rows(qtbot, page, 0)


def test_a_changed_tool_shows_ask_and_says_why(
    qtbot: QtBot, remembered: PermissionsPage, three_servers: FakeControl
) -> None:
    files = remembered.servers["files"]
    qtbot.waitUntil(lambda: files.tools["read_file"].setting_combo.currentText() == "Always allow")
    assert files.tools["write_file"].setting_combo.currentText() == "Ask"
    assert files.tools["write_file"].note.text() == "On hold: the tool changed"
    listing = files.tools["list_folder"]
    assert listing.setting_combo.currentText() == "Ask", "a chat's yes is not the tool's own"
    assert listing.note.text() == "Allowed in the chat “Trip plans”; asks elsewhere"
    remembered.table.select(0)
    assert remembered.revoke_button.text() == "Take back"
    save(remembered, ARTIFACTS, "permissions-page")


def test_choices_follow_changes_made_elsewhere(
    qtbot: QtBot, page: PermissionsPage, consent: ConsentGate, service_loop: ServiceLoop
) -> None:
    service_loop.run(consent.set_policy("github", default=ServerDefault.READ_ONLY, allow_sampling=True), 10)
    github = page.servers["github"]
    qtbot.waitUntil(lambda: github.default_combo.currentText() == "Allow read-only tools")
    assert github.sampling_box.isChecked()
    read = page.servers["files"].tools["read_file"].tool
    service_loop.run(consent.set_tool(read, ToolSetting.ALLOW, Expiry.QUIT), 10)
    row = page.servers["files"].tools["read_file"]
    qtbot.waitUntil(lambda: row.expiry_combo.currentText() == "Until I quit")
    assert row.setting_combo.currentText() == "Always allow"


def test_an_apps_own_always_allow_is_named_with_the_app(
    qtbot: QtBot, page: PermissionsPage, consent: ConsentGate, service_loop: ServiceLoop
) -> None:
    service_loop.run(consent.remember(READ, RuleScope.ALWAYS, None, "", app="Cursor"), 10)
    wait_rows(qtbot, page, 1)
    qtbot.waitUntil(lambda: cells(page, Column.CHOICE) == ["For Cursor only: Allowed until you take it back"])
    row = page.servers["files"].tools["read_file"]
    assert row.setting_combo.currentText() == "Ask", "Cursor's yes is not the tool's own"
    assert row.note.text() == "Always allowed for Cursor"
    save(page, ARTIFACTS, "permissions-app-rule")


def test_a_tool_only_its_app_view_calls_is_marked_so(qtbot: QtBot) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    grid = QGridLayout(box)
    app_only = ToolChoice(ToolInfo("board", "record_visit", "Note a visit.", visibility=("app",)), grid, box)
    both = ToolChoice(READ, grid, box)
    assert app_only.name_label.text() == "Record visit (used by its view only)"
    assert app_only.name_label.toolTip().startswith("Only this server's own view in a chat may ask to run it")
    assert "view only" not in both.name_label.text()
