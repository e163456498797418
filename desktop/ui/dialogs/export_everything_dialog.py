"""“Export everything”: one file with the servers, settings, permissions and their secrets, locked
with a passphrase the user types twice."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.ui.style import heading, labelled_button, pad, selectable
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.core.settings_bundle import ExportResult
    from desktop.core.settings_keeper import KeepingControl
    from desktop.ui.bridge import Bridge

EXTENSION = "mcpdesk"
MIN_LENGTH = 8
"""As `settings_keeper.MIN_PASSPHRASE`, which the service side enforces."""
PATH_WIDTH = 360
"""How wide a saved file's path may be shown before its middle is left out."""


def intro(text: str, parent: QWidget) -> QLabel:
    """A dialog's opening sentences: wrapped, in the usual text colour (a hint's grey looks disabled)."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    return label


def titled_layout(dialog: QDialog, words: QLabel) -> QVBoxLayout:
    """The dialog's padded column, opening with its title as a heading and then `words` (an `intro`)."""
    layout = QVBoxLayout(dialog)
    pad(layout)
    layout.addWidget(heading(dialog.windowTitle(), dialog))
    layout.addWidget(words)
    return layout


def secret_edit(name: str, parent: QWidget, tip: str | None = None) -> QLineEdit:
    """A box whose text shows as dots, named `name` for screen readers; its tooltip is `tip`, else `name`."""
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    edit.setToolTip(name if tip is None else tip)
    return edit


def show_path(label: QLabel, path: Path, width: int = PATH_WIDTH) -> None:
    """`path` on one line in `label`, its middle left out when too long; the whole path in the tooltip."""
    label.setWordWrap(False)
    label.setText(label.fontMetrics().elidedText(str(path), Qt.TextElideMode.ElideMiddle, width))
    label.setToolTip(str(path))
    label.setAccessibleName(str(path))


@dataclass(frozen=True)
class Verdict:
    """What the message under the boxes says, and whether the passphrase can be used."""

    text: str
    ready: bool = False
    warning: bool = False


def strength(passphrase: str) -> str:
    """A word on how hard the passphrase is to guess: length counts most, then kinds of characters."""
    kinds = sum(
        any(test(c) for c in passphrase) for test in (str.islower, str.isupper, str.isdigit, str.isspace)
    ) + any(not c.isalnum() and not c.isspace() for c in passphrase)
    if len(passphrase) < MIN_LENGTH:
        return (
            QCoreApplication.translate(
                "ExportEverythingDialog",
                "Too short: %1 of at least %2 characters. A few unrelated words are easy to remember.",
            )
            .replace("%1", str(len(passphrase)))
            .replace("%2", str(MIN_LENGTH))
        )
    if len(passphrase) >= 16 or (len(passphrase) >= 12 and kinds >= 3):
        return QCoreApplication.translate("ExportEverythingDialog", "Strong.")
    if len(passphrase) >= 12 or kinds >= 3:
        return QCoreApplication.translate(
            "ExportEverythingDialog", "Fair: another word or two would make it much harder to guess."
        )
    return QCoreApplication.translate(
        "ExportEverythingDialog", "Weak: long enough, but easy to guess. A few more words would help."
    )


class ExportEverythingDialog(QDialog):
    """One message under the boxes says what to do next; “Choose where to save…” works only once the
    passphrase is long enough and typed the same twice."""

    def __init__(self, bridge: Bridge, keeping: KeepingControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge, self._keeping = bridge, keeping
        self._saved: Path | None = None
        self.setWindowTitle(self.tr("Export everything"))
        self.setMinimumWidth(540)
        self.passphrase_edit = secret_edit(self.tr("Passphrase"), self)
        self.again_edit = secret_edit(self.tr("The same passphrase again"), self)
        self.show_box = QCheckBox(self.tr("Show what I type"), self)
        self.message = InlineMessage(self)
        self.message.setAccessibleName(self.tr("How strong the passphrase is"))
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
        self.saved_row = QWidget(self)
        self.saved_path_label = selectable(QLabel(self.saved_row))
        self.folder_button = labelled_button(
            self.tr("Show in folder"), self.tr("Open the folder that holds the saved file"), self.saved_row
        )
        self._lay_out()
        self.passphrase_edit.textChanged.connect(self._on_passphrase_edit_text_changed)
        self.again_edit.textChanged.connect(self._on_passphrase_edit_text_changed)
        self.show_box.toggled.connect(self._on_show_box_toggled)
        self.folder_button.clicked.connect(self._on_folder_button_clicked)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self._on_passphrase_edit_text_changed("")

    def _lay_out(self) -> None:
        layout = titled_layout(
            self,
            intro(
                self.tr(
                    "One file with your servers, settings, permissions and the secrets they use, locked "
                    "with a passphrase. Import it on another computer, or keep it as a copy. Without the "
                    "passphrase nobody can open it, you included: write it down somewhere safe."
                ),
                self,
            ),
        )
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        row = QHBoxLayout(self.saved_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("File:"), self.saved_row))
        row.addWidget(self.saved_path_label, 1)
        row.addWidget(self.folder_button)
        self.saved_row.hide()
        layout.addWidget(self.saved_row)
        layout.addWidget(self.buttons)

    def _verdict(self) -> Verdict:
        passphrase, again = self.passphrase_edit.text(), self.again_edit.text()
        said = strength(passphrase)
        if len(passphrase) < MIN_LENGTH:
            return Verdict(said)
        if not passphrase.startswith(again):
            return Verdict(
                self.tr("The two passphrases differ. Type the same one in both boxes."), warning=True
            )
        if again != passphrase:
            return Verdict(said + " " + self.tr("Now type it again in the second box."))
        return Verdict(said, ready=True)

    def _on_passphrase_edit_text_changed(self, _text: str) -> None:
        verdict = self._verdict()
        self.save_button.setEnabled(verdict.ready)
        if verdict.warning:
            self.message.show_problem(verdict.text)
        else:
            self.message.show_info(verdict.text)

    def _on_show_box_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.passphrase_edit.setEchoMode(mode)
        self.again_edit.setEchoMode(mode)

    def _on_buttons_accepted(self) -> None:
        if self._verdict().ready:
            self._choose_file(self.passphrase_edit.text())

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
        self._saved = done.path
        for edit in (self.passphrase_edit, self.again_edit):
            edit.blockSignals(True)
            edit.clear()
            edit.blockSignals(False)
        for widget in (self.form, self.save_button):
            widget.hide()
        self.message.show_info(
            self.tr("Saved (servers: %1, permissions: %2, secrets: %3). Keep the passphrase safe.")
            .replace("%1", str(done.servers))
            .replace("%2", str(done.permissions))
            .replace("%3", str(done.secrets))
        )
        show_path(self.saved_path_label, done.path)
        self.saved_row.show()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Close"))
        self.adjustSize()

    def _on_folder_button_clicked(self) -> None:
        if self._saved is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._saved.parent)))

    def _on_problem(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self.save_button.setEnabled(True)
