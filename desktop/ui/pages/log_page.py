"""The Log page: every JSON-RPC message between MCP Desk and its servers, live or from a past day."""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Sequence
from functools import partial
from operator import attrgetter
from pathlib import Path

from PySide6.QtCore import QDate, QItemSelection, QLocale, QModelIndex, Qt, QTimer
from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.core.rpc_log import LogFilter, RpcEntry, RpcLogControl
from desktop.ui.bridge import Bridge
from desktop.ui.models.by_seq import seq_of
from desktop.ui.models.log_table_model import MAX_ENTRIES, LogTableModel
from desktop.ui.pages.log_detail import LogDetail
from desktop.ui.pages.log_filters import LogFilterBar
from desktop.ui.resources import page_icon
from desktop.ui.style import SPACING, hint, pad
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.export_button import ExportButton
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.record_table import RecordTable

COLUMN_SAMPLES = [
    "00:00:00.000",
    "a server name",
    "← received",
    "notification",
    "9999",
    "notifications/cancelled",
    "99.9 MB",
    "9,999 ms",
]
"""The widest text expected in each column (Time … Latency); Notes takes the rest."""
LIVE = ""
"""The Show choice for the live log; the others are days, YYYY-MM-DD."""
TAKE_EVERY = 0.4
"""The live table takes new messages at most this often (seconds). Each time, every visible cell is asked
of Python again; under load (8 apps calling through the gateway) such a paint could hold the window for
50-100 ms, and the log's ten batches a second made ten chances a second of it."""


def day_of(when: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(when))


class LogPage(QWidget):
    """The live log, or one day of it from the files, with filters and the selected message.

    While the page is paused or shows a past day, new messages are held (the newest
    `MAX_ENTRIES`) and appear on Resume or back on Live. `show_messages` narrows the page
    to what the Audit page asks about.
    """

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._held: deque[RpcEntry] = deque(maxlen=MAX_ENTRIES)
        self._last_seq = 0
        self._live_entries: list[RpcEntry] | None = None
        """What the live log held when a past day was chosen."""
        self._follow = True
        self._select_after_load = False
        self._arriving: list[RpcEntry] = []
        self._taken_at = 0.0
        self._intake = QTimer(self, singleShot=True)
        self.model = LogTableModel(self)
        self._make_toolbar()
        self.filters = LogFilterBar(bridge, self)
        self.message = InlineMessage(self)
        self.table = RecordTable(self.model, self.tr("JSON-RPC messages"), COLUMN_SAMPLES, self)
        self.table.setToolTip(
            self.tr("Messages between MCP Desk and your servers. Select one to read it in full.")
        )
        self.detail = LogDetail(self.model, self)
        self.empty = EmptyState(
            self.tr("Nothing logged yet"),
            self.tr(
                "Every message MCP Desk and your servers exchange will appear here as it happens: "
                "requests, answers, errors, and what the servers print. Start a server to see it."
            ),
            page_icon("log", QPalette.ColorRole.PlaceholderText),
            parent=self,
        )
        self.stack = QStackedWidget(self)
        self._layout()
        self._connect()
        self._update_view()

    def _make_toolbar(self) -> None:
        self.show_combo = QComboBox(self)
        self.show_combo.addItem(self.tr("Live"), LIVE)
        self.show_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.show_combo.setToolTip(
            self.tr("Live shows messages as they happen; a day shows what was saved that day")
        )
        self.show_combo.setAccessibleName(self.tr("Show"))
        self.pause_button = QPushButton(self.tr("Pause"), self)
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip(self.tr("Hold new messages so the table stands still while you read"))
        self.pause_button.setAccessibleName(self.tr("Pause"))
        self.waiting_label = hint(parent=self)
        self.waiting_label.setWordWrap(False)
        self.follow_box = QCheckBox(self.tr("Auto-scroll"), self)
        self.follow_box.setChecked(True)
        self.follow_box.setToolTip(
            self.tr("Keep the newest messages in view, unless you scrolled up to read older ones")
        )
        self.clear_button = QPushButton(self.tr("Clear"), self)
        self.clear_button.setToolTip(self.tr("Empty this table. The saved log files are not touched."))
        self.clear_button.setAccessibleName(self.tr("Clear"))
        self.export_button = ExportButton(
            self.tr("Save the messages shown in the table to a file"),
            "mcp-desk-log",
            [(self.tr("JSON Lines"), "jsonl")],
            (self.tr("message"), self.tr("messages")),
            self,
        )

    def _layout(self) -> None:
        toolbar = QHBoxLayout()
        toolbar.setSpacing(SPACING // 2)
        show_label = QLabel(self.tr("Show:"), self)
        show_label.setBuddy(self.show_combo)
        toolbar.addWidget(show_label)
        for widget in (self.show_combo, self.pause_button, self.follow_box, self.waiting_label):
            toolbar.addWidget(widget)
        toolbar.addStretch()
        toolbar.addWidget(self.clear_button)
        toolbar.addWidget(self.export_button)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(splitter)
        layout = QVBoxLayout(self)
        pad(layout, 8)
        layout.setSpacing(SPACING // 2)
        layout.addLayout(toolbar)
        layout.addWidget(self.filters)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)

    def _connect(self) -> None:
        bridge = self._bridge
        bridge.services_ready.connect(self._on_bridge_services_ready)
        bridge.rpc_traffic_logged.connect(self._on_bridge_rpc_traffic_logged)
        self._intake.timeout.connect(self._take_arriving)
        self.show_combo.currentIndexChanged.connect(self._on_show_combo_changed)
        self.pause_button.toggled.connect(self._on_pause_button_toggled)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self.export_button.path_chosen.connect(self._on_export_button_path_chosen)
        self.filters.filter_changed.connect(self._on_filters_filter_changed)
        self.detail.jump_requested.connect(self._on_detail_jump_requested)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.rowsAboutToBeInserted.connect(self._on_model_rows_about_to_be_inserted)
        self.model.rowsInserted.connect(self._on_model_rows_inserted)
        self.model.modelReset.connect(self._update_view)

    @property
    def live(self) -> bool:
        """True while the page shows the live log (not a past day)."""
        return str(self.show_combo.currentData()) == LIVE

    @property
    def waiting(self) -> int:
        """New messages held back while paused or showing a past day."""
        return len(self._held)

    def _rpc_log(self) -> RpcLogControl:
        assert self._bridge.rpc_log is not None, "services are not attached yet"
        return self._bridge.rpc_log

    def show_messages(self, where: LogFilter) -> None:
        """Narrow the table to `where` (a server, one request) and select its first message.

        Messages no longer in the live log are looked up in the day they were saved.
        """
        self.show_combo.setCurrentIndex(0)
        self.filters.set_filter(where)
        if self._select_first_row():
            return
        day = -1 if where.since is None else self.show_combo.findData(day_of(where.since))
        if day > 0:
            self._select_after_load = True
            self.show_combo.setCurrentIndex(day)
        else:
            self._say_gone()

    def _select_first_row(self) -> bool:
        if self.model.rowCount():
            self.table.select(0)
            return True
        return False

    def _say_gone(self) -> None:
        self.message.show_info(
            self.tr(
                "These messages are no longer in the log. MCP Desk keeps it for the number of days "
                "set in Settings."
            )
        )

    # -- arriving messages ----------------------------------------------------------------

    def _receive(self, entries: Sequence[RpcEntry]) -> None:
        if entries and entries[0].seq <= self._last_seq:  # already had these (recent() overlaps)
            entries = entries[bisect_right(entries, self._last_seq, key=seq_of) :]
        if not entries:
            return
        self._last_seq = entries[-1].seq
        self.filters.server_combo.add_names(set(map(attrgetter("server"), entries)))
        if self.live and not self.pause_button.isChecked():
            self.model.append(entries)
        else:
            self._held.extend(entries)
            self._update_waiting()

    def _show_held(self) -> None:
        if self._held:
            self.model.append(tuple(self._held))
            self._held.clear()
        self._update_waiting()

    def _update_waiting(self) -> None:
        count = len(self._held)
        if count == 0:
            self.waiting_label.clear()
        elif count == 1:
            self.waiting_label.setText(self.tr("1 new message waiting"))
        else:
            self.waiting_label.setText(self.tr("%1 new messages waiting").replace("%1", f"{count:,}"))

    def _update_view(self) -> None:
        self.stack.setCurrentIndex(1 if self.model.total() or not self.live else 0)
        self.export_button.setEnabled(self.model.rowCount() > 0)

    def _on_bridge_services_ready(self) -> None:
        self._receive(self._rpc_log().recent())
        self._list_days()

    def _on_bridge_rpc_traffic_logged(self, entries: tuple[RpcEntry, ...]) -> None:
        self._arriving.extend(entries)
        if self._intake.isActive():
            return
        wait = TAKE_EVERY - (time.monotonic() - self._taken_at)
        if wait > 0:
            self._intake.start(int(wait * 1000) + 1)
        else:
            self._take_arriving()

    def _take_arriving(self) -> None:
        entries, self._arriving = self._arriving, []
        self._taken_at = time.monotonic()
        self._receive(entries)

    def _on_model_rows_about_to_be_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        bar = self.table.verticalScrollBar()
        self._follow = bar.value() >= bar.maximum()

    def _on_model_rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        self._update_view()
        if self._follow and self.follow_box.isChecked():
            self.table.scrollToBottom()

    # -- days -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._bridge.rpc_log is not None:
            self._list_days()

    def _list_days(self) -> None:
        self._bridge.call(self._rpc_log().days(), self._on_days_listed, self._on_call_failed)

    def _on_days_listed(self, days: Iterable[str]) -> None:
        combo = self.show_combo
        chosen = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        locale = QLocale()
        for day in days:
            date = QDate.fromString(day, "yyyy-MM-dd")
            combo.addItem(
                locale.toString(date, QLocale.FormatType.LongFormat) if date.isValid() else day, day
            )
        combo.setCurrentIndex(max(0, combo.findData(chosen)))
        combo.blockSignals(False)
        if combo.currentData() != chosen:  # that day's file is gone
            self._on_show_combo_changed(combo.currentIndex())

    def _on_show_combo_changed(self, _index: int) -> None:
        self.message.clear()
        day = str(self.show_combo.currentData())
        if day == LIVE:
            if self._live_entries is not None:
                self.model.set_entries(self._live_entries)
                self._live_entries = None
            if not self.pause_button.isChecked():
                self._show_held()
            return
        if self._live_entries is None:
            self._live_entries = self.model.entries()
        self.model.clear()
        self._bridge.call(
            self._rpc_log().read_day(day), partial(self._on_day_read, day), self._on_call_failed
        )

    def _on_day_read(self, day: str, entries: list[RpcEntry]) -> None:
        if self.show_combo.currentData() != day:
            return
        self.model.set_entries(entries)
        if self._select_after_load:
            self._select_after_load = False
            if not self._select_first_row():
                self._say_gone()

    # -- the user's actions ---------------------------------------------------------------

    def _on_pause_button_toggled(self, paused: bool) -> None:
        self.pause_button.setText(self.tr("Resume") if paused else self.tr("Pause"))
        self.pause_button.setToolTip(
            self.tr("Show the messages that arrived while paused, and keep showing new ones")
            if paused
            else self.tr("Hold new messages so the table stands still while you read")
        )
        if not paused and self.live:
            self._show_held()

    def _on_clear_button_clicked(self) -> None:
        if self.live:
            self._held.clear()
        self.model.clear()
        self._update_waiting()
        self.message.clear()

    def _on_filters_filter_changed(self, where: LogFilter) -> None:
        self.message.clear()
        row = self.table.selected_row()
        selected = self.model.entry_at(row).seq if row >= 0 else None
        self.model.set_filter(where)
        if selected is not None and self.model.row_of_seq(selected) >= 0:
            self.table.select(self.model.row_of_seq(selected))

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self.table.selected_row()
        self.detail.show_entry(self.model.entry_at(row) if row >= 0 else None)

    def _on_detail_jump_requested(self, entry: RpcEntry) -> None:
        if self.model.row_of_seq(entry.seq) < 0:
            self.filters.set_filter(LogFilter())
            self.message.show_info(self.tr("The filters were cleared to show that message."))
        self.table.select(self.model.row_of_seq(entry.seq))

    def _on_export_button_path_chosen(self, path: Path, _fmt: str) -> None:
        self.message.clear()
        self._bridge.call(
            self._rpc_log().export(self.model.visible(), path),
            lambda count: self.message.show_info(self.export_button.saved_text(count, path)),
            self._on_call_failed,
        )

    def _on_call_failed(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
