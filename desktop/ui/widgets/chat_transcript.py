"""A chat's messages, newest at the bottom, built only as far back as the user scrolls.

A long chat builds its last `PAGE` messages; “Show earlier messages” builds the page before.
Streamed text goes to the one message being written. The view follows new text while the
user is at the bottom, and stays put when they scrolled up to read.
"""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QFrame, QPushButton, QScrollArea, QVBoxLayout, QWidget

from desktop.llm.chat.control import ChatMessage, Role
from desktop.ui.app_views import AppViews
from desktop.ui.icon_cache import IconCache
from desktop.ui.resource_opener import ResourceOpener
from desktop.ui.style import SPACING
from desktop.ui.widgets.chat_message_view import MessageView

PAGE = 40
"""Messages built at a time."""
FOLLOW_SLACK = 24
"""Pixels from the bottom that still count as “at the bottom”."""


def shown(message: ChatMessage) -> bool:
    """Tool messages only carry results back to the model; their cards show them to the user."""
    return message.role is not Role.TOOL


class ChatTranscript(QScrollArea):
    """Shows one chat's messages; the page feeds it what the chat side reports.

    Signals:
        link_clicked(QUrl): a link in a message was clicked; nothing was opened.
        audit_record_requested(int): a tool card's audit link was clicked (the record's number).
        attach_requested(str, str): a note's “Attach the new version” was pressed (server, address).
        slow_call_answered(str, bool): Keep waiting (True) or Stop (False) on a card's slow call (its id).
    """

    link_clicked = Signal(QUrl)
    audit_record_requested = Signal(int)
    attach_requested = Signal(str, str)
    slow_call_answered = Signal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icons: IconCache | None = None
        """Tools' icons for their cards; set by the page."""
        self.opener: ResourceOpener | None = None
        """Reads a resource a result links to, when the user opens it; set by the page."""
        self.app_views: AppViews | None = None
        """Shows a tool's MCP App view in its card; set by the page."""
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName(self.tr("Conversation"))
        self._messages: list[ChatMessage] = []
        self._first_built = 0
        """Index in `_messages` of the oldest message that has a view."""
        self.views: dict[int, MessageView] = {}
        self._follow = True
        self._keep_from_bottom: int | None = None
        self.earlier_button = QPushButton(self)
        self.earlier_button.setToolTip(self.tr("Show the older part of this conversation"))
        content = QWidget(self)
        self._column = QVBoxLayout(content)
        self._column.setContentsMargins(SPACING, SPACING, SPACING, SPACING)
        self._column.setSpacing(SPACING)
        self._column.addWidget(self.earlier_button)
        self._column.addStretch(1)
        self.setWidget(content)
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_bar_range_changed)
        bar.valueChanged.connect(self._on_bar_value_changed)
        self.earlier_button.clicked.connect(self.show_earlier)
        self._update_earlier_button()

    @property
    def messages(self) -> list[ChatMessage]:
        """Every message of the chat, built or not, oldest first."""
        return list(self._messages)

    def show_messages(self, messages: list[ChatMessage]) -> None:
        """Replace the transcript with `messages` and show the newest."""
        for view in self.views.values():
            view.deleteLater()
        self.views.clear()
        self._messages = [message for message in messages if shown(message)]
        self._first_built = len(self._messages)
        self._build_back_to(max(0, len(self._messages) - PAGE))
        self._follow = True
        self._keep_from_bottom = None

    def show_earlier(self) -> None:
        bar = self.verticalScrollBar()
        self._keep_from_bottom = bar.maximum() - bar.value()
        self._build_back_to(max(0, self._first_built - PAGE))

    def put_message(self, message: ChatMessage) -> None:
        """Show a new message at the end, or show a known one as it is now."""
        if not shown(message):
            return
        index = self._index_of(message.id)
        if index is None:
            self._messages.append(message)
            self._add_view(message, self._column.count() - 1)
            return
        self._messages[index] = message
        view = self.views.get(message.id)
        if view is not None:
            view.show_message(message)

    def append_text(self, chat_id: str, message_id: int, text: str) -> None:
        """More of an answer being written; an answer not announced yet starts here."""
        index = self._index_of(message_id)
        if index is None:
            self.put_message(ChatMessage(message_id, chat_id, Role.ASSISTANT, text, time.time()))
            return
        self._messages[index] = replace(self._messages[index], text=self._messages[index].text + text)
        view = self.views.get(message_id)
        if view is not None:
            view.append_text(text)

    def has_question(self) -> bool:
        return any(message.role is Role.USER for message in self._messages)

    def _index_of(self, message_id: int) -> int | None:
        for index in range(len(self._messages) - 1, -1, -1):
            if self._messages[index].id == message_id:
                return index
        return None

    def _build_back_to(self, first: int) -> None:
        for index in range(self._first_built - 1, first - 1, -1):
            self._add_view(self._messages[index], 1)
        self._first_built = min(self._first_built, first)
        self._update_earlier_button()

    def _add_view(self, message: ChatMessage, position: int) -> None:
        view = MessageView(message, self.widget(), self.icons, self.opener, self.app_views)
        view.link_clicked.connect(self.link_clicked)
        view.audit_record_requested.connect(self.audit_record_requested)
        view.attach_requested.connect(self.attach_requested)
        view.slow_call_answered.connect(self.slow_call_answered)
        self.views[message.id] = view
        self._column.insertWidget(position, view)

    def _update_earlier_button(self) -> None:
        hidden = self._first_built
        self.earlier_button.setText(self.tr("Show earlier messages (%1 more)").replace("%1", f"{hidden:,}"))
        self.earlier_button.setVisible(hidden > 0)

    def _on_bar_range_changed(self, _minimum: int, maximum: int) -> None:
        bar = self.verticalScrollBar()
        if self._keep_from_bottom is not None:
            bar.setValue(maximum - self._keep_from_bottom)
            self._keep_from_bottom = None
        elif self._follow:
            bar.setValue(maximum)

    def _on_bar_value_changed(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - FOLLOW_SLACK
