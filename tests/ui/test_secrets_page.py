"""The Secrets page on a real keyring: listing with who uses what, adding, revealing, deleting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.secrets import SecretStore
from desktop.core.secrets_service import SecretsService
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.secret_dialog import SecretDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.models.secrets_table_model import Column
from desktop.ui.pages.secrets_page import SecretsPage
from tests.ui.conftest import Attach, secrets_on

USERS = {"GITHUB_TOKEN": ["github", "issues"], "SLACK_TOKEN": ["slack"]}


@pytest.fixture
def secrets(keyring_store: SecretStore, bridge: Bridge, tmp_path: Path) -> Iterator[SecretsService]:
    keyring_store.set("GITHUB_TOKEN", "ghp_0123456789abcdef")
    keyring_store.set("UNUSED_KEY", "unused-value")
    yield from secrets_on(keyring_store, bridge, tmp_path, lambda: USERS)


@pytest.fixture
def page(qtbot: QtBot, window: MainWindow, attach: Attach) -> SecretsPage:
    attach()
    page = window.secrets_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    return page


def cells(page: SecretsPage, column: Column) -> list[str]:
    return [page.model.index(row, column).data() for row in range(page.model.rowCount())]


def select(page: SecretsPage, name: str) -> None:
    page.table.select(page.model.row_of(name))


def test_lists_each_secret_with_the_servers_that_use_it_and_the_missing_ones(page: SecretsPage) -> None:
    assert cells(page, Column.NAME) == ["GITHUB_TOKEN", "SLACK_TOKEN", "UNUSED_KEY"]
    assert cells(page, Column.STATE) == [
        "Saved (hidden)",
        "Not set: add a value",
        "Saved (hidden)",
    ]
    assert cells(page, Column.USED_BY) == ["github, issues", "slack", "No server uses it yet"]
    assert page.keyring_label.text() == "Kept in: your desktop's keyring (Secret Service)"
    select(page, "SLACK_TOKEN")
    assert page.change_button.isEnabled() and not page.delete_button.isEnabled()


def test_adding_a_secret_stores_it_in_the_keyring(
    qtbot: QtBot, page: SecretsPage, keyring_store: SecretStore
) -> None:
    page.add_button.click()
    dialog = page.findChild(SecretDialog)
    assert dialog is not None and not dialog.save_button.isEnabled()
    dialog.name_edit.setText("bad name")
    assert "letters, digits" in dialog.message.text and not dialog.save_button.isEnabled()
    dialog.name_edit.setText("SLACK_TOKEN")
    explained = dialog.explanation.text()
    assert "[the secret SLACK_TOKEN]" in explained and "from your keychain" in explained
    assert explained.index("[the secret SLACK_TOKEN]") < explained.index("${secret:SLACK_TOKEN}")
    dialog.value_edit.setText("xoxb-1234-secret")
    assert dialog.value_edit.echoMode() is QLineEdit.EchoMode.Password
    with qtbot.waitSignal(page.model.modelReset):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: "is saved in your keychain" in page.message.text)
    assert keyring_store.get("SLACK_TOKEN") == "xoxb-1234-secret"
    assert cells(page, Column.STATE)[1] == "Saved (hidden)"


def test_a_value_stays_hidden_until_asked_for(qtbot: QtBot, page: SecretsPage) -> None:
    select(page, "GITHUB_TOKEN")
    assert page.value_edit.text() == "" and not page.copy_button.isEnabled()
    page.reveal_button.click()
    qtbot.waitUntil(lambda: page.value_edit.text() == "ghp_0123456789abcdef")
    assert page.reveal_button.text() == "Hide value"
    assert page.value_edit.echoMode() is QLineEdit.EchoMode.Normal and page.copy_button.isEnabled()
    select(page, "UNUSED_KEY")
    assert page.value_edit.text() == "" and not page.reveal_button.isChecked()


def test_deleting_a_secret_in_use_names_the_servers_that_will_break(
    qtbot: QtBot, page: SecretsPage, keyring_store: SecretStore
) -> None:
    select(page, "GITHUB_TOKEN")
    page.delete_button.click()
    box = page.delete_box
    assert box is not None
    assert "will not start until you set it again: github, issues" in box.informativeText()
    with qtbot.waitSignal(page.model.modelReset):
        next(b for b in box.buttons() if b.text() == "Delete").click()
    assert keyring_store.get("GITHUB_TOKEN") is None
    assert cells(page, Column.STATE)[0] == "Not set: add a value", "still used, so still listed"


def test_cancelling_a_delete_keeps_the_secret(page: SecretsPage, keyring_store: SecretStore) -> None:
    select(page, "UNUSED_KEY")
    page.delete_button.click()
    assert page.delete_box is not None
    page.delete_box.button(QMessageBox.StandardButton.Cancel).click()
    assert keyring_store.get("UNUSED_KEY") == "unused-value"
