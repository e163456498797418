"""A small name/value table with Add and Remove buttons (environment variables, headers)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class KeyValueTable(QWidget):
    """Rows of name and value; empty rows are ignored.

    `what` names one row in messages and tooltips, e.g. "environment variable".
    """

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._what = what
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Value")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAccessibleName(what)
        self.table.setToolTip(
            self.tr("One %1 per row, its name and its value. Double-click a cell to change it.").replace(
                "%1", what
            )
        )
        self.table.setMinimumHeight(96)
        self.table.setMaximumHeight(150)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setToolTip(self.tr("Add a row for another %1").replace("%1", what))
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setToolTip(self.tr("Remove the selected row"))
        self.remove_button.setEnabled(False)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)

    def set_items(self, items: dict[str, str]) -> None:
        self.table.setRowCount(0)
        for name, value in items.items():
            self._append(name, value)

    def items(self) -> dict[str, str]:
        """Rows with a name, in order (a later row with the same name wins)."""
        return {name: value for name, value in self._rows() if name}

    def problem(self) -> str | None:
        """A sentence about a row that can't be used, or None."""
        names = [name for name, value in self._rows() if name or value]
        if "" in names:
            return self.tr("Each %1 needs a name. Fill it in or remove the row.").replace("%1", self._what)
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            return self.tr("“%1” is listed twice. Keep one of the rows.").replace("%1", duplicates[0])
        return None

    def _rows(self) -> list[tuple[str, str]]:
        return [(self._text(row, 0).strip(), self._text(row, 1)) for row in range(self.table.rowCount())]

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _append(self, name: str, value: str) -> QTableWidgetItem:
        row = self.table.rowCount()
        self.table.insertRow(row)
        name_item = QTableWidgetItem(name)
        self.table.setItem(row, 0, name_item)
        self.table.setItem(row, 1, QTableWidgetItem(value))
        return name_item

    def _on_add_button_clicked(self) -> None:
        name_item = self._append("", "")
        self.table.setCurrentItem(name_item)
        self.table.editItem(name_item)

    def _on_remove_button_clicked(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def _on_table_selection_changed(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectedIndexes()))
