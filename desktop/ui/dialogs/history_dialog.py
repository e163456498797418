"""Settings › History: the saved versions of the settings, newest first, and bringing one back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.ui.dialogs.export_everything_dialog import intro, titled_layout
from desktop.ui.style import labelled_button
from desktop.ui.widgets.confirm_box import open_confirm
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.core.config_history import Snapshot
    from desktop.core.settings_keeper import KeepingControl
    from desktop.ui.bridge import Bridge

NUMBER_ROLE = Qt.ItemDataRole.UserRole
RESTORED = re.compile(r"^Restored version (\d+)(?:: (.+))?$")
"""How the service side sums up a restore: “Restored version 2: added “time””."""


def when(taken: datetime, now: datetime) -> str:
    """When a version was saved, as a person says it: how long ago, then the time to the second."""
    local = taken.astimezone()
    clock = local.strftime("%H:%M:%S")
    seconds = int((now - taken).total_seconds())
    if seconds < 60:
        ago = QCoreApplication.translate("HistoryDialog", "just now")
    elif seconds < 3600:
        minutes = seconds // 60
        ago = (
            QCoreApplication.translate("HistoryDialog", "1 minute ago")
            if minutes == 1
            else QCoreApplication.translate("HistoryDialog", "%1 minutes ago").replace("%1", str(minutes))
        )
    elif local.date() == now.astimezone().date():
        ago = QCoreApplication.translate("HistoryDialog", "today")
    else:
        return local.strftime("%d %b %Y, %H:%M:%S")
    return QCoreApplication.translate("HistoryDialog", "%1, at %2").replace("%1", ago).replace("%2", clock)


def what_changed(summary: str) -> str:
    """The summary as the list shows it: a restore says it went back to that version, so “added “time””
    after it reads as what going back did, not as what that version did."""
    match = RESTORED.match(summary)
    if match is None:
        return summary
    number, changes = match.groups()
    went_back = QCoreApplication.translate(
        "HistoryDialog", "Went back to version %1 (the settings as they were then)"
    ).replace("%1", number)
    return f"{went_back}: {changes}" if changes else went_back


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
        self.tree.setColumnWidth(1, 200)
        self.confirm_box: QMessageBox | None = None
        self._snapshots: list[Snapshot] = []
        self._chose_one = True
        """Whether the next list shown starts with the version before now chosen (not after a restore)."""
        self.restore_button = labelled_button(
            self.tr("Restore this version…"),
            self.tr("Make the servers and settings what they were in the chosen version"),
            self,
        )
        self.restore_button.setEnabled(False)
        self.message = InlineMessage(self)
        self._lay_out()
        self.tree.itemSelectionChanged.connect(self._on_tree_selection_changed)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.reload()

    def _lay_out(self) -> None:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addWidget(self.message, 1)
        row.addStretch()
        layout = titled_layout(
            self,
            intro(
                self.tr(
                    "MCP Desk keeps a version of its settings each time they change: the last 50, and one "
                    "a day for 30 days. Restoring one keeps the settings you have now as a version too."
                ),
                self,
            ),
        )
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def reload(self) -> None:
        self._bridge.call(self._keeping.history(), self._show, self._on_problem)

    def _show(self, snapshots: list[Snapshot]) -> None:
        self._snapshots = snapshots
        self.tree.clear()
        now = datetime.now(UTC)
        for index, snapshot in enumerate(snapshots):
            number = str(snapshot.number) + (self.tr(" (now)") if index == 0 else "")
            item = QTreeWidgetItem([number, when(snapshot.taken, now), what_changed(snapshot.summary)])
            item.setToolTip(1, snapshot.taken.astimezone().strftime("%d %b %Y, %H:%M:%S"))
            item.setToolTip(2, what_changed(snapshot.summary))
            item.setData(0, NUMBER_ROLE, None if index == 0 else snapshot.number)
            self.tree.addTopLevelItem(item)
        if self._chose_one and (before := self.tree.topLevelItem(1)) is not None:
            self.tree.setCurrentItem(before)
        else:
            self.tree.setCurrentItem(None)  # type: ignore[call-overload]
            self.tree.clearSelection()
        self._on_tree_selection_changed()

    def _chosen(self) -> Snapshot | None:
        item = self.tree.currentItem()
        if item is None or not item.isSelected() or item.data(0, NUMBER_ROLE) is None:
            return None
        return self._snapshots[self.tree.indexOfTopLevelItem(item)]

    def _on_tree_selection_changed(self) -> None:
        self.restore_button.setEnabled(self._chosen() is not None)

    def _on_restore_button_clicked(self) -> None:
        """Ask first: restoring changes the servers and settings (a running server may restart)."""
        chosen = self._chosen()
        if chosen is None:
            return
        number = str(chosen.number)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Restore version %1").replace("%1", number),
            self.tr("Go back to version %1, saved %2?")
            .replace("%1", number)
            .replace("%2", when(chosen.taken, datetime.now(UTC))),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setInformativeText(
            self.tr(
                "What changed in version %1: %2\n\nThe servers and settings become what they were "
                "then; a running server whose settings change restarts. The settings you have now are "
                "kept as a version, so you can come back to them."
            )
            .replace("%1", number)
            .replace("%2", what_changed(chosen.summary))
        )
        restore = box.addButton(
            self.tr("Go back to version %1").replace("%1", number), QMessageBox.ButtonRole.AcceptRole
        )
        self.confirm_box = box
        open_confirm(box, restore, self._on_confirm_box_finished)

    def _on_confirm_box_finished(self, confirmed: bool) -> None:
        self.confirm_box = None
        chosen = self._chosen()
        if not confirmed or chosen is None:
            return
        number, kept = chosen.number, self._snapshots[0].number
        self.message.clear()
        self.restore_button.setEnabled(False)
        self._bridge.call(
            self._keeping.restore(number), lambda _none: self._on_restored(number, kept), self._on_problem
        )

    def _on_restored(self, number: int, kept: int) -> None:
        self.message.show_info(
            self.tr("Went back to version %1. The settings you had just before are version %2.")
            .replace("%1", str(number))
            .replace("%2", str(kept))
        )
        self._chose_one = False
        self.restored.emit(number)
        self.reload()

    def _on_problem(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self._on_tree_selection_changed()
