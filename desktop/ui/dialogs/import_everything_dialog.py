"""Importing a file “Export everything” made: unlock it with its passphrase, see what would change,
then Import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.ui.dialogs.export_everything_dialog import intro, secret_edit, show_path, titled_layout
from desktop.ui.style import labelled_button, selectable
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.core.settings_bundle import ImportPreview
    from desktop.core.settings_keeper import KeepingControl
    from desktop.ui.bridge import Bridge


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(f"“{name}”" for name in names)


def preview_lines(preview: ImportPreview) -> list[str]:
    """What importing changes, one line each: servers added and replaced, settings, permissions, secrets."""
    settings = (
        QCoreApplication.translate("ImportEverythingDialog", "• changes these settings to the file's: %1;")
        if preview.settings
        else QCoreApplication.translate(
            "ImportEverythingDialog", "• changes no settings: the file's are the same as yours;"
        )
    )
    permissions = (
        QCoreApplication.translate("ImportEverythingDialog", "• adds %1 remembered permissions to yours;")
        if preview.permissions
        else QCoreApplication.translate("ImportEverythingDialog", "• adds no permissions;")
    )
    return [
        QCoreApplication.translate("ImportEverythingDialog", "Importing this file:"),
        *_server_lines(preview),
        settings.replace("%1", ", ".join(preview.settings)),
        permissions.replace("%1", str(preview.permissions)),
        _secrets_line(preview.secrets),
    ]


def _naming(names: tuple[str, ...], one: str, many: str) -> str:
    """`one` or `many`, as `names` holds one name or more, with the names in the place of %1."""
    return (one if len(names) == 1 else many).replace("%1", _listed(names))


def _server_lines(preview: ImportPreview) -> list[str]:
    lines = []
    if preview.added:
        lines.append(
            _naming(
                preview.added,
                QCoreApplication.translate(
                    "ImportEverythingDialog", "• adds the server %1 (it asks before it first runs here);"
                ),
                QCoreApplication.translate(
                    "ImportEverythingDialog", "• adds the servers %1 (each asks before it first runs here);"
                ),
            )
        )
    if preview.replaced:
        lines.append(
            _naming(
                preview.replaced,
                QCoreApplication.translate(
                    "ImportEverythingDialog", "• replaces the server %1 with the file's version;"
                ),
                QCoreApplication.translate(
                    "ImportEverythingDialog", "• replaces the servers %1 with the file's versions;"
                ),
            )
        )
    lines.append(
        QCoreApplication.translate(
            "ImportEverythingDialog", "• keeps the servers that are only on this computer;"
        )
    )
    return lines


def _secrets_line(secrets: tuple[str, ...]) -> str:
    if not secrets:
        return QCoreApplication.translate("ImportEverythingDialog", "• puts no secrets in your keychain.")
    return _naming(
        secrets,
        QCoreApplication.translate(
            "ImportEverythingDialog", "• puts a secret (an API key or token) named %1 in your keychain."
        ),
        QCoreApplication.translate(
            "ImportEverythingDialog", "• puts secrets (API keys or tokens) named %1 in your keychain."
        ),
    )


class ImportEverythingDialog(QDialog):
    """Nothing changes until the user has seen what would and pressed Import. The buttons keep their
    names throughout: “Unlock” beside the passphrase, “Import” (ready once unlocked) and “Cancel”."""

    def __init__(
        self, bridge: Bridge, keeping: KeepingControl, path: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge, self._keeping, self._path = bridge, keeping, path
        self._preview: ImportPreview | None = None
        self.setWindowTitle(self.tr("Import everything"))
        self.setMinimumWidth(540)
        self.passphrase_edit = secret_edit(
            self.tr("Passphrase"), self, self.tr("The passphrase typed when the file was exported")
        )
        self.unlock_button = labelled_button(
            self.tr("Unlock"), self.tr("Unlock the file and show what importing it would change"), self
        )
        self.unlock_button.setAutoDefault(False)
        self.preview_label = selectable(QLabel(self))
        self.preview_label.setAccessibleName(self.tr("What the import changes"))
        self.preview_label.hide()
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = self.buttons.addButton(self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setToolTip(
            self.tr("Add the file's servers, settings, permissions and secrets here")
        )
        self.import_button.setEnabled(False)
        self._lay_out(path)
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.passphrase_edit.returnPressed.connect(self._on_unlock_button_clicked)
        self.passphrase_edit.textChanged.connect(self._on_passphrase_edit_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self._on_passphrase_edit_text_changed("")

    def _lay_out(self, path: Path) -> None:
        file_label = selectable(QLabel(self))
        show_path(file_label, path)
        row = QHBoxLayout()
        row.addWidget(self.passphrase_edit, 1)
        row.addWidget(self.unlock_button)
        self.form = QFormLayout()
        self.form.addRow(self.tr("File:"), file_label)
        self.form.addRow(self.tr("Passphrase:"), row)
        self.intro_label = intro(
            self.tr(
                "Type the passphrase chosen when the file was exported, then Unlock to see what "
                "would change. Nothing changes until you press Import."
            ),
            self,
        )
        layout = titled_layout(self, self.intro_label)
        layout.addLayout(self.form)
        layout.addWidget(self.preview_label)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _on_passphrase_edit_text_changed(self, text: str) -> None:
        self._preview = None
        self.preview_label.hide()
        self.import_button.setEnabled(False)
        self.unlock_button.setEnabled(bool(text))

    def _on_unlock_button_clicked(self) -> None:
        if not self.passphrase_edit.text():
            return
        self.message.show_info(self.tr("Unlocking…"))
        self.unlock_button.setEnabled(False)
        self._bridge.call(
            self._keeping.preview_import(self._path, self.passphrase_edit.text()),
            self._on_unlocked,
            self._on_problem,
        )

    def _on_unlocked(self, preview: ImportPreview) -> None:
        self._preview = preview
        self.message.clear()
        self.preview_label.setText("\n".join(preview_lines(preview)))
        self.preview_label.show()
        self.unlock_button.setEnabled(True)
        self.import_button.setEnabled(True)
        self.import_button.setDefault(True)
        self.import_button.setFocus()
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
        self.form.setRowVisible(1, False)
        self.intro_label.hide()
        self.message.show_info(
            self.tr(
                "Imported. The servers, settings, permissions and secrets in the file are on this "
                "computer now."
            )
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Close"))
        self.import_button.hide()
        self.adjustSize()

    def _on_problem(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
        self.unlock_button.setEnabled(bool(self.passphrase_edit.text()))
        self.import_button.setEnabled(self._preview is not None)
        self.adjustSize()
