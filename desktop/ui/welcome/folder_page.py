"""Welcome, step 1: the folder the built-in files server shares, and whether it may change files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QLineEdit, QVBoxLayout, QWizardPage

from desktop.core.config import ServerConfig
from desktop.servers.control import Approver, ServerControl
from desktop.servers.folder_share import FILES_SERVER, FolderShare, folder_share, sharing
from desktop.ui.bridge import Bridge
from desktop.ui.style import hint, labelled_button
from desktop.ui.widgets.inline_message import InlineMessage


class FolderPage(QWizardPage):
    """Shows the files server's folder; Next saves a changed choice and restarts the server."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self._bridge = bridge
        self.setTitle(self.tr("Choose a folder to share"))
        self.setSubTitle(
            self.tr(
                "The built-in Files server lets your model look at the files in one folder you choose, "
                "and nothing outside it."
            )
        )
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName(self.tr("Shared folder"))
        self.folder_edit.setToolTip(self.tr("The folder your model may look in"))
        self.choose_button = labelled_button(self.tr("Choose…"), self.tr("Pick the folder to share"), self)
        self.write_box = QCheckBox(self.tr("Also let it create and change files in this folder"), self)
        self.write_box.setToolTip(
            self.tr("Off: your model can only read. On: it can also write files, after asking you each time.")
        )
        self.message = InlineMessage(self)
        self._dialog: QFileDialog | None = None
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.write_box)
        layout.addWidget(hint(self.tr("You can change both later on the Servers page."), self))
        layout.addWidget(self.message)
        layout.addStretch()
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.folder_edit.textChanged.connect(self.message.clear)

    def _server(self) -> tuple[ServerControl, ServerConfig] | None:
        control = self._bridge.control
        if control is None or FILES_SERVER not in {status.name for status in control.statuses()}:
            return None
        return control, control.config_of(FILES_SERVER)

    def initializePage(self) -> None:
        found = self._server()
        share = folder_share(found[1]) if found is not None else None
        if share is None:
            self.message.show_problem(
                self.tr("The built-in Files server isn't set up any more, so there is no folder to choose.")
            )
            for control in (self.folder_edit, self.choose_button, self.write_box):
                control.setEnabled(False)
            return
        self.folder_edit.setText(str(share.folder))
        self.write_box.setChecked(share.writable)

    def validatePage(self) -> bool:
        found = self._server()
        if found is None or not self.folder_edit.isEnabled():
            return True
        folder = Path(self.folder_edit.text().strip()).expanduser()
        if not folder.is_dir():
            self.message.show_problem(self.tr("There is no folder there. Choose one with “Choose…”."))
            return False
        control, config = found
        changed = sharing(config, FolderShare(folder, self.write_box.isChecked()))
        if changed != config:
            self._bridge.call(self._share(control, changed))
        return True

    async def _share(self, control: ServerControl, config: ServerConfig) -> None:
        """The user's choice here is their approval of the changed command line."""
        await control.update(FILES_SERVER, config)
        await control.trust(FILES_SERVER, config.launch_hash(), Approver.WELCOME)
        await control.start(FILES_SERVER)

    def _on_choose_button_clicked(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose a folder to share"), self.folder_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.folder_edit.setText)
        self._dialog = dialog
        dialog.open()
