"""Importing a file “Export everything” made: the passphrase, what would change, then Import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.core.problem import Problem
from desktop.ui.style import heading, hint, pad, selectable
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.core.settings_bundle import ImportPreview
    from desktop.core.settings_keeper import KeepingControl
    from desktop.ui.bridge import Bridge


class ImportEverythingDialog(QDialog):
    """Nothing changes until the user has seen what would and pressed Import."""

    def __init__(
        self, bridge: Bridge, keeping: KeepingControl, path: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge, self._keeping, self._path = bridge, keeping, path
        self._preview: ImportPreview | None = None
        self.setWindowTitle(self.tr("Import everything"))
        self.setMinimumWidth(540)
        self.passphrase_edit = QLineEdit(self)
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName(self.tr("Passphrase"))
        self.passphrase_edit.setToolTip(self.tr("The passphrase typed when the file was exported"))
        self.preview_label = selectable(QLabel(self))
        self.preview_label.setAccessibleName(self.tr("What the import changes"))
        self.preview_label.hide()
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.open_button = self.buttons.addButton(self.tr("Open"), QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setToolTip(self.tr("Unlock the file and show what importing it would change"))
        self.open_button.setDefault(True)
        self.import_button = self.buttons.addButton(self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setToolTip(
            self.tr("Add the file's servers, settings, permissions and secrets here")
        )
        self.import_button.setEnabled(False)
        self.import_button.hide()
        self._lay_out(path)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.passphrase_edit.returnPressed.connect(self._on_open_button_clicked)
        self.passphrase_edit.textChanged.connect(self._on_passphrase_edit_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _lay_out(self, path: Path) -> None:
        form = QFormLayout()
        form.addRow(self.tr("File:"), selectable(QLabel(str(path), self)))
        form.addRow(self.tr("Passphrase:"), self.passphrase_edit)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(heading(self.windowTitle(), self))
        layout.addWidget(
            hint(
                self.tr(
                    "Servers in the file are added, or replace the ones with the same name; servers only "
                    "on this computer stay. Secrets go into this computer's keychain."
                ),
                self,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _on_passphrase_edit_text_changed(self, _text: str) -> None:
        self._preview = None
        self.preview_label.hide()
        self.import_button.setEnabled(False)
        self.import_button.hide()
        self.open_button.show()
        self.open_button.setDefault(True)

    def _on_open_button_clicked(self) -> None:
        self.message.show_info(self.tr("Unlocking…"))
        self.open_button.setEnabled(False)
        self._bridge.call(
            self._keeping.preview_import(self._path, self.passphrase_edit.text()),
            self._on_opened,
            self._on_problem,
        )

    def _on_opened(self, preview: ImportPreview) -> None:
        self._preview = preview
        self.message.clear()
        self.preview_label.setText("\n".join(preview.lines()))
        self.preview_label.show()
        self.open_button.setEnabled(True)
        self.open_button.hide()
        self.import_button.setEnabled(True)
        self.import_button.show()
        self.import_button.setDefault(True)
        self.adjustSize()

    def _on_buttons_accepted(self) -> None:
        if self._preview is None:
            return
        self.import_button.setEnabled(False)
        self._bridge.call(self._keeping.apply_import(self._preview), self._on_imported, self._on_problem)

    def _on_imported(self, _none: None) -> None:
        self.preview_label.hide()
        self.passphrase_edit.blockSignals(True)
        self.passphrase_edit.clear()
        self.passphrase_edit.blockSignals(False)
        self.passphrase_edit.setEnabled(False)
        self.message.show_info(
            self.tr(
                "Imported. The servers, settings, permissions and secrets in the file are on this "
                "computer now."
            )
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Close"))
        self.open_button.hide()
        self.import_button.hide()
        self.adjustSize()

    def _on_problem(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self.open_button.setEnabled(True)
        self.import_button.setEnabled(self._preview is not None)
        self.adjustSize()
