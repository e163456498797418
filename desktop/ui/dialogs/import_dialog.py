"""Bringing servers over from another AI app (Claude Desktop, Cursor, VS Code, …): preview, then import."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.servers.control import ServerControl
from desktop.servers.importers import ImportEntry, ImportPlan, ImportSource
from desktop.ui.bridge import Bridge
from desktop.ui.lifetime import while_alive
from desktop.ui.style import hint, pad, selectable
from desktop.ui.widgets.inline_message import InlineMessage


class ImportDialog(QDialog):
    """Previews what importing would do as soon as a source is chosen; imports on request.

    Imported servers are not approved: each asks before its first start.
    """

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert bridge.control is not None, "services are not attached yet"
        self._bridge = bridge
        self._control: ServerControl = bridge.control
        self._plan: ImportPlan | None = None
        self._asked = 0
        self._file: Path | None = None
        self.setWindowTitle(self.tr("Import servers"))
        self.resize(760, 520)
        self.source_combo = QComboBox(self)
        for source in ImportSource:
            self.source_combo.addItem(source.label, source)
        self.source_combo.setAccessibleName(self.tr("Import from"))
        self.source_combo.setToolTip(self.tr("The app whose servers you want to bring over"))
        self.usual_radio = QRadioButton(self.tr("Use default location"), self)
        self.usual_radio.setChecked(True)
        self.usual_radio.setToolTip(self.tr("Look where the app normally keeps its settings"))
        self.file_radio = QRadioButton(self.tr("Choose file…"), self)
        self.file_radio.setToolTip(self.tr("Pick the other app's settings file yourself"))
        where = QButtonGroup(self)
        where.addButton(self.usual_radio)
        where.addButton(self.file_radio)
        self.file_label = selectable(hint(parent=self))
        self.file_label.hide()
        self.summary = InlineMessage(self)
        self.preview = self._make_preview()
        self.move_box = QCheckBox(self)
        self.move_box.setChecked(True)
        self.move_box.setToolTip(
            self.tr("The settings keep only a reference; the servers still get the values when they start")
        )
        self.move_box.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button: QPushButton = self.buttons.addButton(
            self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setEnabled(False)
        self.import_button.setToolTip(self.tr("Add the servers marked “Add” to MCP Desk"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip(self.tr("Close without importing anything"))
        self._lay_out()
        self.source_combo.currentIndexChanged.connect(self._on_source_combo_changed)
        self.usual_radio.toggled.connect(self._on_usual_radio_toggled)
        self.file_radio.clicked.connect(self._on_file_radio_clicked)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self._ask_preview()

    def _lay_out(self) -> None:
        where = QHBoxLayout()
        where.addWidget(self.usual_radio)
        where.addWidget(self.file_radio)
        where.addStretch()
        form = QFormLayout()
        form.addRow(self.tr("Import from:"), self.source_combo)
        form.addRow(self.tr("Settings file:"), where)
        form.addRow("", self.file_label)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.move_box)
        layout.addWidget(
            hint(
                self.tr(
                    "Nothing changes until you press Import. "
                    "Each imported server asks for your approval before it first starts."
                ),
                self,
            )
        )
        layout.addWidget(self.buttons)

    def _make_preview(self) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setHeaderLabels([self.tr("Server"), self.tr("What will happen"), self.tr("Command")])
        tree.setRootIsDecorated(False)
        tree.setColumnWidth(0, 170)
        tree.setColumnWidth(1, 170)
        tree.setAccessibleName(self.tr("Servers found"))
        tree.setToolTip(
            self.tr("The servers found in the other app's settings, and what importing does with each")
        )
        return tree

    def source(self) -> ImportSource:
        source: ImportSource = self.source_combo.currentData()
        return source

    def _ask_preview(self) -> None:
        """Ask the service side what an import would do; only the latest answer counts."""
        self._show_plan(None)
        if self.file_radio.isChecked() and self._file is None:
            return
        self._asked += 1
        asked = self._asked
        self.summary.show_info(self.tr("Looking for servers…"))
        self._bridge.call(
            self._control.preview_import(self.source(), self._file if self.file_radio.isChecked() else None),
            on_done=while_alive(self, lambda plan: self._on_preview_done(asked, plan)),
            on_error=while_alive(self, lambda problem: self._on_preview_failed(asked, problem)),
        )

    def _on_preview_done(self, asked: int, plan: ImportPlan) -> None:
        if asked != self._asked:
            return
        self._show_plan(plan)
        if plan.problem:
            self.summary.show_problem(plan.problem)
        elif not plan.entries:
            self.summary.show_info(self.tr("No servers were found in %1.").replace("%1", str(plan.path)))
        elif not plan.to_import:
            self.summary.show_info(self.tr("Nothing new to import from %1.").replace("%1", str(plan.path)))
        else:
            found = (
                self.tr("Found %1 servers in %2.")
                if len(plan.entries) > 1
                else self.tr("Found 1 server in %2.")
            )
            self.summary.show_info(found.replace("%1", str(len(plan.entries))).replace("%2", str(plan.path)))

    def _on_preview_failed(self, asked: int, problem: Problem) -> None:
        if asked == self._asked:
            self.summary.show_problem(problem.message)

    def _show_plan(self, plan: ImportPlan | None) -> None:
        self._plan = plan
        self.preview.clear()
        for entry in plan.entries if plan else ():
            self._add_entry(entry)
        self.preview.expandAll()
        self.import_button.setEnabled(bool(plan and plan.to_import))
        found = sum(len(entry.found_secrets) for entry in plan.to_import) if plan else 0
        self.move_box.setVisible(found > 0)
        self.move_box.setText(
            self.tr("Move the key or token found into your system's keychain (recommended)")
            if found == 1
            else self.tr(
                "Move the %1 keys and tokens found into your system's keychain (recommended)"
            ).replace("%1", str(found))
        )

    def _add_entry(self, entry: ImportEntry) -> None:
        actions = {
            "add": self.tr("Add"),
            "rename": self.tr("Add as “%1”").replace("%1", entry.name),
            "skip": self.tr("Skip"),
        }
        command = entry.config.display_command() if entry.config else ""
        item = QTreeWidgetItem([entry.original_name, actions[entry.action], command])
        item.setToolTip(2, command)
        self.preview.addTopLevelItem(item)
        notes = list(entry.notes)
        if entry.secrets_needed:
            notes.append(
                self.tr("It needs these secrets: %1.").replace("%1", ", ".join(entry.secrets_needed))
            )
        for found in entry.found_secrets if entry.action != "skip" else ():
            notes.append(
                self.tr("Its %1 holds a key or token; it can become the secret “%2”.")
                .replace("%1", found.where)
                .replace("%2", found.secret)
            )
        for note in notes:
            child = QTreeWidgetItem(item, [note])
            child.setToolTip(0, note)
            child.setForeground(0, self.palette().placeholderText())
            child.setFirstColumnSpanned(True)

    def _on_source_combo_changed(self, _index: int) -> None:
        self._ask_preview()

    def _on_usual_radio_toggled(self, checked: bool) -> None:
        if checked:
            self.file_label.clear()
            self.file_label.hide()
            self._ask_preview()

    def _on_file_radio_clicked(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose %1's settings file").replace("%1", self.source().label))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([self.tr("Settings files (*.json *.jsonc)"), self.tr("All files (*)")])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self._on_file_dialog_file_selected)
        dialog.open()

    def _on_file_dialog_file_selected(self, path: str) -> None:
        self._file = Path(path)
        self.file_label.setText(path)
        self.file_label.show()
        self._ask_preview()

    def _on_buttons_accepted(self) -> None:
        if self._plan is None:
            return
        self.import_button.setEnabled(False)
        self._bridge.call(
            self._control.apply_import(self._plan, self.move_box.isChecked()),
            on_done=while_alive(self, self._on_import_done),
            on_error=while_alive(self, self._on_import_failed),
        )

    def _on_import_done(self, added: list[str]) -> None:
        self._show_plan(None)
        if not added:
            self.summary.show_info(self.tr("Nothing was added."))
        elif len(added) == 1:
            self.summary.show_info(self.tr("Added 1 server. Approve it before it first starts."))
        else:
            self.summary.show_info(
                self.tr("Added %1 servers. Approve each one before it first starts.").replace(
                    "%1", str(len(added))
                )
            )
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Close"))

    def _on_import_failed(self, problem: Problem) -> None:
        self.summary.show_problem(problem.message)
        self.import_button.setEnabled(True)
