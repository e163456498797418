"""A read-only table of records (log entries, audit records): whole rows, one at a time."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtGui import QFontMetrics, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop.core.service_loop import services_stand_by


class RecordTable(QTableView):
    """Rows of equal height, no wrapping and fixed column widths, so very long tables stay fast.

    `samples` holds the widest text expected in each column but the last, which takes the rest.
    """

    def __init__(
        self, model: QAbstractItemModel, name: str, samples: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setAccessibleName(name)
        rows = self.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(QFontMetrics(self.font()).height() + 6)
        columns = self.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setHighlightSections(False)
        metrics = QFontMetrics(self.font())
        for column, sample in enumerate(samples):
            self.setColumnWidth(column, metrics.horizontalAdvance(sample) + 14)

    def paintEvent(self, event: QPaintEvent) -> None:
        """A paint asks the model for every visible cell, a call into Python each: under a
        flood of log entries the service loop stands by meanwhile (see `services_stand_by`)."""
        with services_stand_by():
            super().paintEvent(event)

    def selected_row(self) -> int:
        """The selected row, or -1."""
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def select(self, row: int) -> None:
        """Select `row` and scroll it into view."""
        self.selectRow(row)
        self.scrollTo(self.model().index(row, 0))
