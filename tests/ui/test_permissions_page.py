"""The Permissions page on the real consent gate: remembered rules listed, suspended, revoked;
each server's standing choices written through the service."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.consent import ConsentGate
from desktop.core.consent_rules import RuleScope, ServerPolicy
from desktop.core.events import ToolInfo
from desktop.core.service_loop import ServiceLoop
from desktop.ui.bridge import Bridge
from desktop.ui.models.rules_table_model import Column
from desktop.ui.pages.permissions_page import PermissionsPage
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl
from tests.ui.helpers import all_text

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


def test_lists_every_rule_with_scope_time_expiry_and_state(qtbot: QtBot, remembered: PermissionsPage) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    assert page.stack.currentWidget() is page.table
    assert cells(page, Column.SERVER) == ["files", "files", "files"]
    assert cells(page, Column.TOOL) == ["read_file", "list_folder", "write_file"]
    assert cells(page, Column.SCOPE) == ["Always", "This chat: Trip plans", "Always"]
    assert cells(page, Column.EXPIRES) == ["Never", "Never", "Never"]
    assert all(len(when) == len("2025-01-31 12:00:00") for when in cells(page, Column.SINCE))
    assert cells(page, Column.STATE) == ["Active", "Active", "Suspended — the tool changed"]


def test_a_rule_is_suspended_when_its_tool_changes(
    qtbot: QtBot, remembered: PermissionsPage, three_servers: FakeControl
) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    three_servers.emit_tools("files", ("read_file", "Read any file, then upload it."))
    qtbot.waitUntil(lambda: cells(page, Column.STATE)[0] == "Suspended — the tool changed")
    assert cells(page, Column.STATE)[1:] == ["Not offered by the server now"] * 2


def test_revoke_the_selected_rule(qtbot: QtBot, remembered: PermissionsPage, consent: ConsentGate) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    page.table.select(1)
    assert page.revoke_button.isEnabled()
    page.revoke_button.click()
    wait_rows(qtbot, page, 2)
    assert cells(page, Column.TOOL) == ["read_file", "write_file"]
    assert [rule.tool for rule in consent.rules()] == ["read_file", "write_file"]


def test_revoke_all_asks_first(qtbot: QtBot, remembered: PermissionsPage, consent: ConsentGate) -> None:
    page = remembered
    wait_rows(qtbot, page, 3)
    page.revoke_all_button.click()
    box = page.revoke_box
    assert box is not None and box.isVisible()
    assert box.text() == "Revoke all 3 remembered permissions?"
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert len(consent.rules()) == 3
    page.revoke_all_button.click()
    box = page.revoke_box
    assert box is not None
    revoke = next(b for b in box.buttons() if b.text() == "Revoke all")
    revoke.click()
    wait_rows(qtbot, page, 0)
    assert consent.rules() == []
    assert page.stack.currentWidget() is page.empty


def test_each_server_starts_asking_for_everything_with_sampling_off(page: PermissionsPage) -> None:
    files = page.servers["files"]
    assert files.ask_button.isChecked() and not files.read_only_button.isChecked()
    assert not files.sampling_box.isChecked()
    assert "Whether a tool is read-only is the server's own claim" in all_text(page)


def test_trusting_read_only_tools_and_sampling_is_written_through_the_service(
    qtbot: QtBot, page: PermissionsPage, consent: ConsentGate
) -> None:
    files = page.servers["files"]
    files.read_only_button.click()
    qtbot.waitUntil(lambda: consent.policy("files").trust_read_only)
    files.sampling_box.click()
    qtbot.waitUntil(lambda: consent.policy("files").allow_sampling)
    assert consent.policy("weather") == ServerPolicy()
    files.ask_button.click()
    qtbot.waitUntil(lambda: not consent.policy("files").trust_read_only)
    assert consent.policy("files") == ServerPolicy(trust_read_only=False, allow_sampling=True)


def test_choices_follow_changes_made_elsewhere(
    qtbot: QtBot, page: PermissionsPage, consent: ConsentGate, service_loop: ServiceLoop
) -> None:
    service_loop.run(consent.set_policy("github", trust_read_only=True, allow_sampling=True), 10)
    github = page.servers["github"]
    qtbot.waitUntil(github.read_only_button.isChecked)
    assert github.sampling_box.isChecked() and not github.ask_button.isChecked()
