"""Adding a secret, or giving an existing one a new value."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.secret_refs import NAME_PATTERN, reference
from desktop.ui.secret_words import secret_phrase
from desktop.ui.style import heading, hint, pad
from desktop.ui.widgets.inline_message import InlineMessage


class SecretDialog(QDialog):
    """The value is typed hidden (it can be shown while typing) and goes straight to the keyring.

    Signals:
        saved(str, str): the user pressed Save with a usable name and a value (name, value).
    """

    saved = Signal(str, str)

    def __init__(self, name: str = "", used_by: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        adding = not name
        self.setWindowTitle(self.tr("Add a secret") if adding else self.tr("Change “%1”").replace("%1", name))
        self.setMinimumWidth(480)
        self.name_edit = QLineEdit(name, self)
        self.name_edit.setReadOnly(not adding)
        self.name_edit.setPlaceholderText(self.tr("for example GITHUB_TOKEN"))
        self.name_edit.setAccessibleName(self.tr("Name"))
        self.name_edit.setToolTip(
            self.tr("The name servers use to ask for this secret: letters, digits, dots, dashes, underscores")
        )
        self.value_edit = QLineEdit(self)
        self.value_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.value_edit.setPlaceholderText(self.tr("Paste the key, token or password"))
        self.value_edit.setAccessibleName(self.tr("Value"))
        self.value_edit.setToolTip(
            self.tr("The key, token or password itself; it goes only to your keychain")
        )
        self.show_box = QCheckBox(self.tr("Show what I type"), self)
        self.show_box.setToolTip(self.tr("Show the value while you type it, to check it"))
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip(self.tr("Save the value in your system's keychain"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip(self.tr("Close without saving anything"))
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Value"), self.value_edit)
        form.addRow("", self.show_box)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(heading(self.windowTitle(), self))
        layout.addLayout(form)
        self._used_by = used_by
        self.explanation = hint(parent=self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.show_box.toggled.connect(self._on_show_box_toggled)
        self.name_edit.textChanged.connect(self._update)
        self.value_edit.textChanged.connect(self._update)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        (self.value_edit if name else self.name_edit).setFocus()
        self._update()

    def _explanation(self) -> str:
        used_by = self._used_by
        name = self.name_edit.text().strip() or self.tr("NAME")
        text = (
            self.tr(
                "The value is kept in your system's keychain, never in a file. A server gets it from "
                "your keychain when it starts, wherever its settings name %1: type %2 there."
            )
            .replace("%1", secret_phrase(name))
            .replace("%2", reference(name))
        )
        if used_by:
            text += " " + self.tr("Used by: %1. They get the new value when they next start.").replace(
                "%1", ", ".join(used_by)
            )
        return text

    def _update(self) -> None:
        name = self.name_edit.text().strip()
        bad_name = bool(name) and not NAME_PATTERN.match(name)
        self.explanation.setText(self._explanation())
        if bad_name:
            self.message.show_problem(
                self.tr("Use letters, digits, dots, dashes or underscores, starting with a letter or digit.")
            )
        else:
            self.message.clear()
        self.save_button.setEnabled(bool(name) and not bad_name and bool(self.value_edit.text()))

    def _on_show_box_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.value_edit.setEchoMode(mode)

    def _on_buttons_accepted(self) -> None:
        self.saved.emit(self.name_edit.text().strip(), self.value_edit.text())
        self.accept()
