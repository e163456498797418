"""Adding or editing a server: a plain form, and the same server as JSON for those who have a snippet."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QPlainTextEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config import ServerConfig
from desktop.ui.dialogs.sandbox_fields import SandboxFields
from desktop.ui.dialogs.server_fields import ServerFields
from desktop.ui.style import hint, monospace_font, pad
from desktop.ui.widgets.collapsible import Collapsible
from desktop.ui.widgets.inline_message import InlineMessage

REACH_KEYS = ("command", "args", "env", "cwd", "url", "headers")


class EntryProblem(ValueError):
    """The JSON can't describe a server; the message says why in plain words."""


def describe_config_error(error: ValidationError) -> str:
    """The first problem pydantic found, as a sentence."""
    first = error.errors()[0]
    if first["type"] == "value_error":
        text = str(first["ctx"]["error"])
        return text[:1].upper() + text[1:].rstrip(".") + "."
    where = " ".join(str(part) for part in first["loc"]) or "server"
    why = first["msg"][:1].lower() + first["msg"][1:]
    return (
        QCoreApplication.translate("ServerFormDialog", "The value for “%1” isn't right: %2.")
        .replace("%1", where)
        .replace("%2", why)
    )


def parse_entry(text: str) -> tuple[str | None, dict[str, Any]]:
    """A Claude Desktop entry, or a `{"name": entry}` / `{"mcpServers": {"name": entry}}` snippet.

    Returns the name found in the snippet (if any) and the entry's fields that say how to reach it.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EntryProblem(
            QCoreApplication.translate(
                "ServerFormDialog",
                "This is not valid JSON (line %1, column %2: %3). "
                "The form keeps its previous values until it is fixed.",
            )
            .replace("%1", str(exc.lineno))
            .replace("%2", str(exc.colno))
            .replace("%3", exc.msg)
        ) from exc
    name = None
    if isinstance(data, dict) and isinstance(data.get("mcpServers"), dict):
        data = data["mcpServers"]
    if isinstance(data, dict) and len(data) == 1 and not set(data) & set(REACH_KEYS):
        name, data = next(iter(data.items()))
    if not isinstance(data, dict) or not ("command" in data or "url" in data):
        raise EntryProblem(
            QCoreApplication.translate(
                "ServerFormDialog", 'Describe one server with "command" (and "args", "env") or with "url".'
            )
        )
    try:
        config = ServerConfig.model_validate({key: data[key] for key in REACH_KEYS if key in data})
    except ValidationError as exc:
        raise EntryProblem(describe_config_error(exc)) from exc
    return name, config.claude_entry() | ({"cwd": config.cwd} if config.cwd else {})


class ServerFormDialog(QDialog):
    """Add a server (no `name`) or edit server `name`; nothing is saved until the page acts on the signal.

    `taken` holds the names already in use (the edited server's own name may be among them).

    Signals:
        accepted_config(str, ServerConfig, object): the name, the new settings, and the old name
            when editing (None when adding).
    """

    accepted_config = Signal(str, ServerConfig, object)

    def __init__(
        self,
        taken: set[str],
        name: str | None = None,
        config: ServerConfig | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._old_name = name
        self._writing_json = False
        editing = name is not None
        title = self.tr("Edit “%1”").replace("%1", name) if name is not None else self.tr("Add a server")
        self.setWindowTitle(title)
        self.resize(620, 640)
        self.fields = ServerFields(taken - {name} if name is not None else taken, self)
        self.fields.set_name(name or "")
        self.fields.set_config(config)
        self.sandbox_fields = SandboxFields(self)
        self.sandbox_fields.set_sandbox(config.sandbox if config else None)
        cwd = self.fields.cwd_edit
        cwd.textChanged.connect(lambda text: self.sandbox_fields.set_own_folder(text.strip() or None))
        self.sandbox_fields.set_own_folder(cwd.text().strip() or None)
        self.sandbox_section = Collapsible(self.tr("Sandbox"), self.sandbox_fields, self)
        self.sandbox_section.set_open(True)
        self.sandbox_section.setHidden(self.fields.remote_radio.isChecked())
        self.fields.remote_radio.toggled.connect(self.sandbox_section.setHidden)
        self.json_edit = QPlainTextEdit(self)
        self.json_edit.setFont(monospace_font())
        self.json_edit.setAccessibleName(self.tr("Server as JSON"))
        self.json_edit.setToolTip(self.tr("Optional: paste a server's JSON snippet here to fill in the form"))
        self.json_message = InlineMessage(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._scrolling(self.fields, self.sandbox_section), self.tr("Settings"))
        self.tabs.addTab(self._json_page(), self.tr("JSON"))
        self.tabs.setTabToolTip(1, self.tr("The same server in the format Claude Desktop uses"))
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.addButton(
            self.tr("Save") if editing else self.tr("Add server"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setDefault(True)
        self.save_button.setToolTip(self.tr("Check the settings and save them"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setToolTip(self.tr("Close without saving anything"))
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.json_edit.textChanged.connect(self._on_json_edit_text_changed)

    def _scrolling(self, *content: QWidget) -> QScrollArea:
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget(area)
        layout = QVBoxLayout(inner)
        pad(layout)
        for widget in content:
            layout.addWidget(widget)
        layout.addStretch()
        area.setWidget(inner)
        return area

    def _json_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        pad(layout)
        layout.addWidget(
            hint(
                self.tr(
                    "The same server in the format Claude Desktop uses. "
                    "Paste a snippet from a server's instructions here to fill in the form."
                ),
                page,
            )
        )
        layout.addWidget(self.json_edit, 1)
        layout.addWidget(self.json_message)
        return page

    def _write_json(self) -> None:
        self._writing_json = True
        self.json_edit.setPlainText(json.dumps(self.fields.entry(), indent=2, ensure_ascii=False))
        self._writing_json = False
        self.json_message.clear()

    def _json_shown(self) -> bool:
        return self.tabs.currentIndex() == 1

    def _on_tabs_current_changed(self, _index: int) -> None:
        self.message.clear()
        if self._json_shown():
            self._write_json()

    def _on_json_edit_text_changed(self) -> None:
        if self._writing_json:
            return
        try:
            name, entry = parse_entry(self.json_edit.toPlainText())
        except EntryProblem as problem:
            self.json_message.show_problem(str(problem))
            return
        self.json_message.clear()
        self.fields.set_entry(entry)
        if name and not self.fields.name():
            self.fields.set_name(name)

    def _on_buttons_accepted(self) -> None:
        if self._json_shown() and self.json_message.text:
            self.message.show_problem(
                self.tr("Fix the JSON first, or go back to Settings and fill in the form.")
            )
            return
        problem = self.fields.problem()
        if problem is not None:
            self._show_problem(*problem)
            return
        try:
            remote = self.fields.remote_radio.isChecked()
            sandbox = None if remote else self.sandbox_fields.data()
            config = ServerConfig.model_validate(self.fields.to_data() | {"sandbox": sandbox})
        except ValidationError as exc:
            self._show_problem(describe_config_error(exc), None)
            return
        self.accepted_config.emit(self.fields.name(), config, self._old_name)
        self.accept()

    def _show_problem(self, text: str, field: QWidget | None) -> None:
        self.message.show_problem(text)
        if field is not None:
            self.tabs.setCurrentIndex(0)
            field.setFocus()
