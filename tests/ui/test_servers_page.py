"""The Servers page against a fake service side: table, actions, trust flow, details."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState, ToolInfo
from desktop.ui.dialogs.server_form import ServerFormDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.models.server_table_model import Column
from desktop.ui.pages.server_details import ToolsTab
from desktop.ui.pages.servers_page import ServersPage
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl
from tests.ui.helpers import open_dialogs, top_items, wait_for_dialog


def cell(page: ServersPage, name: str, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    row = page.model.row_of(name)
    assert row >= 0, f"{name} is not in the table"
    return page.model.index(row, column).data(role)


def test_shows_starting_until_services_are_ready(window: MainWindow, attach: Attach) -> None:
    page = window.servers_page
    assert page.stack.currentWidget() is page.starting
    assert window.status_label.text() == "Starting…"
    assert not page.add_action.isEnabled()
    attach()
    assert page.stack.currentWidget() is page.empty
    assert page.add_action.isEnabled()
    assert window.status_label.text() == "No servers yet"


def test_table_shows_each_server_state(
    window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    assert page.model.rowCount() == 3
    assert cell(page, "files", Column.STATUS) == "Running"
    assert cell(page, "files", Column.TOOLS) == "3"
    assert cell(page, "files", Column.MEMORY) == "39.1 MB"
    assert cell(page, "weather", Column.STATUS) == "Failed"
    assert "stopped unexpectedly" in str(cell(page, "weather", Column.STATUS, Qt.ItemDataRole.ToolTipRole))
    assert cell(page, "weather", Column.UPTIME) == "—"
    assert cell(page, "github", Column.STATUS) == "Needs approval"
    assert window.status_label.text() == "1 server running · 2 need attention"


def test_status_changes_update_the_row(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    three_servers.change("weather", state=ServerState.STARTING, reason="", details="")
    qtbot.waitUntil(lambda: cell(page, "weather", Column.STATUS) == "Starting…")
    three_servers.change("weather", state=ServerState.RUNNING, started_at=1.0, tool_count=7)
    qtbot.waitUntil(lambda: cell(page, "weather", Column.TOOLS) == "7")
    assert window.status_label.text() == "2 servers running · 1 needs attention"


def test_start_asks_for_approval_then_trusts_and_starts(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    page.select("github")
    assert page.start_action.isEnabled()
    page.start_action.trigger()
    dialog = wait_for_dialog(qtbot, TrustDialog)
    assert dialog.request.server == "github"
    assert three_servers.calls == [("start", "github")]
    dialog.approve_button.click()
    qtbot.waitUntil(lambda: cell(page, "github", Column.STATUS) == "Running")
    launch_hash = three_servers.configs["github"].launch_hash()
    assert three_servers.calls == [("start", "github"), ("trust", "github", launch_hash), ("start", "github")]


def test_cancelling_approval_starts_nothing(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    window.servers_page.select("github")
    window.servers_page.details.overview.review_button.click()
    dialog = wait_for_dialog(qtbot, TrustDialog)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert three_servers.calls == []
    assert cell(window.servers_page, "github", Column.STATUS) == "Needs approval"


def test_actions_follow_the_selected_server(
    window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    page.select("files")
    assert (page.start_action.isEnabled(), page.stop_action.isEnabled(), page.restart_action.isEnabled()) == (
        False,
        True,
        True,
    )
    page.select("weather")
    assert (page.start_action.isEnabled(), page.stop_action.isEnabled(), page.restart_action.isEnabled()) == (
        True,
        False,
        False,
    )
    assert not page.details.overview.approval.isVisible()


def test_stop_calls_the_service_and_the_row_follows(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    page.select("files")
    page.stop_action.trigger()
    qtbot.waitUntil(lambda: cell(page, "files", Column.STATUS) == "Stopped")
    assert three_servers.calls == [("stop", "files")]
    assert page.start_action.isEnabled()


def test_output_shows_history_then_appends_only_the_selected_server(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    page.select("files")
    output = page.details.output
    assert output.toPlainText() == "files server ready\nserving /home/me"
    three_servers.emit_output("weather", "not for this panel")
    three_servers.emit_output("files", "read_file called", "read 12 bytes")
    qtbot.waitUntil(lambda: output.toPlainText().endswith("read 12 bytes"))
    assert "not for this panel" not in output.toPlainText()
    assert output.blockCount() == 4
    assert output.maximumBlockCount() == 2000


def test_tools_tab_lists_tools_and_follows_changes(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    page.select("files")
    tree = page.details.tools.tree
    rows = top_items(tree)
    assert [row.text(0) for row in rows] == ["read_file", "list_folder", "write_file"]
    assert rows[0].text(1) == "Read a text file from the shared folder."
    three_servers.emit_tools("files", ("search", "Find files by name.\n\nThe search starts in `path`."))
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1)
    [search] = top_items(tree)
    assert search.text(1) == "Find files by name."
    assert search.toolTip(1).endswith("The search starts in `path`.")
    assert page.details.tools.count_label.text() == "This server offers 1 tool."


def test_overview_shows_reason_with_details_behind_a_toggle(
    window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    window.show()
    page = window.servers_page
    page.select("weather")
    overview = page.details.overview
    assert "stopped unexpectedly" in overview.reason_label.text()
    assert overview.command_box.toPlainText() == "npx -y weather-mcp"
    assert overview.restarts_label.text() == "3"
    assert overview.details.isVisible()
    assert not overview.details.text_view.isVisible()
    overview.details.toggle.click()
    assert overview.details.text_view.isVisible()
    assert "WEATHER_API_KEY is not valid" in overview.details.text_view.toPlainText()


def test_empty_state_button_opens_the_add_form_and_adds(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    assert page.empty.button is not None and page.empty.button.text() == "Browse servers…"
    assert page.empty.other_button is not None
    page.empty.other_button.click()
    form = wait_for_dialog(qtbot, ServerFormDialog)
    form.fields.name_edit.setText("time")
    form.fields.command_edit.setText("uvx")
    form.fields.args_edit.setPlainText("mcp-server-time")
    form.save_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert fake.calls == [("add", "time", ServerConfig(command="uvx", args=["mcp-server-time"]))]
    assert page.stack.currentIndex() == 2
    assert page.selected() is not None and page.selected().name == "time"  # type: ignore[union-attr]
    review = wait_for_dialog(qtbot, TrustDialog)
    assert review.request.server == "time", "and it is asked about at once"
    review.reject()


def add_with_the_form(qtbot: QtBot, page: ServersPage, name: str, **fields: object) -> None:
    page.add_action.trigger()
    form = wait_for_dialog(qtbot, ServerFormDialog)
    form.fields.name_edit.setText(name)
    form.fields.set_config(ServerConfig(**fields))  # type: ignore[arg-type]
    form.save_button.click()


def test_a_new_server_is_reviewed_at_once_and_a_yes_starts_it(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    add_with_the_form(qtbot, page, "time", command="uvx", args=["mcp-server-time"])
    dialog = wait_for_dialog(qtbot, TrustDialog)
    assert dialog.request.server == "time" and dialog.approve_button.text() == "Run it"
    dialog.approve_button.click()
    qtbot.waitUntil(lambda: cell(page, "time", Column.STATUS) == "Running")
    launch_hash = ServerConfig(command="uvx", args=["mcp-server-time"]).launch_hash()
    assert [call[0] for call in fake.calls] == ["add", "trust", "start"]
    assert fake.calls[1] == ("trust", "time", launch_hash)


def test_a_new_remote_server_is_asked_about_as_a_connection(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    attach()
    add_with_the_form(qtbot, window.servers_page, "cloud", url="https://mcp.example.com/mcp")
    dialog = wait_for_dialog(qtbot, TrustDialog)
    assert dialog.approve_button.text() == "Connect"
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert [call[0] for call in fake.calls] == ["add"]
    assert cell(window.servers_page, "cloud", Column.STATUS) == "Needs approval"
    overview = window.servers_page.details.overview
    assert overview.command_label.text() == "Address:"
    assert "has not connected to this server yet" in overview.approval_hint.text()


def test_a_new_server_added_turned_off_is_not_asked_about(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    add_with_the_form(qtbot, page, "later", command="uvx", args=["mcp-server-time"], enabled=False)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtbot.wait(50)  # the add's answer has come back; a question would be open by now
    assert open_dialogs(TrustDialog) == []


def test_edit_renames_through_update(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    page.select("weather")
    page.edit_action.trigger()
    form = wait_for_dialog(qtbot, ServerFormDialog)
    assert form.fields.env_table.items() == {"WEATHER_API_KEY": "s3cr3t-value"}
    form.fields.name_edit.setText("forecast")
    form.save_button.click()
    qtbot.waitUntil(lambda: page.model.row_of("forecast") >= 0)
    method, old, config, new = three_servers.calls[-1]
    assert (method, old, new) == ("update", "weather", "forecast")
    assert config.args == ["-y", "weather-mcp"]
    assert page.selected() is not None and page.selected().name == "forecast"  # type: ignore[union-attr]


def test_remove_asks_first(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    page.select("weather")
    page.remove_action.trigger()
    box = wait_for_dialog(qtbot, QMessageBox)
    assert "Remove “weather”?" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert three_servers.calls == []
    page.remove_action.trigger()
    box = wait_for_dialog(qtbot, QMessageBox)
    next(b for b in box.buttons() if b.text() == "Remove").click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert three_servers.calls == [("remove", "weather")]
    assert page.model.row_of("weather") == -1


def test_uptime_ticks_on_the_view(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    page = window.servers_page
    changed: list[QModelIndex] = []
    page.model.dataChanged.connect(lambda top, _bottom, _roles: changed.append(top))
    qtbot.waitUntil(lambda: any(index.column() == Column.UPTIME for index in changed), timeout=3000)
    assert str(cell(page, "files", Column.UPTIME)).endswith(("d", "h", "min", "s"))


def test_double_click_opens_the_server_settings(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach
) -> None:
    attach()
    window.show()
    table = window.servers_page.table
    rect = table.visualRect(window.servers_page.model.index(2, Column.NAME))
    for act in (qtbot.mouseClick, qtbot.mouseDClick, qtbot.mouseRelease):  # click, double click, let go
        act(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # type: ignore[no-untyped-call]
    form = wait_for_dialog(qtbot, ServerFormDialog)
    assert form.windowTitle() == "Edit “github”"
    assert form.fields.cwd_edit.text() == "/home/me/projects"


def test_a_tool_only_its_app_view_calls_is_marked_on_the_tools_tab(qtbot: QtBot) -> None:
    tab = ToolsTab()
    qtbot.addWidget(tab)
    tab.show_tools(
        [
            ToolInfo("board", "show_board", "Show the board."),
            ToolInfo("board", "record_visit", "Note a visit.", visibility=("app",)),
        ]
    )
    assert [item.text(0) for item in top_items(tab.tree)] == [
        "show_board",
        "record_visit (used by its view only)",
    ]
    assert top_items(tab.tree)[1].toolTip(0).startswith("Only this server's own view in a chat")
