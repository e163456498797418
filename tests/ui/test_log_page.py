"""The Log page against a fake log: live batches, filters, pause, the detail pane, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QFileDialog, QStyledItemDelegate, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from desktop.core.rpc_log import Direction, EntryKind, LogFilter, RpcEntry
from desktop.servers.control import ServerProblem
from desktop.ui.main_window import MainWindow
from desktop.ui.models.log_table_model import MAX_ENTRIES, Column
from desktop.ui.pages.log_page import LogPage
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl, FakeRpcLog
from tests.ui.samples import Wire, sample_traffic


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def traffic(wire: Wire) -> list[RpcEntry]:
    return sample_traffic(wire)


@pytest.fixture
def page(window: MainWindow, fake_log: FakeRpcLog, traffic: list[RpcEntry], attach: Attach) -> LogPage:
    """The Log page after start-up, with the sample traffic already in the log's memory."""
    fake_log.ring = list(traffic)
    attach()
    return window.log_page


def shown(page: LogPage) -> list[RpcEntry]:
    return [page.model.entry_at(row) for row in range(page.model.rowCount())]


def cell(page: LogPage, row: int, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    return page.model.index(row, column).data(role)


def choose(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered"
    combo.setCurrentIndex(index)


def test_empty_state_until_something_is_logged(
    qtbot: QtBot, window: MainWindow, fake_log: FakeRpcLog, attach: Attach, wire: Wire
) -> None:
    page = window.log_page
    attach()
    assert page.stack.currentWidget() is page.empty
    assert "will appear here" in page.empty.sentence_label.text()
    fake_log.publish([wire.lifecycle("files", "Started (process 1)")])
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.stack.currentWidget() is not page.empty


def test_recent_messages_then_live_batches(
    qtbot: QtBot, page: LogPage, fake_log: FakeRpcLog, traffic: list[RpcEntry], wire: Wire
) -> None:
    assert shown(page) == traffic
    more = [wire.request("files", 9, "ping"), wire.response("files", 9, {})]
    fake_log.publish(traffic[-2:] + more)  # a batch that overlaps what recent() gave is not shown twice
    qtbot.waitUntil(lambda: page.model.rowCount() == len(traffic) + 2)
    assert shown(page) == traffic + more


def test_columns_read_plainly(page: LogPage, traffic: list[RpcEntry]) -> None:
    timeout = next(row for row, e in enumerate(traffic) if e.method == "notifications/cancelled")
    assert cell(page, timeout, Column.DIRECTION) == "→ sent"
    assert cell(page, timeout, Column.NOTES) == "timeout"
    assert "gave up waiting" in str(cell(page, timeout, Column.NOTES, Qt.ItemDataRole.ToolTipRole))
    assert cell(page, timeout, Column.TIME) != ""
    answer = 3
    assert cell(page, answer, Column.DIRECTION) == "← received"
    assert cell(page, answer, Column.METHOD) == "initialize"
    assert cell(page, answer, Column.LATENCY) == "84 ms"
    assert str(cell(page, answer, Column.SIZE)).endswith(" B")
    assert cell(page, 0, Column.DIRECTION) == "• event"


def test_each_column_heading_explains_itself(page: LogPage) -> None:
    model = page.model
    tips = {
        model.headerData(column, Qt.Orientation.Horizontal): model.headerData(
            column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
        )
        for column in Column
    }
    assert all(tip and tip != title for title, tip in tips.items())
    assert tips["Id"] == "The number that ties an answer to its question"
    assert "tools/call uses a tool" in tips["Method"]
    assert "tools/call" in page.filters.method_box.toolTip()


def test_server_output_and_events_show_their_words(page: LogPage, traffic: list[RpcEntry]) -> None:
    for kind in (EntryKind.STDERR, EntryKind.LIFECYCLE):
        row, entry = next((row, e) for row, e in enumerate(traffic) if e.kind is kind)
        assert entry.text and cell(page, row, Column.NOTES) == entry.text


def test_problems_are_red_and_server_output_is_muted(page: LogPage, traffic: list[RpcEntry]) -> None:
    problem = next(row for row, e in enumerate(traffic) if e.is_problem)
    stderr = next(row for row, e in enumerate(traffic) if e.kind is EntryKind.STDERR)
    plain = 1
    assert cell(page, problem, Column.TIME, Qt.ItemDataRole.ForegroundRole) is not None
    assert cell(page, problem, Column.TIME, Qt.ItemDataRole.BackgroundRole) is not None
    muted = cell(page, stderr, Column.TIME, Qt.ItemDataRole.ForegroundRole)
    assert muted is not None and muted != cell(page, problem, Column.TIME, Qt.ItemDataRole.ForegroundRole)
    assert cell(page, plain, Column.TIME, Qt.ItemDataRole.ForegroundRole) is None


def test_a_painted_cell_reads_as_its_data(page: LogPage, traffic: list[RpcEntry]) -> None:
    """The view asks for every role of a cell in one call (multiData); it must say what data() says."""
    problem = next(row for row, e in enumerate(traffic) if e.is_problem)
    delegate = QStyledItemDelegate()
    for row in (0, problem):
        for column in Column:
            option = QStyleOptionViewItem()
            delegate.initStyleOption(option, page.model.index(row, column))
            assert option.text == cell(page, row, column)
    option = QStyleOptionViewItem()
    delegate.initStyleOption(option, page.model.index(problem, Column.SIZE))
    foreground = cell(page, problem, Column.SIZE, Qt.ItemDataRole.ForegroundRole)
    assert option.palette.text().color() == foreground
    assert option.backgroundBrush.color() == cell(page, problem, Column.SIZE, Qt.ItemDataRole.BackgroundRole)
    assert option.displayAlignment & Qt.AlignmentFlag.AlignRight


def test_cells_outside_the_table_are_invalid(page: LogPage) -> None:
    rows = page.model.rowCount()
    for row, column in ((rows, 0), (-1, 0), (0, len(Column)), (0, -1)):
        assert not page.model.index(row, column).isValid()
        assert page.model.index(row, column).data() is None


def test_filters_narrow_the_table(qtbot: QtBot, page: LogPage, traffic: list[RpcEntry]) -> None:
    filters = page.filters
    choose(filters.server_combo, "weather")
    assert {e.server for e in shown(page)} == {"weather"}
    choose(filters.direction_combo, "Sent")
    assert shown(page) == [e for e in traffic if e.server == "weather" and e.direction is Direction.OUT]
    choose(filters.server_combo, "All servers")
    choose(filters.direction_combo, "All directions")
    choose(filters.kind_combo, "Server output (stderr)")
    assert [e.text for e in shown(page)] == [
        "files server ready, serving /home/me",
        "warning: upstream API slow, retrying",
    ]
    choose(filters.kind_combo, "All kinds")
    qtbot.keyClicks(filters.method_box, "tools/")
    qtbot.waitUntil(lambda: page.model.filter.method == "tools/")
    assert {e.method for e in shown(page)} == {"tools/list", "tools/call"}
    filters.problems_box.click()
    assert [e.rpc_id for e in shown(page)] == ["3"]
    filters.problems_box.click()
    filters.method_box.clear()
    qtbot.keyClicks(filters.text_box, "LISBON")
    qtbot.waitUntil(lambda: page.model.filter.text == "LISBON")
    assert [(e.server, e.rpc_id, e.kind) for e in shown(page)] == [("weather", "1", EntryKind.REQUEST)]


def test_an_http_error_reads_as_its_status_line_and_has_a_kind_of_its_own(
    qtbot: QtBot, page: LogPage, fake_log: FakeRpcLog
) -> None:
    text = 'HTTP 401 Unauthorized: invalid_token (expired)\nWWW-Authenticate: Bearer error="x"\n{}'
    refused = RpcEntry(10_000, 1.0, "remote", Direction.IN, EntryKind.HTTP, text, 2)
    with qtbot.waitSignal(page.model.rowsInserted):
        fake_log.publish([refused])
    row = page.model.row_of_seq(refused.seq)
    assert cell(page, row, Column.NOTES) == "HTTP 401 Unauthorized: invalid_token (expired)"
    choose(page.filters.kind_combo, "Web errors (HTTP)")
    assert shown(page) == [refused]


def test_new_batches_are_filtered_too(qtbot: QtBot, page: LogPage, fake_log: FakeRpcLog, wire: Wire) -> None:
    choose(page.filters.server_combo, "weather")
    before = page.model.rowCount()
    fake_log.publish([wire.stderr("files", "not for this view"), wire.stderr("weather", "for this view")])
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1)
    assert shown(page)[-1].text == "for this view"


def test_pause_holds_new_messages_and_resume_shows_them(
    qtbot: QtBot, page: LogPage, fake_log: FakeRpcLog, traffic: list[RpcEntry], wire: Wire
) -> None:
    page.pause_button.click()
    assert page.pause_button.text() == "Resume"
    fake_log.publish([wire.stderr("files", "one"), wire.stderr("files", "two")])
    qtbot.waitUntil(lambda: page.waiting == 2)
    assert page.waiting_label.text() == "2 new messages waiting"
    assert page.model.rowCount() == len(traffic)
    page.pause_button.click()
    assert page.pause_button.text() == "Pause"
    assert [e.text for e in shown(page)[-2:]] == ["one", "two"]
    assert page.waiting_label.text() == ""


def test_detail_shows_the_message_pretty_printed(page: LogPage, traffic: list[RpcEntry]) -> None:
    row = next(row for row, e in enumerate(traffic) if e.method == "tools/call")
    page.table.select(row)
    detail = page.detail
    assert detail.message_view.toPlainText() == json.dumps(json.loads(traffic[row].text), indent=2)
    assert '"name": "read_file"' in detail.message_view.toPlainText()
    assert "files · → sent · request · id 2 · tools/call" in detail.header_label.text()
    stderr = next(row for row, e in enumerate(traffic) if e.kind is EntryKind.STDERR)
    page.table.select(stderr)
    assert detail.message_view.toPlainText() == "files server ready, serving /home/me"


def test_go_to_response_and_back(page: LogPage, traffic: list[RpcEntry]) -> None:
    request = next(row for row, e in enumerate(traffic) if e.method == "tools/call")
    page.table.select(request)
    assert page.detail.response_button.isEnabled()
    assert not page.detail.request_button.isEnabled()
    page.detail.response_button.click()
    response = page.model.entry_at(page.table.selected_row())
    assert (response.kind, response.pair) == (EntryKind.RESPONSE, traffic[request].seq)
    assert page.detail.request_button.isEnabled()
    page.detail.request_button.click()
    assert page.table.selected_row() == request


def test_go_to_response_clears_filters_that_hide_it(page: LogPage, traffic: list[RpcEntry]) -> None:
    choose(page.filters.direction_combo, "Sent")
    page.table.select(next(row for row, e in enumerate(shown(page)) if e.method == "tools/list"))
    page.detail.response_button.click()
    assert page.model.entry_at(page.table.selected_row()).kind is EntryKind.RESPONSE
    assert page.filters.direction_combo.currentText() == "All directions"
    assert page.message.text == "The filters were cleared to show that message."


def test_timed_out_request_has_no_answer(page: LogPage, traffic: list[RpcEntry]) -> None:
    page.table.select(next(row for row, e in enumerate(traffic) if e.server == "weather" and e.rpc_id == "1"))
    page.detail.response_button.click()
    assert page.detail.message.text == "No answer to this request has arrived."


def test_copy_puts_the_message_on_the_clipboard(page: LogPage, traffic: list[RpcEntry]) -> None:
    page.table.select(1)
    page.detail.copy_button.click()
    assert QGuiApplication.clipboard().text() == traffic[1].text


def test_export_writes_the_rows_shown(
    qtbot: QtBot, page: LogPage, fake_log: FakeRpcLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offered: list[str] = []

    def save_as(_parent: object, _title: str, name: str, _filters: str) -> tuple[str, str]:
        offered.append(name)
        return str(tmp_path / "weather-log"), "JSON Lines (*.jsonl)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    choose(page.filters.server_combo, "weather")
    page.export_button.click()
    qtbot.waitUntil(lambda: page.message.text.startswith("Saved"))
    path = tmp_path / "weather-log.jsonl"
    assert page.message.text == f"Saved {page.model.rowCount()} messages to {path}."
    assert Path(offered[0]).name.startswith("mcp-desk-log-") and offered[0].endswith(".jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [RpcEntry.from_json(line) for line in lines] == page.model.visible()


def test_export_failure_is_explained(
    qtbot: QtBot, page: LogPage, fake_log: FakeRpcLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_log.fail_export = ServerProblem("MCP Desk could not write to that folder.", "EACCES")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_: (str(tmp_path / "x.jsonl"), ""))
    page.export_button.click()
    qtbot.waitUntil(lambda: page.message.text == "MCP Desk could not write to that folder.")


def test_a_flood_is_shown_and_memory_stays_bounded(
    qtbot: QtBot, page: LogPage, fake_log: FakeRpcLog, traffic: list[RpcEntry], wire: Wire
) -> None:
    flood = wire.many(20_000)
    fake_log.publish(flood)
    qtbot.waitUntil(lambda: page.model.rowCount() == len(traffic) + 20_000)
    for _ in range(3):
        fake_log.publish(wire.many(20_000))
    newest = wire.many(1)
    fake_log.publish(newest)
    qtbot.waitUntil(lambda: page.model.entry_at(page.model.rowCount() - 1) == newest[0])
    assert page.model.total() <= MAX_ENTRIES
    assert page.model.rowCount() <= MAX_ENTRIES
    assert page.model.row_of_seq(traffic[0].seq) == -1
    assert page.model.row_of_seq(newest[0].seq) == page.model.rowCount() - 1


def test_auto_scroll_follows_unless_scrolled_up(
    qtbot: QtBot, window: MainWindow, page: LogPage, fake_log: FakeRpcLog, wire: Wire
) -> None:
    window.show()
    window.show_area("log")
    bar = page.table.verticalScrollBar()
    fake_log.publish(wire.many(500))
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    bar.setValue(0)
    fake_log.publish(wire.many(500))
    qtbot.waitUntil(lambda: page.model.rowCount() > 1000)
    assert bar.value() == 0


def test_clear_empties_the_view_only(page: LogPage, fake_log: FakeRpcLog) -> None:
    page.clear_button.click()
    assert page.model.rowCount() == 0
    assert page.stack.currentWidget() is page.empty
    assert fake_log.ring, "the log itself is untouched"


def test_a_past_day_is_shown_while_live_messages_wait(
    qtbot: QtBot, window: MainWindow, fake_log: FakeRpcLog, traffic: list[RpcEntry], attach: Attach
) -> None:
    yesterday = sample_traffic(Wire(start=traffic[0].time - 86400, first_seq=1000))[:4]
    fake_log.day_files = {"2025-06-14": yesterday}
    fake_log.ring = list(traffic)
    attach()
    page = window.log_page
    qtbot.waitUntil(lambda: page.show_combo.count() == 2)
    page.show_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: shown(page) == yesterday)
    assert not page.live
    late = Wire(start=traffic[-1].time + 1, first_seq=traffic[-1].seq + 1).stderr("files", "while you looked")
    fake_log.publish([late])
    qtbot.waitUntil(lambda: page.waiting == 1)
    assert shown(page) == yesterday
    page.show_combo.setCurrentIndex(0)
    assert shown(page) == [*traffic, late]
    assert ("read_day", "2025-06-14") in fake_log.calls


def test_show_messages_narrows_to_one_request(page: LogPage, traffic: list[RpcEntry]) -> None:
    request = next(e for e in traffic if e.server == "files" and e.method == "tools/call")
    page.show_messages(LogFilter(server="files", rpc_id="2", since=request.time - 1))
    assert [(e.kind, e.rpc_id) for e in shown(page)] == [(EntryKind.REQUEST, "2"), (EntryKind.RESPONSE, "2")]
    assert page.table.selected_row() == 0
    assert page.filters.server_combo.currentText() == "files"
    assert page.filters.request_chip.isVisibleTo(page)
    assert page.filters.request_label.text() == "Only messages of request 2"
    page.filters.request_clear.click()
    assert not page.filters.request_chip.isVisibleTo(page)
    assert {e.server for e in shown(page)} == {"files"}
    assert len(shown(page)) > 2


def test_show_messages_says_when_they_are_gone(page: LogPage) -> None:
    page.show_messages(LogFilter(server="files", rpc_id="99", since=1_000_000.0))
    assert page.model.rowCount() == 0
    assert "no longer in the log" in page.message.text


def test_message_colours_keys_strings_numbers_and_literals(page: LogPage, traffic: list[RpcEntry]) -> None:
    row = next(row for row, e in enumerate(traffic) if e.rpc_id == "3" and e.kind is EntryKind.RESPONSE)
    page.table.select(row)
    view = page.detail.message_view
    document = view.document()
    assert view.highlighter.document() is document

    def colours(line: str) -> list[str]:
        block = document.findBlock(document.toPlainText().index(line))
        return [r.format.foreground().color().name() for r in block.layout().formats()]

    key, string = colours('"type": "text"')
    assert key != string
    key_again, number = colours('"id": 3')
    assert key_again == key and number not in (key, string)
    _, literal = colours('"isError": true')
    assert literal not in (key, string, number)
    page.table.select(next(row for row, e in enumerate(traffic) if e.kind is EntryKind.STDERR))
    assert view.highlighter.document() is None, "plain text is not coloured"


def test_log_limits_are_saved_and_a_refused_change_is_undone(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, attach: Attach
) -> None:
    settings = window.settings_page
    assert not settings.keep_days_box.isEnabled()
    attach()
    assert (settings.keep_days_box.value(), settings.max_mb_box.value()) == (7, 256)
    assert (settings.keep_days_box.minimum(), settings.keep_days_box.maximum()) == (1, 365)
    assert (settings.max_mb_box.minimum(), settings.max_mb_box.maximum()) == (8, 100_000)
    settings.keep_days_box.setValue(30)
    settings.max_mb_box.setValue(1024)  # before the first change is saved
    qtbot.waitUntil(lambda: len(fake.calls) == 2)
    assert (fake.settings.log_keep_days, fake.settings.log_max_mb) == (30, 1024)
    fake.fail_settings = ServerProblem("MCP Desk could not save your settings.", "disk full")
    settings.keep_days_box.setValue(2)
    qtbot.waitUntil(lambda: settings.keep_days_box.value() == 30)
    qtbot.waitUntil(lambda: window.banner.message_label.text() == "MCP Desk could not save your settings.")


def test_set_filter_shows_every_field_in_the_controls(page: LogPage) -> None:
    where = LogFilter(
        server="weather",
        direction=Direction.IN,
        kind=EntryKind.RESPONSE,
        method="init",
        problems_only=True,
        text="410",
    )
    page.filters.set_filter(where)
    filters = page.filters
    assert filters.server_combo.currentText() == "weather"
    assert filters.direction_combo.currentText() == "Received"
    assert filters.kind_combo.currentText() == "Responses"
    assert (filters.method_box.text(), filters.text_box.text()) == ("init", "410")
    assert filters.problems_box.isChecked()
    assert filters.current() == where
    assert page.model.filter == where
