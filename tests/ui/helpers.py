"""Finding what the user would see: open dialogs, all visible text."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)
from pytestqt.qtbot import QtBot

W = TypeVar("W", bound=QWidget)


def open_dialogs(kind: type[W]) -> list[W]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def wait_for_dialog(qtbot: QtBot, kind: type[W]) -> W:
    qtbot.waitUntil(lambda: len(open_dialogs(kind)) == 1)
    dialog = open_dialogs(kind)[0]
    qtbot.waitExposed(dialog)
    return dialog


def all_text(widget: QWidget) -> str:
    """Every piece of text a user could read in `widget`, visible or one click away."""
    parts: list[str] = [widget.windowTitle()]
    for child in widget.findChildren(QWidget):
        if isinstance(child, QLabel | QAbstractButton | QLineEdit):
            parts.append(child.text())
        elif isinstance(child, QPlainTextEdit):
            parts.append(child.toPlainText())
        elif isinstance(child, QTableWidget):
            items = (child.item(r, c) for r in range(child.rowCount()) for c in range(child.columnCount()))
            parts.extend(item.text() for item in items if item is not None)
        elif isinstance(child, QTreeWidget):
            parts.extend(item.text(c) for item in _tree_items(child) for c in range(child.columnCount()))
        parts.append(child.toolTip())
    return "\n".join(parts)


def top_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    return [item for index in range(tree.topLevelItemCount()) if (item := tree.topLevelItem(index))]


def child_items(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [child for index in range(item.childCount()) if (child := item.child(index))]


def _tree_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    return [item for top in top_items(tree) for item in (top, *child_items(top))]
