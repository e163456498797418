"""A tool's structured result as people read it: a list of like things as a table, anything else as a tree.

Shown only for data that matched the tool's promised shape; everything in it came from a server,
so it is set as plain text in the cells, never read as HTML.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.style import hint

MAX_ROWS = 500
"""Rows or branches shown; the Result box above has the rest."""
MAX_HEIGHT = 260


def is_table(value: Any) -> bool:
    """A list of objects with nothing nested in them (or one such object): rows and columns."""
    rows = value if isinstance(value, list) else [value]
    return bool(rows) and all(
        isinstance(row, dict) and all(not isinstance(v, dict | list) for v in row.values()) for row in rows
    )


def cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return json.dumps(value, ensure_ascii=False)


def structured_view(value: Any, parent: QWidget | None = None) -> QWidget:
    return _table(value, parent) if is_table(value) else _tree(value, parent)


class StructuredHolder(QWidget):
    """Where a card shows its structured result; empty (and hidden) for None."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._value: Any = None
        self.caption = hint(parent=self)
        self._layout.addWidget(self.caption)
        self.view: QWidget | None = None
        self.setVisible(False)

    def show_value(self, value: Any) -> None:
        if value == self._value and (self.view is None) == (value is None):
            return
        self._value = value
        if self.view is not None:
            self.view.deleteLater()
            self.view = None
        if value is not None:
            self.view = structured_view(value, self)
            self._layout.addWidget(self.view)
        caption = (
            self.tr("The result as a table:") if is_table(value) else self.tr("The result, item by item:")
        )
        self.caption.setText(caption if self.view else "")
        self.setVisible(self.view is not None)


def _table(value: Any, parent: QWidget | None) -> QTableWidget:
    rows: list[dict[str, Any]] = (value if isinstance(value, list) else [value])[:MAX_ROWS]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    if len(rows) == 1:  # one object reads better as name and value, one per line
        rows, columns = [{"Name": _heading(k), "Value": v} for k, v in rows[0].items()], ["Name", "Value"]
    table = QTableWidget(len(rows), len(columns), parent)
    table.setHorizontalHeaderLabels([_heading(column) for column in columns])
    for r, row in enumerate(rows):
        for c, column in enumerate(columns):
            value = row.get(column, "")
            item = QTableWidgetItem(cell_text(value))
            if isinstance(value, int | float) and not isinstance(value, bool):  # numbers line up on the right
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAccessibleName(table.tr("The result as a table"))
    _fit_height(table, table.verticalHeader().length() + table.horizontalHeader().height())
    return table


def _tree(value: Any, parent: QWidget | None) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setHeaderLabels([tree.tr("Name"), tree.tr("Value")])
    tree.setColumnCount(2)
    _branch(tree.invisibleRootItem(), value)
    tree.expandToDepth(1)
    tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setAccessibleName(tree.tr("The result as a tree"))
    _fit_height(tree, MAX_HEIGHT)
    return tree


def _branch(item: QTreeWidgetItem, value: Any) -> None:
    if isinstance(value, dict):
        children = [(_heading(str(key)), child) for key, child in value.items()]
    elif isinstance(value, list):
        children = [(f"#{n + 1}", child) for n, child in enumerate(value)]
    else:
        return
    for name, child in children[:MAX_ROWS]:
        nested = isinstance(child, dict | list)
        leaf = QTreeWidgetItem(item, [name, "" if nested else cell_text(child)])
        if nested:
            _branch(leaf, child)


def _heading(key: str) -> str:
    """“createdAt” and “created_at” as “Created at”."""
    spaced = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in key).replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]


def _fit_height(view: QAbstractItemView, content: int) -> None:
    view.setFixedHeight(min(MAX_HEIGHT, content + 2 * view.frameWidth() + 2))
