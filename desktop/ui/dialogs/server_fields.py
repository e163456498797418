"""The fields of one server, laid out so nobody has to type JSON."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config import ServerConfig, check_server_name
from desktop.servers.launch import find_program, install_hint, near_miss, split_command_line
from desktop.ui.dialogs.sign_in_fields import SignInFields
from desktop.ui.style import SPACING, hint, monospace_font
from desktop.ui.widgets.collapsible import Collapsible
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.key_value_table import KeyValueTable

Problem = tuple[str, QWidget]
"""A sentence for the user and the field to put the cursor in."""


def _is_path(command: str) -> bool:
    return "/" in command or "\\" in command


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setSpacing(SPACING)
    return form


class ServerFields(QWidget):
    """Name, program or address (with its sign-in client, if any), and how MCP Desk looks after the server.

    A whole command line typed into Command is split into the program and its arguments
    when the user leaves the field, and a program this computer doesn't have is pointed out
    there, with the one probably meant (`npz` → `npx`) a click away.
    """

    def __init__(self, taken: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._taken = taken
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("For example: files"))
        self.name_edit.setToolTip(self.tr("A short name. Your assistant sees tools as name__tool."))
        self.name_edit.setAccessibleName(self.tr("Name"))
        self.program_radio = QRadioButton(self.tr("Program on this computer"), self)
        self.remote_radio = QRadioButton(self.tr("Remote server URL"), self)
        self.program_radio.setToolTip(self.tr("MCP Desk starts a program on this computer and talks to it"))
        self.remote_radio.setToolTip(self.tr("MCP Desk connects to a server on the network by its address"))
        kind = QButtonGroup(self)
        kind.addButton(self.program_radio)
        kind.addButton(self.remote_radio)
        self.program_radio.setChecked(True)
        self.start_with_app_box = QCheckBox(self.tr("Start with MCP Desk"), self)
        self.start_with_app_box.setToolTip(self.tr("Start this server whenever MCP Desk starts"))
        self.enabled_box = QCheckBox(self.tr("Enabled"), self)
        self.enabled_box.setToolTip(self.tr("When unticked, MCP Desk keeps the settings but never runs it"))
        kinds = QHBoxLayout()
        kinds.addWidget(self.program_radio)
        kinds.addWidget(self.remote_radio)
        kinds.addStretch()
        self.form = _form()
        self.setLayout(self.form)
        self.form.addRow(self.tr("Name:"), self.name_edit)
        self.form.addRow(self.tr("Type:"), kinds)
        self._program_rows = self._add_program_rows()
        self._remote_rows = self._add_remote_rows()
        self.form.addRow("", self.start_with_app_box)
        self.form.addRow("", self.enabled_box)
        self.form.addRow(Collapsible(self.tr("Advanced"), self._advanced(), self))
        self.remote_radio.toggled.connect(self._on_remote_radio_toggled)
        self._on_remote_radio_toggled(False)
        self.set_config(None)

    def _add_program_rows(self) -> list[QWidget | QLayout]:
        self.command_edit = QLineEdit(self)
        self.command_edit.setPlaceholderText(self.tr("For example: npx, uvx, or the full path to a program"))
        self.command_edit.setAccessibleName(self.tr("Command"))
        self.command_edit.setToolTip(
            self.tr(
                "The program MCP Desk starts, as the server's instructions name it. "
                "You can paste a whole command line: MCP Desk splits it into the program and its arguments."
            )
        )
        self._suggested = ""
        self.command_note = InlineMessage(self)
        self.suggestion_button = QPushButton(self)
        self.suggestion_button.setToolTip(self.tr("Put this program in Command instead"))
        self.suggestion_button.setAccessibleName(self.tr("Use the program MCP Desk suggests"))
        self.suggestion_button.hide()
        command = QVBoxLayout()
        command.addWidget(self.command_edit)
        command.addWidget(self.command_note)
        command.addWidget(self.suggestion_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.command_edit.editingFinished.connect(self._on_command_edit_editing_finished)
        self.command_edit.textEdited.connect(self._on_command_edit_text_edited)
        self.suggestion_button.clicked.connect(self._on_suggestion_button_clicked)
        self.args_edit = QPlainTextEdit(self)
        self.args_edit.setFont(monospace_font())
        self.args_edit.setTabChangesFocus(True)
        self.args_edit.setFixedHeight(72)
        self.args_edit.setAccessibleName(self.tr("Arguments, one per line"))
        self.args_edit.setToolTip(self.tr("What comes after the program's name, one argument per line"))
        args_hint = hint(self.tr("One argument per line. Spaces inside a line are kept."), self)
        self.cwd_edit = QLineEdit(self)
        self.cwd_edit.setPlaceholderText(self.tr("Optional"))
        self.cwd_edit.setAccessibleName(self.tr("Working folder"))
        self.cwd_edit.setToolTip(self.tr("The folder the program starts in; leave empty if you are not sure"))
        browse = QPushButton(self.tr("Browse…"), self)
        browse.setToolTip(self.tr("Choose the folder the program starts in"))
        browse.clicked.connect(self._on_browse_button_clicked)
        folder = QHBoxLayout()
        folder.addWidget(self.cwd_edit, 1)
        folder.addWidget(browse)
        self.env_table = KeyValueTable(self.tr("environment variable"), self)
        self.form.addRow(self.tr("Command:"), command)
        self.form.addRow(self.tr("Arguments:"), self.args_edit)
        self.form.addRow("", args_hint)
        self.form.addRow(self.tr("Working folder:"), folder)
        self.form.addRow(self.tr("Environment:"), self.env_table)
        return [command, self.args_edit, args_hint, folder, self.env_table]

    def _add_remote_rows(self) -> list[QWidget | QLayout]:
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText(self.tr("For example: https://example.com/mcp"))
        self.url_edit.setAccessibleName(self.tr("Server address"))
        self.url_edit.setToolTip(self.tr("The server's web address, as its instructions give it"))
        self.headers_table = KeyValueTable(self.tr("header"), self)
        self.sign_in_fields = SignInFields(self)
        self.sign_in_section = Collapsible(self.tr("Sign-in"), self.sign_in_fields, self)
        self.form.addRow(self.tr("Address:"), self.url_edit)
        self.form.addRow(self.tr("Headers:"), self.headers_table)
        self.form.addRow(self.sign_in_section)
        return [self.url_edit, self.headers_table, self.sign_in_section]

    def _advanced(self) -> QWidget:
        box = QWidget(self)
        form = _form()
        box.setLayout(form)
        self.init_timeout_spin = self._seconds(600, self.tr("How long the server may take to get ready"))
        self.request_timeout_spin = self._seconds(3600, self.tr("How long one tool call may take"))
        form.addRow(self.tr("Time to start:"), self.init_timeout_spin)
        form.addRow(self.tr("Time per request:"), self.request_timeout_spin)
        return box

    def _seconds(self, maximum: int, tip: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(1, maximum)
        spin.setSuffix(self.tr(" seconds"))
        spin.setToolTip(tip)
        spin.setAccessibleName(tip)
        return spin

    def set_name(self, name: str) -> None:
        self.name_edit.setText(name)

    def name(self) -> str:
        return self.name_edit.text().strip()

    def set_config(self, config: ServerConfig | None) -> None:
        """Show `config`, or a new server's defaults for None."""
        config = config or ServerConfig.model_construct()
        self.set_entry(config.claude_entry() | ({"cwd": config.cwd} if config.cwd else {}))
        self.start_with_app_box.setChecked(config.start_with_app)
        self.enabled_box.setChecked(config.enabled)
        self.init_timeout_spin.setValue(round(config.init_timeout))
        self.request_timeout_spin.setValue(round(config.request_timeout))
        self.sign_in_fields.set_sign_in(config.sign_in)
        self.sign_in_section.set_open(config.sign_in is not None)

    def set_entry(self, entry: dict[str, Any]) -> None:
        """Fill how to reach the server from a Claude Desktop-shaped entry (already checked)."""
        self.remote_radio.setChecked(bool(entry.get("url")))
        self.program_radio.setChecked(not entry.get("url"))
        self.command_edit.setText(entry.get("command") or "")
        self.args_edit.setPlainText("\n".join(entry.get("args", [])))
        self.cwd_edit.setText(entry.get("cwd") or "")
        self.env_table.set_items(entry.get("env", {}))
        self.url_edit.setText(entry.get("url") or "")
        self.headers_table.set_items(entry.get("headers", {}))

    def entry(self) -> dict[str, Any]:
        """How to reach the server, in the Claude Desktop shape (plus `cwd` when set)."""
        if self.remote_radio.isChecked():
            entry: dict[str, Any] = {"url": self.url_edit.text().strip()}
            headers = self.headers_table.items()
            return entry | ({"headers": headers} if headers else {})
        command, args = self.command_edit.text().strip(), self._args()
        if (parts := split_command_line(command)) is not None:  # typed, then saved without leaving the field
            command, args = parts[0], [*parts[1:], *args]
        entry = {"command": command, "args": args}
        env = self.env_table.items()
        cwd = self.cwd_edit.text().strip()
        return entry | ({"env": env} if env else {}) | ({"cwd": cwd} if cwd else {})

    def _args(self) -> list[str]:
        return [line for line in self.args_edit.toPlainText().split("\n") if line.strip()]

    def to_data(self) -> dict[str, Any]:
        """Everything, ready for `ServerConfig.model_validate`."""
        sign_in = self.sign_in_fields.data() if self.remote_radio.isChecked() else None
        return self.entry() | {
            "sign_in": sign_in,
            "start_with_app": self.start_with_app_box.isChecked(),
            "enabled": self.enabled_box.isChecked(),
            "init_timeout": float(self.init_timeout_spin.value()),
            "request_timeout": float(self.request_timeout_spin.value()),
        }

    def problem(self) -> Problem | None:
        """The first thing the user must fix before saving, in plain words."""
        name = self.name()
        if not name:
            return self.tr("Give the server a name."), self.name_edit
        try:
            check_server_name(name)
        except ValueError as exc:
            return str(exc), self.name_edit
        if name in self._taken:
            return self.tr("There is already a server called “%1”. Choose another name.").replace(
                "%1", name
            ), self.name_edit
        if self.remote_radio.isChecked():
            return self._remote_problem()
        if not self.command_edit.text().strip():
            return self.tr("Enter the program to run, for example npx or uvx."), self.command_edit
        problem = self.env_table.problem()
        return (problem, self.env_table.table) if problem else None

    def _remote_problem(self) -> Problem | None:
        if not self.url_edit.text().strip():
            return self.tr("Enter the server's address, for example https://example.com/mcp."), self.url_edit
        problem = self.headers_table.problem()
        if problem:
            return problem, self.headers_table.table
        if (sign_in := self.sign_in_fields.problem()) is not None:
            self.sign_in_section.set_open(True)
        return sign_in

    def _on_remote_radio_toggled(self, remote: bool) -> None:
        for field in self._program_rows:
            self.form.setRowVisible(field, not remote)
        for field in self._remote_rows:
            self.form.setRowVisible(field, remote)
        # A shown row shows all of its widgets: the command's advice only when there is some.
        self.command_note.setVisible(not remote and bool(self.command_note.text))
        self.suggestion_button.setVisible(not remote and bool(self._suggested))

    def _on_command_edit_editing_finished(self) -> None:
        parts = split_command_line(self.command_edit.text())
        if parts is not None:
            self.command_edit.setText(parts[0])
            self.args_edit.setPlainText("\n".join([*parts[1:], *self._args()]))
        self._advise(split=parts is not None)

    def _on_command_edit_text_edited(self, _text: str) -> None:
        self.command_note.clear()
        self.suggestion_button.hide()

    def _on_suggestion_button_clicked(self) -> None:
        self.command_edit.setText(self._suggested)
        self._advise(split=False)

    def _advise(self, split: bool) -> None:
        """Say what became of the command, and whether this computer has that program."""
        command = self.command_edit.text().strip()
        missing = bool(command) and find_program(command) is None
        guessable = missing and not _is_path(command) and install_hint(command) is None
        self._suggested = (near_miss(command) or "") if guessable else ""
        sentences = (
            [self.tr("MCP Desk split this into the program “%1” and its arguments, below.")] if split else []
        )
        if missing:
            sentences.append(self._missing(command))
        text = " ".join(sentences).replace("%1", command).replace("%2", self._suggested)
        if missing:
            self.command_note.show_problem(text)
        elif text:
            self.command_note.show_info(text)
        else:
            self.command_note.clear()
        self.suggestion_button.setText(self.tr("Use “%1”").replace("%1", self._suggested))
        self.suggestion_button.setAccessibleName(self.suggestion_button.text())
        self.suggestion_button.setVisible(bool(self._suggested))

    def _missing(self, command: str) -> str:
        """Why this computer can't run `command` and what to do: %1 is the command, %2 the near miss."""
        if _is_path(command):
            return self.tr("There is no program at “%1”. Check the path.")
        hint = install_hint(command)
        if hint is not None:
            return self.tr(
                "“%1” isn't on this computer yet. Install %2 before you start this server."
            ).replace("%2", hint)
        if self._suggested:
            return self.tr("“%1” isn't on this computer. Did you mean “%2”?")
        return self.tr("“%1” isn't on this computer. Check the spelling, install it, or give its full path.")

    def _on_browse_button_clicked(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose the working folder"), self.cwd_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.fileSelected.connect(self.cwd_edit.setText)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
