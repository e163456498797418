"""The Audit page: the tamper-evident trail of tool calls, approvals and changes."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.audit_records import (
    AuditControl,
    AuditFilter,
    AuditKind,
    AuditRecord,
    Finding,
    VerifyReport,
)
from desktop.core.problem import Problem
from desktop.core.rpc_log import LogFilter
from desktop.ui.bridge import Bridge
from desktop.ui.models.audit_table_model import MAX_RECORDS, AuditTableModel, matches
from desktop.ui.pages.audit_detail import AuditDetail
from desktop.ui.resources import page_icon
from desktop.ui.style import SPACING, hint, pad
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.export_button import ExportButton
from desktop.ui.widgets.filter_controls import SearchBox, ServerCombo
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.record_table import RecordTable

COLUMN_SAMPLES = [
    "9999",
    "2025-12-31 23:59:59",
    "a-server-name › a_long_tool_name was allowed once by you.",
    "a server name",
]
"""The widest text expected in each column (#, Time, What happened, Server); the outcome takes the rest."""


def messages_filter(record: AuditRecord) -> LogFilter:
    """The Log filter for a tool call's messages; exact when `record` is its result."""
    data = record.data
    rpc_id = data.get("rpc_id")
    return LogFilter(
        server=record.server,
        rpc_id=None if rpc_id is None else str(rpc_id),
        since=float(data.get("started", record.time)) - 1,
    )


class AuditPage(QWidget):
    """Records matching the filters (queried from the trail), and new ones as they are written.

    Signals:
        messages_requested(LogFilter): the user wants the Log narrowed to a tool call's messages.
    """

    messages_requested = Signal(object)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._query_number = 0
        self._wanted_seq: int | None = None
        self._arrived_during_query: list[AuditRecord] | None = None
        self._arriving: list[AuditRecord] = []
        """Records that arrived since the Qt thread last returned to its event loop."""
        self._arrivals = QTimer(self, singleShot=True, interval=0)
        self.model = AuditTableModel(self)
        self._make_controls()
        self.message = InlineMessage(self)
        self.limit_label = hint(
            self.tr("Showing the newest %1 records. Narrow the filters to find older ones.").replace(
                "%1", f"{MAX_RECORDS:,}"
            ),
            self,
        )
        self.table = RecordTable(self.model, self.tr("Audit records"), COLUMN_SAMPLES, self)
        self.table.setToolTip(
            self.tr("What was allowed, denied and changed. Select a record to see all of it.")
        )
        self.detail = AuditDetail(self)
        self.empty = EmptyState(
            self.tr("Nothing recorded yet"),
            self.tr(
                "Every tool call your assistant makes, allowed or denied, and every server you approve, "
                "add or change is written here, in a trail that can't be quietly edited. Add a server or "
                "start a chat, and the first records appear."
            ),
            page_icon("audit", QPalette.ColorRole.PlaceholderText),
            parent=self,
        )
        self.stack = QStackedWidget(self)
        self._layout()
        self._connect()
        self._update_view()

    def _make_controls(self) -> None:
        self.kind_combo = QComboBox(self)
        self.kind_combo.addItem(self.tr("All records"), "")
        for kind, label in self._kind_labels().items():
            self.kind_combo.addItem(label, kind.value)
        self.kind_combo.setToolTip(self.tr("Show only one kind of record"))
        self.kind_combo.setAccessibleName(self.tr("Kind of record"))
        self.server_combo = ServerCombo(self._bridge, self)
        self.search_box = SearchBox(
            self.tr("Search records"), self.tr("Show only records that contain this text anywhere")
        )
        self.verify_button = QPushButton(self.tr("Check the trail"), self)
        self.verify_button.setToolTip(
            self.tr("Make sure no record was changed, removed or reordered since it was written")
        )
        self.verify_button.setAccessibleName(self.tr("Check the trail"))
        self.export_button = ExportButton(
            self.tr("Save the whole trail to a file"),
            "mcp-desk-audit",
            [(self.tr("JSON Lines"), "jsonl"), (self.tr("CSV (spreadsheet)"), "csv")],
            (self.tr("record"), self.tr("records")),
            self,
        )

    def _kind_labels(self) -> dict[AuditKind, str]:
        return {
            AuditKind.TOOL_CALL: self.tr("Tool calls (allowed or denied)"),
            AuditKind.TOOL_RESULT: self.tr("Tool results"),
            AuditKind.TRUST: self.tr("Servers approved"),
            AuditKind.SERVER_ADDED: self.tr("Servers added"),
            AuditKind.SERVER_CHANGED: self.tr("Servers changed"),
            AuditKind.SERVER_REMOVED: self.tr("Servers removed"),
            AuditKind.SECRET_ADDED: self.tr("Secrets added"),
            AuditKind.SECRET_REMOVED: self.tr("Secrets removed"),
            AuditKind.RULE_ADDED: self.tr("Permissions remembered"),
            AuditKind.RULE_REVOKED: self.tr("Permissions revoked"),
            AuditKind.POLICY_CHANGED: self.tr("Server permissions changed"),
            AuditKind.ELICITATION: self.tr("Questions from servers"),
            AuditKind.SAMPLING: self.tr("Servers asking the model"),
            AuditKind.RESOURCE_READ: self.tr("Resources read"),
            AuditKind.MODEL_LOADED: self.tr("Models loaded"),
            AuditKind.MODEL_UNLOADED: self.tr("Models unloaded"),
        }

    def _layout(self) -> None:
        controls = QHBoxLayout()
        controls.setSpacing(SPACING // 2)
        controls.addWidget(self.kind_combo)
        controls.addWidget(self.server_combo)
        controls.addWidget(self.search_box, 1)
        controls.addWidget(self.verify_button)
        controls.addWidget(self.export_button)
        splitter = self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(splitter)
        layout = QVBoxLayout(self)
        pad(layout, 8)
        layout.setSpacing(SPACING // 2)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(self.limit_label)
        layout.addWidget(self.stack, 1)

    def _connect(self) -> None:
        self._bridge.services_ready.connect(self._query)
        self._bridge.audit_recorded.connect(self._on_bridge_audit_recorded)
        self.kind_combo.currentIndexChanged.connect(self._query)
        self.server_combo.server_changed.connect(self._query)
        self.search_box.text_settled.connect(self._query)
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        self.export_button.path_chosen.connect(self._on_export_button_path_chosen)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.detail.messages_requested.connect(self._on_detail_messages_requested)
        self.detail.technical.toggle.toggled.connect(self._on_detail_technical_toggled)
        self._arrivals.timeout.connect(self._on_arrivals_timeout)
        self.model.modelReset.connect(self._update_view)
        self.model.rowsInserted.connect(self._update_view)

    def current_filter(self) -> AuditFilter:
        kind = self.kind_combo.currentData()
        return AuditFilter(
            kind=AuditKind(kind) if kind else None,
            server=self.server_combo.current_server(),
            text=self.search_box.text().strip(),
        )

    def show_seq(self, seq: int) -> None:
        """Show every record again and select record number `seq` once it is there."""
        self._wanted_seq = seq
        self.kind_combo.setCurrentIndex(0)
        self.server_combo.set_server("")
        self.search_box.setText("")
        self._query()

    def _audit(self) -> AuditControl:
        assert self._bridge.audit is not None, "services are not attached yet"
        return self._bridge.audit

    def _update_view(self) -> None:
        unfiltered = self.current_filter() == AuditFilter()
        self.stack.setCurrentIndex(1 if self.model.rowCount() or not unfiltered else 0)
        self.limit_label.setVisible(self.model.rowCount() >= MAX_RECORDS)

    # -- records --------------------------------------------------------------------------

    def _query(self) -> None:
        if self._bridge.audit is None:
            return
        self._query_number += 1
        self._arrived_during_query = []
        self._bridge.call(
            self._audit().query(self.current_filter(), MAX_RECORDS),
            partial(self._on_queried, self._query_number),
            self._on_call_failed,
        )

    def _on_queried(self, number: int, records: list[AuditRecord]) -> None:
        if number != self._query_number:
            return
        self.model.set_records(records)
        self.model.append(self._arrived_during_query or ())
        self._arrived_during_query = None
        self.server_combo.add_names({record.server for record in records if record.server})
        row = self.model.row_of_seq(self._wanted_seq) if self._wanted_seq is not None else -1
        if row >= 0:
            self.table.select(row)
            self._wanted_seq = None

    def _on_bridge_audit_recorded(self, record: AuditRecord) -> None:
        """Kept for one insertion of all that arrive together (hundreds a second under load)."""
        self._arriving.append(record)
        if not self._arrivals.isActive():
            self._arrivals.start()

    def _on_arrivals_timeout(self) -> None:
        records, self._arriving = self._arriving, []
        self.server_combo.add_names({record.server for record in records if record.server})
        where = self.current_filter()
        shown = [record for record in records if matches(where, record)]
        if self._arrived_during_query is not None:
            self._arrived_during_query.extend(shown)
        self.model.append(shown)

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self.table.selected_row()
        self.detail.show_record(self.model.record_at(row) if row >= 0 else None)

    # -- the user's actions ---------------------------------------------------------------

    def _on_verify_button_clicked(self) -> None:
        self.message.clear()
        self.verify_button.setEnabled(False)
        self.verify_button.setText(self.tr("Checking…"))
        self._bridge.call(self._audit().verify(), self._on_verified, self._on_verify_failed)

    def _on_verified(self, report: VerifyReport) -> None:
        self._verify_done()
        if report.ok or report.finding is Finding.KEY_MISSING:  # a new computer: nothing found changed
            self.message.show_info(report.message)
            return
        self.message.show_problem(
            report.message
            + " "
            + self.tr(
                "The file on this computer was edited or damaged after MCP Desk wrote it. Export the "
                "trail now to keep it as it is, and keep using MCP Desk: new records are still kept."
            )
        )
        row = self.model.row_of_seq(report.first_bad) if report.first_bad is not None else -1
        if row >= 0:
            self.table.select(row)

    def _on_verify_failed(self, problem: Problem) -> None:
        self._verify_done()
        self._on_call_failed(problem)

    def _verify_done(self) -> None:
        self.verify_button.setEnabled(True)
        self.verify_button.setText(self.tr("Check the trail"))

    def _on_export_button_path_chosen(self, path: Path, fmt: str) -> None:
        self.message.clear()
        self._bridge.call(
            self._audit().export(path, fmt),
            lambda count: self.message.show_info(self.export_button.saved_text(count, path)),
            self._on_call_failed,
        )

    def _on_detail_technical_toggled(self, opened: bool) -> None:
        """The record's JSON needs room: the detail takes more of the page while it is open."""
        total = sum(self.splitter.sizes())
        detail = total * 3 // 5 if opened else total * 2 // 5
        self.splitter.setSizes([total - detail, detail])

    def _on_detail_messages_requested(self, record: AuditRecord) -> None:
        if record.kind is AuditKind.TOOL_RESULT:
            self.messages_requested.emit(messages_filter(record))
            return
        results = AuditFilter(kind=AuditKind.TOOL_RESULT, server=record.server, since=record.time)
        self._bridge.call(
            self._audit().query(results, MAX_RECORDS),
            partial(self._on_results_found, record),
            self._on_call_failed,
        )

    def _on_results_found(self, call: AuditRecord, results: list[AuditRecord]) -> None:
        result = next((r for r in results if r.data.get("call") == call.seq), None)
        self.messages_requested.emit(messages_filter(result if result is not None else call))

    def _on_call_failed(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
