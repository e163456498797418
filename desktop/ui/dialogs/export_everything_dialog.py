"""“Export everything”: one file with the servers, settings, permissions and their secrets, locked
with a passphrase the user types twice."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.ui.style import heading, hint, pad
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.core.settings_bundle import ExportResult
    from desktop.core.settings_keeper import KeepingControl
    from desktop.ui.bridge import Bridge

EXTENSION = "mcpdesk"
MIN_LENGTH = 8
"""As `settings_keeper.MIN_PASSPHRASE`, which the service side enforces."""


def strength(passphrase: str) -> str:
    """A word on how hard the passphrase is to guess: length counts most, then kinds of characters."""
    kinds = sum(
        any(test(c) for c in passphrase) for test in (str.islower, str.isupper, str.isdigit, str.isspace)
    ) + any(not c.isalnum() and not c.isspace() for c in passphrase)
    if len(passphrase) < MIN_LENGTH:
        return QCoreApplication.translate(
            "ExportEverythingDialog",
            "Too short: use at least 8 characters. A few unrelated words are easy to remember.",
        )
    if len(passphrase) >= 16 or (len(passphrase) >= 12 and kinds >= 3):
        return QCoreApplication.translate("ExportEverythingDialog", "Strong.")
    if len(passphrase) >= 12 or kinds >= 3:
        return QCoreApplication.translate(
            "ExportEverythingDialog", "Fair: another word or two would make it much harder to guess."
        )
    return QCoreApplication.translate("ExportEverythingDialog", "Weak: easy to guess. Add a few more words.")


class ExportEverythingDialog(QDialog):
    def __init__(self, bridge: Bridge, keeping: KeepingControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge, self._keeping = bridge, keeping
        self.setWindowTitle(self.tr("Export everything"))
        self.setMinimumWidth(540)
        self.passphrase_edit = self._secret_edit(self.tr("Passphrase"))
        self.again_edit = self._secret_edit(self.tr("The same passphrase again"))
        self.show_box = QCheckBox(self.tr("Show what I type"), self)
        self.strength_label = hint(parent=self)
        self.strength_label.setAccessibleName(self.tr("How strong the passphrase is"))
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.addButton(
            self.tr("Choose where to save…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setToolTip(self.tr("Choose a file name and folder, then save the locked file there"))
        self.form = QWidget(self)
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Passphrase:"), self.passphrase_edit)
        form.addRow(self.tr("Again:"), self.again_edit)
        form.addRow("", self.show_box)
        form.addRow("", self.strength_label)
        self._lay_out()
        self.passphrase_edit.textChanged.connect(self._on_passphrase_edit_text_changed)
        self.show_box.toggled.connect(self._on_show_box_toggled)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self._on_passphrase_edit_text_changed("")

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(heading(self.windowTitle(), self))
        layout.addWidget(
            hint(
                self.tr(
                    "One file with your servers, settings, permissions and the secrets they use, locked "
                    "with a passphrase. Import it on another computer, or keep it as a copy. Without the "
                    "passphrase nobody can open it, you included: write it down somewhere safe."
                ),
                self,
            )
        )
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _secret_edit(self, name: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setAccessibleName(name)
        edit.setToolTip(name)
        return edit

    def _on_passphrase_edit_text_changed(self, text: str) -> None:
        self.strength_label.setText(strength(text))

    def _on_show_box_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase_edit.setEchoMode(mode)
        self.again_edit.setEchoMode(mode)

    def _on_buttons_accepted(self) -> None:
        passphrase = self.passphrase_edit.text()
        if len(passphrase) < MIN_LENGTH:
            self.message.show_problem(self.tr("Use a passphrase of at least 8 characters."))
        elif self.again_edit.text() != passphrase:
            self.message.show_problem(self.tr("The two passphrases differ. Type the same one in both boxes."))
        else:
            self._choose_file(passphrase)

    def _choose_file(self, passphrase: str) -> None:
        suggested = Path.home() / f"mcp-desk-{time.strftime('%Y%m%d')}.{EXTENSION}"
        chosen, _filter = QFileDialog.getSaveFileName(
            self,
            self.windowTitle(),
            str(suggested),
            self.tr("MCP Desk export (*.%1)").replace("%1", EXTENSION),
        )
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix != f".{EXTENSION}":
            path = path.with_name(f"{path.name}.{EXTENSION}")
        self.message.show_info(self.tr("Locking and saving…"))
        self.save_button.setEnabled(False)
        self._bridge.call(self._keeping.export_to(path, passphrase), self._on_exported, self._on_problem)

    def _on_exported(self, done: ExportResult) -> None:
        self.message.show_info(
            self.tr("Saved to %1 (servers: %2, permissions: %3, secrets: %4). Keep the passphrase safe.")
            .replace("%1", str(done.path))
            .replace("%2", str(done.servers))
            .replace("%3", str(done.permissions))
            .replace("%4", str(done.secrets))
        )
        self.passphrase_edit.clear()
        self.again_edit.clear()
        for widget in (self.form, self.save_button):
            widget.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Close"))
        self.adjustSize()

    def _on_problem(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self.save_button.setEnabled(True)
