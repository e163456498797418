"""Importing from other apps: a preview first, then the import."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.servers.importers import ImportPlan, ImportSource
from desktop.ui.dialogs.import_dialog import ImportDialog
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl, import_plan
from tests.ui.helpers import child_items, top_items, wait_for_dialog

CLAUDE_FILE = Path("/home/me/.config/Claude/claude_desktop_config.json")


def open_import(qtbot: QtBot, window: MainWindow) -> ImportDialog:
    window.servers_page.import_action.trigger()
    return wait_for_dialog(qtbot, ImportDialog)


def test_preview_then_import(qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach) -> None:
    fake.plan = import_plan(CLAUDE_FILE)
    attach()
    dialog = open_import(qtbot, window)
    assert [dialog.source_combo.itemText(i) for i in range(dialog.source_combo.count())] == [
        "Claude Desktop",
        "Cursor",
        "VS Code",
        "LM Studio",
        "Jan",
        "Windsurf",
        "Claude Code",
    ]
    qtbot.waitUntil(lambda: dialog.preview.topLevelItemCount() == 3)
    assert fake.calls == [("preview_import", ImportSource.CLAUDE, None)]
    assert dialog.summary.text == f"Found 3 servers in {CLAUDE_FILE}."
    rows = top_items(dialog.preview)
    assert [(row.text(0), row.text(1)) for row in rows] == [
        ("weather", "Add"),
        ("my files", "Add as “my-files”"),
        ("time", "Skip"),
    ]
    assert rows[0].text(2) == "npx -y weather-mcp"
    assert [note.text(0) for note in child_items(rows[0])] == [
        "Its environment variable WEATHER_KEY holds a key or token; it can become the secret “WEATHER_KEY”."
    ]
    assert dialog.move_box.isVisibleTo(dialog) and dialog.move_box.isChecked()
    assert dialog.move_box.text() == "Move the key or token found into your system's keychain (recommended)"
    assert [note.text(0) for note in child_items(rows[1])] == [
        "“my files” can't be a server name in MCP Desk, so it is added as “my-files”.",
        "It needs these secrets: github-token.",
    ]
    assert [note.text(0) for note in child_items(rows[2])] == ["It is already in MCP Desk."]
    dialog.move_box.setChecked(False)
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "Added 2 servers" in dialog.summary.text)
    assert dialog.summary.text == "Added 2 servers. Approve each one before it first starts."
    assert fake.calls[-1] == ("apply_import", fake.plan, False)
    qtbot.waitUntil(lambda: window.servers_page.model.rowCount() == 2)


def test_choosing_another_source_previews_again(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    fake.plan = ImportPlan(
        ImportSource.CURSOR, Path("/home/me/.cursor/mcp.json"), (), "This file is not valid JSON."
    )
    attach()
    dialog = open_import(qtbot, window)
    dialog.source_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: ("preview_import", ImportSource.CURSOR, None) in fake.calls)
    qtbot.waitUntil(lambda: dialog.summary.text == "This file is not valid JSON.")
    assert not dialog.import_button.isEnabled()
