"""A server's sandbox in the server form: which of the user's files it sees, and the network."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.sandbox_policy import FileAccess, PickedFolder, Sandbox
from desktop.servers.sandbox import not_sandboxed_here
from desktop.ui.style import SPACING, hint


def own_folder_words() -> str:
    """Which folder a server calls its own, in words, for when the form can't name it yet."""
    return QCoreApplication.translate(
        "SandboxFields",
        "Its own folder: the folder it shares, or its Working folder above, "
        "or else a folder MCP Desk keeps just for it.",
    )


class SandboxFields(QWidget):
    """“Run it in a sandbox”, then what it sees: a level, folders picked one by one, the network.

    A picked folder's check box lets the server change files there; unchecked it may only read.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled_box = QCheckBox(self.tr("Run it in a sandbox"), self)
        self.enabled_box.setToolTip(self.tr("Keep the server away from your files and the network"))
        self.files_combo = QComboBox(self)
        self.files_combo.setAccessibleName(self.tr("Files it sees"))
        self.files_combo.setToolTip(self.tr("Which of your files the server can see"))
        for access, text in (
            (FileAccess.NONE, self.tr("None of your files")),
            (FileAccess.OWN, self.tr("Only its own folder")),
            (FileAccess.SHARED_READ, self.tr("Your shared folder, read-only")),
            (FileAccess.SHARED_WRITE, self.tr("Your shared folder, and it may change files there")),
            (FileAccess.HOME, self.tr("All of your home folder")),
        ):
            self.files_combo.addItem(text, access)
        self.own_hint = hint(own_folder_words(), self)
        self.folders_list = QListWidget(self)
        self.folders_list.setAccessibleName(self.tr("Other folders it sees"))
        self.folders_list.setToolTip(self.tr("Tick a folder to let the server change files in it"))
        self.folders_list.setMaximumHeight(90)
        self.add_button = QPushButton(self.tr("Add folder…"), self)
        self.add_button.setToolTip(self.tr("Let the server see one more folder"))
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setToolTip(self.tr("Take the selected folder away from the server"))
        self.network_box = QCheckBox(self.tr("It may use the network"), self)
        self.network_box.setToolTip(self.tr("Servers that fetch packages or reach websites need this"))
        self.details = QWidget(self)
        self._lay_out()
        self.enabled_box.toggled.connect(self.details.setEnabled)
        self.files_combo.currentIndexChanged.connect(self._on_files_combo_current_index_changed)
        self.folders_list.itemSelectionChanged.connect(self._on_folders_list_item_selection_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.set_sandbox(None)

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        folders = QVBoxLayout()
        folders.addWidget(self.folders_list)
        folders.addLayout(buttons)
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        files = QVBoxLayout()
        files.setSpacing(2)
        files.addWidget(self.files_combo)
        files.addWidget(self.own_hint)
        form.addRow(self.tr("Files it sees:"), files)
        form.addRow(self.tr("Also these folders:"), folders)
        form.addRow("", self.network_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING)
        text = not_sandboxed_here() or self.tr(
            "In a sandbox the server sees only what you choose here. "
            "What it was blocked from doing shows on its page."
        )
        layout.addWidget(hint(text, self))
        layout.addWidget(self.enabled_box)
        layout.addWidget(self.details)

    def set_sandbox(self, sandbox: Sandbox | None) -> None:
        """Show `sandbox`; None: not sandboxed (the choices show a sandbox's defaults)."""
        shown = sandbox or Sandbox()
        self.enabled_box.setChecked(sandbox is not None)
        self.details.setEnabled(sandbox is not None)
        self.files_combo.setCurrentIndex(self.files_combo.findData(shown.files))
        self.folders_list.clear()
        for folder in shown.folders:
            self._add_folder(folder.path, folder.writable)
        self.network_box.setChecked(shown.network)
        self._on_folders_list_item_selection_changed()

    def set_own_folder(self, folder: str | None) -> None:
        """Name the folder the server calls its own (None: say in words which one it is)."""
        self.own_hint.setText(
            self.tr("Its own folder: %1").replace("%1", folder) if folder else own_folder_words()
        )

    def data(self) -> dict[str, Any] | None:
        """The `sandbox` settings, or None when it runs unsandboxed."""
        if not self.enabled_box.isChecked():
            return None
        folders = [
            PickedFolder(path=item.text(), writable=item.checkState() == Qt.CheckState.Checked)
            for item in map(self.folders_list.item, range(self.folders_list.count()))
        ]
        sandbox = Sandbox(
            files=self.files_combo.currentData(), folders=tuple(folders), network=self.network_box.isChecked()
        )
        return sandbox.model_dump(mode="json")

    def _add_folder(self, path: str, writable: bool) -> None:
        item = QListWidgetItem(path, self.folders_list)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if writable else Qt.CheckState.Unchecked)

    def _on_add_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("A folder the server may see"))
        if folder:
            self._add_folder(folder, writable=False)

    def _on_remove_button_clicked(self) -> None:
        for item in self.folders_list.selectedItems():
            self.folders_list.takeItem(self.folders_list.row(item))

    def _on_folders_list_item_selection_changed(self) -> None:
        self.remove_button.setEnabled(bool(self.folders_list.selectedItems()))

    def _on_files_combo_current_index_changed(self, _index: int) -> None:
        self.own_hint.setVisible(self.files_combo.currentData() == FileAccess.OWN)
