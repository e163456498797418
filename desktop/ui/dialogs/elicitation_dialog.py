"""A server asks the user for something: a few answers in a form, or a web page to open.

The server's words, field names and address are shown as plain text with hidden characters
written out; a web page opens only when the user presses “Open in browser”.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.consent import ElicitationAnswer, ElicitationRequest
from desktop.core.json_schema import FORMATS, TYPE_WORDS, schema_problem
from desktop.core.suspicious import reveal
from desktop.ui.dialogs.question_dialog import QuestionDialog, shortened
from desktop.ui.style import code_box, heading, hint, selectable
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.markdown_view import plain

MAX_FIELDS = 50
MAX_MESSAGE = 4000
MAX_DESCRIPTION = 300
WEB_SCHEMES = ("http", "https")
PLACEHOLDERS = {
    **{name: spec.example for name, spec in FORMATS.items()},
    **{kind: TYPE_WORDS[kind].capitalize() for kind in ("integer", "number")},
}


def choices_of(schema: dict[str, Any]) -> list[tuple[str, Any]] | None:
    """(title, value) for an enum (with `enumNames`) or a `oneOf` of consts; None for other fields."""
    enum, one_of = schema.get("enum"), schema.get("oneOf")
    if isinstance(enum, list):
        names = schema.get("enumNames")
        titles = names if isinstance(names, list) and len(names) == len(enum) else enum
        return [(shortened(str(title)), value) for title, value in zip(titles, enum, strict=True)]
    if isinstance(one_of, list):
        options = [o for o in one_of if isinstance(o, dict) and "const" in o]
        return [(shortened(str(o.get("title", o["const"]))), o["const"]) for o in options] or None
    return None


@dataclass
class FormField:
    """One property of the requested schema and the widget that answers it."""

    key: str
    label: str
    schema: dict[str, Any]
    required: bool
    widget: QWidget

    def read(self) -> Any:
        """The value entered, None when left empty; ValueError (a sentence) when it can't be read."""
        widget, kind = self.widget, self.schema.get("type")
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox):
            return widget.currentData() if widget.currentIndex() > 0 else None
        assert isinstance(widget, QLineEdit)
        text = widget.text().strip()
        if not text or kind not in ("number", "integer"):
            return text or None
        with contextlib.suppress(ValueError):
            return int(text)
        with contextlib.suppress(ValueError):
            number = float(text)
            if kind == "number" and math.isfinite(number):
                return number
        raise ValueError(schema_problem(text, {"type": kind}, self.label))

    def problem(self) -> tuple[Any, str]:
        """The value, or a sentence saying what is wrong with it."""
        try:
            value = self.read()
        except ValueError as error:
            return None, str(error)
        if value is None:
            missing = QCoreApplication.translate(
                "ElicitationDialog", "Fill in “%1”; it is required."
            ).replace("%1", self.label)
            return None, missing if self.required else ""
        return value, schema_problem(value, self.schema, self.label) or ""


def field_widget(schema: dict[str, Any], parent: QWidget) -> QWidget | None:
    """An input for one flat property; None for kinds a form here can't ask for."""
    default, kind = schema.get("default"), schema.get("type")
    choices = choices_of(schema)
    if choices is not None:
        combo = QComboBox(parent)
        combo.addItem(QCoreApplication.translate("ElicitationDialog", "Choose…"), None)
        for title, value in choices:
            combo.addItem(title, value)
        combo.setCurrentIndex(next((i + 1 for i, (_, v) in enumerate(choices) if v == default), 0))
        return combo
    if kind == "boolean":
        box = QCheckBox(parent)
        box.setChecked(default is True)
        return box
    if kind not in ("string", "number", "integer"):
        return None
    edit = QLineEdit(parent)
    if isinstance(default, str | int | float) and not isinstance(default, bool):
        edit.setText(str(default))
    fmt = schema.get("format")
    edit.setPlaceholderText(PLACEHOLDERS.get(fmt if isinstance(fmt, str) else str(kind), ""))
    return edit


def url_warnings(url: str) -> tuple[list[str], bool]:
    """Sentences about a suspicious-looking address, and whether it may be opened at all."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        username = parts.username
    except ValueError:
        return [
            QCoreApplication.translate("ElicitationDialog", "This is not a web address MCP Desk can open.")
        ], False
    warnings: list[str] = []
    openable = parts.scheme.lower() in WEB_SCHEMES and bool(host)
    if not openable:
        warnings.append(
            QCoreApplication.translate(
                "ElicitationDialog",
                "MCP Desk opens only web pages (addresses starting with https:// or http://).",
            )
        )
    if reveal(url) != url or any(ch.isspace() for ch in url):
        warnings.append(
            QCoreApplication.translate(
                "ElicitationDialog",
                "The address contains characters you can't see, so MCP Desk won't open it.",
            )
        )
        openable = False
    if username is not None:
        warnings.append(
            QCoreApplication.translate(
                "ElicitationDialog", "The address has a name before “@”; the page is really on %1."
            ).replace("%1", reveal(host))
        )
    if not host.isascii() or any(label.startswith("xn--") for label in host.split(".")):
        warnings.append(
            QCoreApplication.translate(
                "ElicitationDialog",
                "The site's name uses unusual letters, which can imitate another site's name.",
            )
        )
    return warnings, openable


class ElicitationDialog(QuestionDialog):
    """Names the server and shows its message, then a form built from its schema or a web address.

    A form is checked before it is sent. A web page opens in the browser only when the user
    presses “Open in browser”. Decline says no; Cancel, Escape or closing the window dismisses.

    Signals:
        answered(object): the user's `ElicitationAnswer`.
    """

    def __init__(self, request: ElicitationRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.fields: list[FormField] = []
        self.unsupported: list[str] = []
        self.problem = InlineMessage(self)
        plain(self.problem.text_label)
        self.send_button = QPushButton(self._send_text(), self)
        self.send_button.setToolTip(
            self.tr("Open this address in your web browser")
            if request.url is not None
            else self.tr("Send what you entered to the server")
        )
        self.decline_button = QPushButton(self.tr("Decline"), self)
        self.decline_button.setToolTip(self.tr("Tell the server you don't want to answer"))
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setToolTip(self.tr("Close this without answering"))
        self.setWindowTitle(self.tr("“%1” asks you").replace("%1", shortened(request.server)))
        self.setMinimumWidth(560)
        self._build()
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.decline_button.clicked.connect(lambda: self._answer(ElicitationAnswer("decline")))
        self.cancel_button.clicked.connect(self.reject)

    def _send_text(self) -> str:
        return self.tr("Open in browser") if self.request.url is not None else self.tr("Send")

    def _build(self) -> None:
        layout = self.body_layout
        server = shortened(self.request.server)
        layout.addWidget(plain(heading(self.tr("“%1” is asking you").replace("%1", server), self)))
        layout.addWidget(self.waiting_label)
        message = reveal(self.request.message)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "…"
        layout.addWidget(plain(selectable(QLabel(message, self))))
        if self.request.url is not None:
            self._add_address(layout, self.request.url)
        else:
            self._add_form(layout)
        layout.addWidget(self.problem)
        layout.addStretch()
        self.outer_layout.addLayout(self._button_row())

    def _add_address(self, layout: QVBoxLayout, url: str) -> None:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        site = plain(heading(self.tr("Website: %1").replace("%1", reveal(host) or "?"), self, scale=1.0))
        layout.addWidget(site)
        self.address_box = code_box(reveal(url), self, lines=3)
        self.address_box.setAccessibleName(self.tr("Full web address"))
        layout.addWidget(self.address_box)
        warnings, openable = url_warnings(url)
        for sentence in warnings:
            warning = InlineMessage(self)
            plain(warning.text_label)
            warning.show_problem(sentence)
            layout.addWidget(warning)
        self.send_button.setEnabled(openable)
        layout.addWidget(hint(self.tr("Nothing opens until you press “Open in browser”."), self))

    def _add_form(self, layout: QVBoxLayout) -> None:
        schema = self.request.schema if isinstance(self.request.schema, dict) else {}
        properties = schema.get("properties")
        required = schema.get("required")
        required = required if isinstance(required, list) else []
        form = QFormLayout()
        items = list(properties.items())[:MAX_FIELDS] if isinstance(properties, dict) else []
        for key, prop in items:
            self._add_field(form, str(key), prop if isinstance(prop, dict) else {}, key in required)
        layout.addLayout(form)
        if self.unsupported:
            self.problem.show_problem(
                self.tr(
                    "MCP Desk can't show the required field “%1”. Decline or cancel this request."
                ).replace("%1", self.unsupported[0])
            )
            self.send_button.setEnabled(False)

    def _add_field(self, form: QFormLayout, key: str, schema: dict[str, Any], required: bool) -> None:
        title = schema.get("title")
        label = shortened(title if isinstance(title, str) and title.strip() else key)
        widget = field_widget(schema, self)
        if widget is None:
            if required:
                self.unsupported.append(label)
            return
        widget.setAccessibleName(label)
        widget.setToolTip(self.tr("The server asked for this; it gets what you enter when you press Send"))
        self.fields.append(FormField(key, label, schema, required, widget))
        shown = self.tr("%1 (required)").replace("%1", label) if required else label
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(widget)
        description = schema.get("description")
        if isinstance(description, str) and description.strip():
            column.addWidget(plain(hint(shortened(description, MAX_DESCRIPTION), holder)))
        form.addRow(plain(QLabel(shown, self)), holder)

    def _button_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch()
        for button in (self.cancel_button, self.decline_button, self.send_button):
            button.setAutoDefault(False)
            button.setDefault(False)
            row.addWidget(button)
        first = self.fields[0].widget if self.fields else self.cancel_button
        first.setFocus()
        return row

    def refusal(self) -> ElicitationAnswer:
        return ElicitationAnswer("cancel")

    def content(self) -> tuple[dict[str, Any] | None, str]:
        """The form's answers, or None and the first problem with them."""
        values: dict[str, Any] = {}
        for field in self.fields:
            value, problem = field.problem()
            if problem:
                return None, problem
            if value is not None:
                values[field.key] = value
        return values, ""

    def _on_send_button_clicked(self) -> None:
        if self.request.url is not None:
            self._open(self.request.url)
            return
        values, problem = self.content()
        if values is None:
            self.problem.show_problem(problem)
        else:
            self._answer(ElicitationAnswer("accept", values), accepted=True)

    def _open(self, url: str) -> None:
        if QDesktopServices.openUrl(QUrl(url, QUrl.ParsingMode.StrictMode)):
            self._answer(ElicitationAnswer("accept"), accepted=True)
        else:
            self.problem.show_problem(
                self.tr("MCP Desk couldn't open your browser. Copy the address above and open it yourself.")
            )
