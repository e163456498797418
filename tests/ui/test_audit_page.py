"""The Audit page against a fake trail: queries, live records, checking, export, and the Log link."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog
from pytestqt.qtbot import QtBot

from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord, Finding, VerifyReport
from desktop.core.rpc_log import EntryKind, LogFilter, RpcEntry
from desktop.ui.main_window import MainWindow
from desktop.ui.models.audit_table_model import Column
from desktop.ui.pages.audit_page import AuditPage
from desktop.ui.pages.log_page import day_of
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeAudit, FakeRpcLog
from tests.ui.samples import Wire, sample_traffic, sample_trail

CALL_AT = 1_750_000_000.0


@pytest.fixture
def page(qtbot: QtBot, window: MainWindow, fake_audit: FakeAudit, attach: Attach) -> AuditPage:
    """The Audit page after start-up, showing the sample trail."""
    sample_trail(fake_audit, CALL_AT)
    attach()
    qtbot.waitUntil(lambda: window.audit_page.model.rowCount() == len(fake_audit.records))
    return window.audit_page


def shown(page: AuditPage) -> list[AuditRecord]:
    return [page.model.record_at(row) for row in range(page.model.rowCount())]


def row_of(page: AuditPage, kind: AuditKind, decision: str | None = None) -> int:
    return next(
        row
        for row, record in enumerate(shown(page))
        if record.kind is kind and (decision is None or record.data.get("decision") == decision)
    )


def choose(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered"
    combo.setCurrentIndex(index)


def last_query(fake_audit: FakeAudit) -> AuditFilter:
    return next(call[1] for call in reversed(fake_audit.calls) if call[0] == "query")


def test_empty_state_when_nothing_was_recorded(qtbot: QtBot, window: MainWindow, attach: Attach) -> None:
    attach()
    page = window.audit_page
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.empty)
    assert page.empty.title_label.text() == "Nothing recorded yet"


def test_rows_say_what_happened(page: AuditPage) -> None:
    model = page.model
    denied = row_of(page, AuditKind.TOOL_CALL, "denied")
    allowed = row_of(page, AuditKind.TOOL_CALL, "allowed")
    result = row_of(page, AuditKind.TOOL_RESULT)
    assert model.index(denied, Column.WHAT).data() == "files › write_file was denied by you."
    assert model.index(denied, Column.OUTCOME).data() == "Denied"
    assert model.index(denied, Column.WHAT).data(Qt.ItemDataRole.ToolTipRole) == (
        "files › write_file was denied by you.\nYour reason: “You said no.”\n"
        'It would have been given: path = "notes/todo.txt", text = "".'
    )
    assert model.index(denied, Column.WHAT).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(allowed, Column.OUTCOME).data() == "Allowed"
    assert model.index(allowed, Column.WHAT).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(result, Column.OUTCOME).data() == "Succeeded"
    assert model.index(0, Column.WHAT).data() == "“files” was added."
    assert model.index(0, Column.SEQ).data() == "1"


def test_filters_query_the_trail(qtbot: QtBot, page: AuditPage, fake_audit: FakeAudit) -> None:
    choose(page.kind_combo, "Tool calls (allowed or denied)")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert last_query(fake_audit) == AuditFilter(kind=AuditKind.TOOL_CALL)
    choose(page.server_combo, "weather")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert last_query(fake_audit) == AuditFilter(kind=AuditKind.TOOL_CALL, server="weather")
    assert page.stack.currentWidget() is not page.empty, "an empty result is not “nothing recorded”"
    choose(page.kind_combo, "All records")
    choose(page.server_combo, "All servers")
    qtbot.keyClicks(page.search_box, "todo.txt")
    qtbot.waitUntil(lambda: last_query(fake_audit) == AuditFilter(text="todo.txt"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert {record.kind for record in shown(page)} == {AuditKind.TOOL_CALL}


def test_new_records_appear_when_they_match(qtbot: QtBot, page: AuditPage, fake_audit: FakeAudit) -> None:
    choose(page.server_combo, "files")
    qtbot.waitUntil(lambda: {record.server for record in shown(page)} == {"files"})
    before = page.model.rowCount()
    fake_audit.emit(AuditKind.SERVER_ADDED, CALL_AT + 100, server="time", command="uvx mcp-server-time")
    fake_audit.emit(AuditKind.SERVER_CHANGED, CALL_AT + 101, server="files", command="python -m files")
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1)
    assert shown(page)[-1].kind is AuditKind.SERVER_CHANGED
    assert page.server_combo.findText("time") > 0, "servers seen in records can be chosen"


def test_detail_shows_data_and_fingerprints(page: AuditPage, fake_audit: FakeAudit) -> None:
    row = row_of(page, AuditKind.TOOL_CALL, "allowed")
    record = shown(page)[row]
    page.table.select(row)
    detail = page.detail
    assert detail.summary_label.text() == "files › read_file was allowed by you."
    assert detail.story_label.text() == 'It was given: path = "notes/todo.txt".'
    assert not detail.data_view.isVisibleTo(detail), "the JSON waits behind a toggle"
    assert detail.technical.toggle.text() == "Show technical details"
    detail.technical.toggle.click()
    assert detail.data_view.isVisibleTo(detail)
    assert detail.technical.toggle.text() == "Hide technical details"
    assert json.loads(detail.data_view.toPlainText()) == record.data
    assert '\n  "tool": "read_file",' in detail.data_view.toPlainText()
    assert record.hash in detail.chain_label.text()
    assert record.prev_hash in detail.chain_label.text()
    assert detail.messages_button.isVisibleTo(page) and detail.messages_button.isEnabled()
    page.table.select(row_of(page, AuditKind.TOOL_CALL, "denied"))
    assert not detail.messages_button.isEnabled()
    assert "denied" in detail.messages_button.toolTip()
    page.table.select(0)
    assert not detail.messages_button.isVisibleTo(page)


def test_check_the_trail_when_intact(qtbot: QtBot, page: AuditPage, fake_audit: FakeAudit) -> None:
    fake_audit.report = VerifyReport(True, 6, message="All 6 records are intact.")
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.message.text == "All 6 records are intact.")
    assert page.verify_button.isEnabled()
    assert ("verify",) in fake_audit.calls


def test_check_the_trail_when_changed(qtbot: QtBot, page: AuditPage, fake_audit: FakeAudit) -> None:
    message = "Record 4 was changed after it was written. The records after it can't be trusted."
    fake_audit.report = VerifyReport(False, 6, first_bad=4, message=message)
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.message.text.startswith(message))
    assert "Export the trail now" in page.message.text, "a tamper alert says what to do next"
    assert shown(page)[page.table.selected_row()].seq == 4


def test_check_the_trail_on_a_new_computer_is_no_tamper_alert(
    qtbot: QtBot, page: AuditPage, fake_audit: FakeAudit
) -> None:
    message = (
        "This computer's keyring does not have the key that sealed records 1 to 5 (as on a new computer)."
    )
    fake_audit.report = VerifyReport(False, 6, message=message, finding=Finding.KEY_MISSING)
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.message.text == message)
    assert "edited or damaged" not in page.message.text


@pytest.mark.parametrize(
    ("chosen", "chosen_filter", "saved_as", "fmt"),
    [
        ("trail", "JSON Lines (*.jsonl)", "trail.jsonl", "jsonl"),
        ("trail", "CSV (spreadsheet) (*.csv)", "trail.csv", "csv"),
        ("trail.csv", "JSON Lines (*.jsonl)", "trail.csv", "csv"),
    ],
)
def test_export_in_the_chosen_format(
    qtbot: QtBot,
    page: AuditPage,
    fake_audit: FakeAudit,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chosen: str,
    chosen_filter: str,
    saved_as: str,
    fmt: str,
) -> None:
    offered: list[str] = []

    def save_as(_parent: object, _title: str, name: str, filters: str) -> tuple[str, str]:
        offered.extend((name, filters))
        return str(tmp_path / chosen), chosen_filter

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    page.export_button.click()
    path = tmp_path / saved_as
    qtbot.waitUntil(lambda: page.message.text == f"Saved 6 records to {path}.")
    assert ("export", path, fmt, None) in fake_audit.calls
    assert Path(offered[0]).name.startswith("mcp-desk-audit-")
    assert offered[1] == "JSON Lines (*.jsonl);;CSV (spreadsheet) (*.csv)"
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file)) if fmt == "csv" else [json.loads(line) for line in file]
    assert [int(row["seq"]) for row in rows] == [1, 2, 3, 4, 5, 6]


def test_show_its_messages_opens_the_log_at_that_request(
    qtbot: QtBot, window: MainWindow, fake_audit: FakeAudit, fake_log: FakeRpcLog, attach: Attach
) -> None:
    traffic = sample_traffic(Wire(start=CALL_AT - 1))
    request = next(e for e in traffic if e.server == "files" and e.rpc_id == "2")
    fake_log.ring = traffic
    sample_trail(fake_audit, request.time)
    attach()
    page = window.audit_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 6)
    for kind in (AuditKind.TOOL_RESULT, AuditKind.TOOL_CALL):
        window.show_area("audit")
        page.table.select(row_of(page, kind, "allowed" if kind is AuditKind.TOOL_CALL else None))
        with qtbot.waitSignal(page.messages_requested) as asked:
            page.detail.messages_button.click()
        assert asked.args == [LogFilter(server="files", rpc_id="2", since=request.time - 1)]
        assert window.log_page.parentWidget() is window.pages.currentWidget()
        log = window.log_page
        rows = [log.model.entry_at(row) for row in range(log.model.rowCount())]
        assert [(e.kind, e.rpc_id) for e in rows] == [(EntryKind.REQUEST, "2"), (EntryKind.RESPONSE, "2")]
        assert log.model.entry_at(log.table.selected_row()) == request
        assert log.filters.request_label.text() == "Only messages of request 2"


def test_show_its_messages_finds_an_older_day(
    qtbot: QtBot, window: MainWindow, fake_audit: FakeAudit, fake_log: FakeRpcLog, attach: Attach
) -> None:
    traffic: list[RpcEntry] = sample_traffic(Wire(start=CALL_AT - 1))
    request = next(e for e in traffic if e.server == "files" and e.rpc_id == "2")
    fake_log.day_files = {day_of(request.time): traffic}
    sample_trail(fake_audit, request.time)
    attach()
    page = window.audit_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 6 and window.log_page.show_combo.count() == 2)
    page.table.select(row_of(page, AuditKind.TOOL_RESULT))
    page.detail.messages_button.click()
    log = window.log_page
    qtbot.waitUntil(lambda: log.table.selected_row() == 0)
    assert not log.live
    assert log.model.entry_at(0) == request


SEAL_FINDINGS = {
    "cut": VerifyReport(
        False,
        6,
        first_bad=7,
        finding=Finding.CUT,
        message="Records after 6 were cut off: MCP Desk had written 10 records by 2026-12-06 07:15. "
        "What the file holds now: All 6 records are intact.",
    ),
    "replaced": VerifyReport(
        False,
        3,
        first_bad=1,
        finding=Finding.REPLACED,
        message="This is not the audit trail MCP Desk was keeping on this computer: that one had 10 records "
        "by 2026-12-06 07:15, and it was replaced or removed. "
        "What the file holds now: All 3 records are intact.",
    ),
    "key-missing": VerifyReport(
        False,
        8,
        finding=Finding.KEY_MISSING,
        message="This computer's keyring does not have the key that sealed records 1 to 5 (as happens on a "
        "new computer). For those, MCP Desk can only check that none is missing or out of place, and none "
        "is; it can't rule out that someone rewrote them. Records 6 to 8 are sealed with this computer's "
        "key and intact.",
    ),
}


@pytest.mark.parametrize("finding", SEAL_FINDINGS)
def test_screenshots_of_what_a_check_found(
    qtbot: QtBot, window: MainWindow, page: AuditPage, fake_audit: FakeAudit, finding: str
) -> None:
    """tests/artifacts/audit-found-*.png: each finding in words, the whole sentence readable."""
    fake_audit.report = SEAL_FINDINGS[finding]
    window.resize(1200, 800)
    window.show()
    window.show_area("audit")
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.message.text.startswith(fake_audit.report.message))
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    assert window.grab().save(str(artifacts / f"audit-found-{finding}.png"))
