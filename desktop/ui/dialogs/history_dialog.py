"""Settings › History: the saved versions of the settings, newest first, and bringing one back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.ui.style import heading, hint, labelled_button, pad
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.core.config_history import Snapshot
    from desktop.core.settings_keeper import KeepingControl
    from desktop.ui.bridge import Bridge

NUMBER_ROLE = Qt.ItemDataRole.UserRole


def when(snapshot: Snapshot) -> str:
    """The time it was saved, on this computer's clock."""
    return snapshot.taken.astimezone().strftime("%d %b %Y, %H:%M")


class HistoryDialog(QDialog):
    """Restoring a version keeps the settings it replaces as a new version, so it can be undone.

    Signals:
        restored(int): the version that was brought back.
    """

    restored = Signal(int)

    def __init__(self, bridge: Bridge, keeping: KeepingControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge, self._keeping = bridge, keeping
        self.setWindowTitle(self.tr("Settings history"))
        self.resize(760, 460)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([self.tr("Version"), self.tr("Saved"), self.tr("What changed")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName(self.tr("Saved versions of the settings"))
        self.tree.setColumnWidth(0, 70)
        self.tree.setColumnWidth(1, 160)
        self.restore_button = labelled_button(
            self.tr("Restore this version"),
            self.tr("Make the servers and settings what they were in the chosen version"),
            self,
        )
        self.restore_button.setEnabled(False)
        self.message = InlineMessage(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addWidget(self.message, 1)
        row.addStretch()
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(heading(self.windowTitle(), self))
        layout.addWidget(
            hint(
                self.tr(
                    "MCP Desk keeps a version of its settings each time they change: the last 50, and one "
                    "a day for 30 days. Restoring one keeps the settings you have now as a version too."
                ),
                self,
            )
        )
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.tree.itemSelectionChanged.connect(self._on_tree_selection_changed)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.reload()

    def reload(self) -> None:
        self._bridge.call(self._keeping.history(), self._show, self._on_problem)

    def _show(self, snapshots: list[Snapshot]) -> None:
        self.tree.clear()
        for index, snapshot in enumerate(snapshots):
            number = str(snapshot.number) + (self.tr(" (now)") if index == 0 else "")
            item = QTreeWidgetItem([number, when(snapshot), snapshot.summary])
            item.setToolTip(2, snapshot.summary)
            item.setData(0, NUMBER_ROLE, None if index == 0 else snapshot.number)
            self.tree.addTopLevelItem(item)
        if (before := self.tree.topLevelItem(1)) is not None:
            self.tree.setCurrentItem(before)

    def _chosen(self) -> int | None:
        item = self.tree.currentItem()
        return None if item is None else item.data(0, NUMBER_ROLE)

    def _on_tree_selection_changed(self) -> None:
        self.restore_button.setEnabled(self._chosen() is not None)

    def _on_restore_button_clicked(self) -> None:
        number = self._chosen()
        if number is None:
            return
        self.message.clear()
        self.restore_button.setEnabled(False)
        self._bridge.call(
            self._keeping.restore(number), lambda _none: self._on_restored(number), self._on_problem
        )

    def _on_restored(self, number: int) -> None:
        self.message.show_info(
            self.tr("Version %1 is back. The settings you had before are kept as a version too.").replace(
                "%1", str(number)
            )
        )
        self.restored.emit(number)
        self.reload()

    def _on_problem(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self._on_tree_selection_changed()
