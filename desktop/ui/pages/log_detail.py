"""Below the Log table: the selected message in full, and the way to its request or answer."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.rpc_log import EntryKind, RpcEntry
from desktop.ui.models.log_table_model import CELL_TEXT, Column, LogTableModel
from desktop.ui.style import selectable
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.json_view import JsonView


def header_text(entry: RpcEntry) -> str:
    """Every column of the entry on one line: “10:32:05.120 · files · → sent · request · id 7 · …”."""
    parts = [CELL_TEXT[column](entry) for column in Column]
    if entry.rpc_id is not None:
        parts[Column.ID] = QCoreApplication.translate("LogDetail", "id %1").replace("%1", entry.rpc_id)
    return " · ".join(part for part in parts if part)


class LogDetail(QWidget):
    """Shows the entry given to `show_entry`; disabled while none is selected.

    Signals:
        jump_requested(RpcEntry): the user wants to see this entry (a request or its answer).
    """

    jump_requested = Signal(object)

    def __init__(self, model: LogTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._entry: RpcEntry | None = None
        self.header_label = selectable(QLabel(self))
        self.header_label.setAccessibleName(self.tr("About this message"))
        self.message_view = JsonView(self)
        self.message_view.setAccessibleName(self.tr("Message"))
        self.message_view.setPlaceholderText(self.tr("Select a row to see the whole message here."))
        self.request_button = self._button(self.tr("Go to request"), self.tr("Show the request this answers"))
        self.response_button = self._button(
            self.tr("Go to response"), self.tr("Show the server's answer to this request")
        )
        self.copy_button = self._button(self.tr("Copy"), self.tr("Copy the message to the clipboard"))
        self.message = InlineMessage(self)
        buttons = QHBoxLayout()
        for button in (self.request_button, self.response_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addWidget(self.message, 1)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.header_label)
        layout.addWidget(self.message_view, 1)
        layout.addLayout(buttons)
        self.request_button.clicked.connect(self._on_request_button_clicked)
        self.response_button.clicked.connect(self._on_response_button_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.show_entry(None)

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        return button

    def show_entry(self, entry: RpcEntry | None) -> None:
        self._entry = entry
        self.message.clear()
        self.header_label.setText(header_text(entry) if entry is not None else "")
        self.message_view.show_text(entry.text if entry is not None else "")
        self.request_button.setEnabled(entry is not None and entry.pair is not None)
        self.response_button.setEnabled(
            entry is not None and entry.kind is EntryKind.REQUEST and entry.rpc_id is not None
        )
        self.copy_button.setEnabled(entry is not None)

    def _on_request_button_clicked(self) -> None:
        assert self._entry is not None
        request = self._model.request_of(self._entry)
        if request is None:
            self.message.show_info(self.tr("The request is older than what this view still holds."))
        else:
            self.jump_requested.emit(request)

    def _on_response_button_clicked(self) -> None:
        assert self._entry is not None
        response = self._model.response_to(self._entry)
        if response is None:
            self.message.show_info(self.tr("No answer to this request has arrived."))
        else:
            self.jump_requested.emit(response)

    def _on_copy_button_clicked(self) -> None:
        assert self._entry is not None
        QGuiApplication.clipboard().setText(self._entry.text)
