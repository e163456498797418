"""The Settings page's “History and backup” section: earlier versions, servers lost while MCP Desk was
closed, and “Export everything” / “Import…”."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.core.problem import Problem
from desktop.ui.dialogs.export_everything_dialog import EXTENSION, ExportEverythingDialog
from desktop.ui.dialogs.history_dialog import HistoryDialog
from desktop.ui.dialogs.import_everything_dialog import ImportEverythingDialog
from desktop.ui.style import heading, hint, labelled_button
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.core.settings_keeper import KeepingControl
    from desktop.ui.bridge import Bridge


class KeepingSection(QWidget):
    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.dialog: QDialog | None = None
        """The dialog this section opened last (one at a time)."""
        self.history_button = labelled_button(
            self.tr("History…"), self.tr("See earlier versions of the settings and restore one"), self
        )
        self.export_button = labelled_button(
            self.tr("Export everything…"),
            self.tr(
                "Save servers, settings, permissions and their secrets in one file locked with a passphrase"
            ),
            self,
        )
        self.import_button = labelled_button(
            self.tr("Import…"),
            self.tr("Bring in a file made with “Export everything” on this or another computer"),
            self,
        )
        self.lost_message = InlineMessage(self)
        self.bring_back_button = labelled_button(
            self.tr("Bring them back"), self.tr("Add the servers back as they were before"), self
        )
        self.bring_back_button.hide()
        self._lay_out()
        self.history_button.clicked.connect(self._on_history_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.bring_back_button.clicked.connect(self._on_bring_back_button_clicked)

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(self.tr("History and backup"), self, scale=1.0))
        layout.addWidget(
            hint(
                self.tr(
                    "MCP Desk keeps earlier versions of its settings, so a server removed by mistake, by an "
                    "update or by another program can be brought back."
                ),
                self,
            )
        )
        lost_row = QHBoxLayout()
        lost_row.addWidget(self.lost_message, 1)
        lost_row.addWidget(self.bring_back_button)
        layout.addLayout(lost_row)
        buttons = QHBoxLayout()
        for button in self._buttons():
            button.setEnabled(False)
            buttons.addWidget(button)
        buttons.addStretch()
        layout.addLayout(buttons)

    def _buttons(self) -> tuple[QPushButton, ...]:
        return (self.history_button, self.export_button, self.import_button)

    def _keeping(self) -> KeepingControl:
        assert self._bridge.settings is not None, "services are not attached yet"
        return self._bridge.settings.keeping()

    def show_ready(self) -> None:
        """The services are there: the buttons work, and servers lost while MCP Desk was closed are named."""
        for button in self._buttons():
            button.setEnabled(True)
        lost = self._keeping().lost_servers()
        if lost is not None:
            self._say_lost(lost.names)

    def _say_lost(self, names: tuple[str, ...]) -> None:
        """Name the missing servers calmly, and offer them back: one server is “it”, more are “them”."""
        listed = ", ".join(f"“{name}”" for name in names)
        if len(names) == 1:
            said = self.tr(
                "The server %1 was removed from the settings file while MCP Desk was closed. "
                "A copy was kept, so you can bring it back."
            )
            self.bring_back_button.setText(self.tr("Bring it back"))
            self.bring_back_button.setToolTip(self.tr("Add the server back as it was before"))
        else:
            said = self.tr(
                "The servers %1 were removed from the settings file while MCP Desk was closed. "
                "A copy was kept, so you can bring them back."
            )
        self.lost_message.show_info(said.replace("%1", listed))
        self.bring_back_button.setAccessibleName(self.bring_back_button.text())
        self.bring_back_button.show()

    def _open(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.open()

    def _on_history_button_clicked(self) -> None:
        self._open(HistoryDialog(self._bridge, self._keeping(), self))

    def _on_export_button_clicked(self) -> None:
        self._open(ExportEverythingDialog(self._bridge, self._keeping(), self))

    def _on_import_button_clicked(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose the file to import"),
            str(Path.home()),
            self.tr("MCP Desk export (*.%1);;All files (*)").replace("%1", EXTENSION),
        )
        if chosen:
            self._open(ImportEverythingDialog(self._bridge, self._keeping(), Path(chosen), self))

    def _on_bring_back_button_clicked(self) -> None:
        self.bring_back_button.setEnabled(False)
        self._bridge.call(self._keeping().bring_back(), self._on_brought_back, self._on_problem)

    def _on_brought_back(self, names: tuple[str, ...]) -> None:
        self.bring_back_button.hide()
        listed = ", ".join(f"“{name}”" for name in names)
        if len(names) == 1:
            self.lost_message.show_info(self.tr("The server %1 is back.").replace("%1", listed))
        elif names:
            self.lost_message.show_info(self.tr("The servers %1 are back.").replace("%1", listed))
        else:
            self.lost_message.show_info(self.tr("Those servers are there already."))

    def _on_problem(self, problem: Problem) -> None:
        self.bring_back_button.setEnabled(True)
        self.lost_message.show_problem(problem.message)
