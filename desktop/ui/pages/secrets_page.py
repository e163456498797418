"""The Secrets page: API keys and passwords kept in the system keychain, and who uses them."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.core.secrets_control import SecretInfo, SecretsControl
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.secret_dialog import SecretDialog
from desktop.ui.models.secrets_table_model import SecretsTableModel
from desktop.ui.resources import page_icon
from desktop.ui.style import SPACING, heading, hint, pad, selectable
from desktop.ui.widgets.confirm_box import open_confirm
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.record_table import RecordTable

COLUMN_SAMPLES = ["A_RATHER_LONG_SECRET_NAME", "Not set: add a value"]


class SecretsPage(QWidget):
    """Lists secrets from the service side and changes them only through it; values stay hidden
    until the user asks to see one."""

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.model = SecretsTableModel(self)
        self.table = RecordTable(self.model, self.tr("Secrets"), COLUMN_SAMPLES, self)
        self.table.setToolTip(
            self.tr("Your secrets and the servers that use them. Select one to change or see it.")
        )
        self.keyring_label = selectable(hint(parent=self))
        self.keyring_label.setAccessibleName(self.tr("Where secrets are kept"))
        self.message = InlineMessage(self)
        self.add_button = QPushButton(self.tr("Add secret…"), self)
        self.add_button.setToolTip(self.tr("Save a new API key, token or password in your system's keychain"))
        self.change_button = QPushButton(self.tr("Change value…"), self)
        self.change_button.setToolTip(self.tr("Give the selected secret a new value"))
        self.delete_button = QPushButton(self.tr("Delete"), self)
        self.delete_button.setToolTip(self.tr("Remove the selected secret from your keychain"))
        self.value_edit = QLineEdit(self)
        self.value_edit.setReadOnly(True)
        self.value_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.value_edit.setAccessibleName(self.tr("Value of the selected secret"))
        self.value_edit.setToolTip(self.tr("The selected secret's value, hidden until you press Show value"))
        self.reveal_button = QPushButton(self.tr("Show value"), self)
        self.reveal_button.setCheckable(True)
        self.reveal_button.setToolTip(self.tr("Show or hide the selected secret's value"))
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.setToolTip(self.tr("Copy the selected secret's value to the clipboard"))
        self.empty = EmptyState(
            self.tr("No secrets yet"),
            self.tr(
                "Add the API keys and passwords your servers need. They are kept in your system's "
                "keychain, and servers get them only when they start."
            ),
            page_icon("secrets", QPalette.ColorRole.PlaceholderText),
            self.tr("Add secret…"),
            self,
            tip=self.tr("Save a new API key, token or password in your system's keychain"),
        )
        self.stack = QStackedWidget(self)
        self.delete_box: QMessageBox | None = None
        self._build()
        self._connect()
        self._enable(usable=False)

    def _build(self) -> None:
        toolbar = QHBoxLayout()
        toolbar.addWidget(heading(self.tr("Secrets"), self))
        toolbar.addStretch()
        for button in (self.add_button, self.change_button, self.delete_button):
            toolbar.addWidget(button)
        value_row = QHBoxLayout()
        value_row.addWidget(self.value_edit, 1)
        value_row.addWidget(self.reveal_button)
        value_row.addWidget(self.copy_button)
        listing = QWidget(self)
        listing_layout = QVBoxLayout(listing)
        listing_layout.setContentsMargins(0, 0, 0, 0)
        listing_layout.addWidget(self.table, 1)
        listing_layout.addLayout(value_row)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(listing)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.setSpacing(SPACING // 2)
        layout.addLayout(toolbar)
        layout.addWidget(self.keyring_label)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)

    def _connect(self) -> None:
        bridge = self._bridge
        bridge.services_ready.connect(self._on_bridge_services_ready)
        bridge.secrets_changed.connect(self._reload)
        bridge.servers_changed.connect(self._reload)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        assert self.empty.button is not None
        self.empty.button.clicked.connect(self._on_add_button_clicked)
        self.change_button.clicked.connect(self._on_change_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.reveal_button.toggled.connect(self._on_reveal_button_toggled)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.modelReset.connect(self._on_model_reset)

    def _secrets(self) -> SecretsControl:
        assert self._bridge.secrets is not None, "services are not attached yet"
        return self._bridge.secrets

    def selected(self) -> SecretInfo | None:
        row = self.table.selected_row()
        return self.model.secret_at(row) if row >= 0 else None

    # -- showing --------------------------------------------------------------------

    def _on_bridge_services_ready(self) -> None:
        check = self._secrets().check
        if check.usable:
            self.keyring_label.setText(self.tr("Kept in: %1").replace("%1", check.backend))
            self._reload()
        else:
            self.keyring_label.clear()
            self.message.show_problem(f"{check.problem} {check.fix}")
        self._enable(usable=check.usable)

    def _usable(self) -> bool:
        return self._bridge.secrets is not None and self._bridge.secrets.check.usable

    def _reload(self) -> None:
        if not self._usable():
            return
        self._bridge.call(self._secrets().secrets(), self._on_secrets_listed, self._on_call_failed)

    def _on_secrets_listed(self, secrets: list[SecretInfo]) -> None:
        chosen = self.selected()
        self.model.set_secrets(secrets)
        row = self.model.row_of(chosen.name) if chosen else -1
        if row >= 0:
            self.table.select(row)

    def _on_model_reset(self) -> None:
        self.stack.setCurrentIndex(1 if self.model.rowCount() else 0)
        self._on_table_selection_changed(QItemSelection(), QItemSelection())

    def _enable(self, usable: bool) -> None:
        info = self.selected() if usable else None
        self.add_button.setEnabled(usable)
        if self.empty.button is not None:
            self.empty.button.setEnabled(usable)
        self.change_button.setEnabled(info is not None)
        self.delete_button.setEnabled(info is not None and info.is_set)
        self.reveal_button.setEnabled(info is not None and info.is_set)
        self.copy_button.setEnabled(info is not None and info.is_set and self.reveal_button.isChecked())

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.reveal_button.setChecked(False)
        self._hide_value()
        self._enable(usable=self._usable())

    def _hide_value(self) -> None:
        self.value_edit.clear()
        self.value_edit.setEchoMode(QLineEdit.EchoMode.Password)
        info = self.selected()
        self.value_edit.setPlaceholderText(
            self.tr("Hidden. Press “Show value” to see it.") if info and info.is_set else ""
        )

    # -- changing -------------------------------------------------------------------

    def _on_add_button_clicked(self) -> None:
        self._open_dialog(SecretDialog(parent=self))

    def _on_change_button_clicked(self) -> None:
        if (info := self.selected()) is not None:
            self._open_dialog(SecretDialog(info.name, info.used_by, self))

    def _open_dialog(self, dialog: SecretDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._on_dialog_saved)
        dialog.open()

    def _on_dialog_saved(self, name: str, value: str) -> None:
        self.message.clear()
        self._bridge.call(
            self._secrets().set(name, value), lambda _none: self._say_saved(name), self._on_call_failed
        )

    def _say_saved(self, name: str) -> None:
        self.message.show_info(self.tr("“%1” is saved in your keychain.").replace("%1", name))

    def _on_delete_button_clicked(self) -> None:
        info = self.selected()
        if info is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning if info.used_by else QMessageBox.Icon.Question,
            self.tr("Delete secret"),
            self.tr("Delete “%1” from your keychain?").replace("%1", info.name),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        if info.used_by:
            box.setInformativeText(
                self.tr("These servers use it and will not start until you set it again: %1.").replace(
                    "%1", ", ".join(info.used_by)
                )
            )
        delete = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        self.delete_box = box
        open_confirm(box, delete, lambda confirmed: self._on_delete_box_finished(confirmed, info))

    def _on_delete_box_finished(self, confirmed: bool, info: SecretInfo) -> None:
        if confirmed:
            self.message.clear()
            self._bridge.call(self._secrets().delete(info.name, breaking=True), None, self._on_call_failed)

    def _on_reveal_button_toggled(self, shown: bool) -> None:
        self.reveal_button.setText(self.tr("Hide value") if shown else self.tr("Show value"))
        info = self.selected()
        if not shown or info is None:
            self._hide_value()
        else:
            self._bridge.call(
                self._secrets().reveal(info.name), self._on_value_revealed, self._on_call_failed
            )
        self._enable(usable=self._usable())

    def _on_value_revealed(self, value: str) -> None:
        if self.reveal_button.isChecked():
            self.value_edit.setEchoMode(QLineEdit.EchoMode.Normal)
            self.value_edit.setText(value)

    def _on_copy_button_clicked(self) -> None:
        if self.value_edit.text():
            QGuiApplication.clipboard().setText(self.value_edit.text())

    def _on_call_failed(self, problem: Problem) -> None:
        self.reveal_button.setChecked(False)
        self.message.show_problem(problem.message)
