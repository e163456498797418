"""One message of a chat: who said it, when, the text, and for an answer its tool calls."""

from __future__ import annotations

import time
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.llm.chat.attachments import changed_resource, resource_name, typed_part
from desktop.llm.chat.control import Caveat, ChatMessage, Role, ToolCard
from desktop.ui.app_views import AppViews
from desktop.ui.icon_cache import IconCache
from desktop.ui.resource_opener import ResourceOpener
from desktop.ui.style import callout_style, hint
from desktop.ui.widgets.collapsible import DetailsToggle
from desktop.ui.widgets.markdown_view import MarkdownView, plain
from desktop.ui.widgets.tool_card import ToolCardView

COPIED_SHOWN_MS = 1500
NOTE_ACCENT = "#d89614"
MESSAGE_STYLE = """
QFrame#userMessage {
    border-radius: 8px;
    background: palette(alternate-base);
}
""" + callout_style("noteMessage", NOTE_ACCENT)


def speaker(role: Role) -> str:
    return {
        Role.USER: QCoreApplication.translate("ChatMessage", "You"),
        Role.ASSISTANT: QCoreApplication.translate("ChatMessage", "Assistant"),
        Role.TOOL: QCoreApplication.translate("ChatMessage", "Tool"),
        Role.NOTE: QCoreApplication.translate("ChatMessage", "MCP Desk"),
    }[role]


def caveat_text(caveat: Caveat) -> str:
    """The line under an answer in words that should have come from a tool, or ""."""
    return {
        Caveat.NONE: "",
        Caveat.NO_TOOL_USED: QCoreApplication.translate(
            "ChatMessage",
            "Not looked up: the model answered without using a tool, so facts in this answer "
            "(times, files, numbers) may be made up.",
        ),
        Caveat.CANNOT_USE_TOOLS: QCoreApplication.translate(
            "ChatMessage",
            "Not looked up: this model wasn't made to use tools, so facts in this answer "
            "(times, files, numbers) may be made up.",
        ),
    }[caveat]


def clock(when: float) -> str:
    """“14:05” today, “3 Mar 14:05” on another day."""
    local = time.localtime(when)
    if time.strftime("%Y-%m-%d", local) == time.strftime("%Y-%m-%d"):
        return time.strftime("%H:%M", local)
    return time.strftime("%d %b %H:%M", local).lstrip("0")


class MessageView(QFrame):
    """Shows one `ChatMessage`; `show_message` and `append_text` change it in place.

    Answers are Markdown (see `MarkdownView`); what the user typed and MCP Desk's notes are
    plain text. An answer that may be made up says so under it; one that Try again replaced
    says that, and one that had nothing in it is not shown.

    Signals:
        link_clicked(QUrl): a link in the text was clicked; nothing was opened.
        audit_record_requested(int): a tool card's audit link was clicked (the record's number).
        attach_requested(str, str): attach this server's resource (its address) to the next message.
        slow_call_answered(str, bool): Keep waiting (True) or Stop (False) on a card's slow call (its id).
    """

    link_clicked = Signal(QUrl)
    audit_record_requested = Signal(int)
    attach_requested = Signal(str, str)
    slow_call_answered = Signal(str, bool)

    def __init__(
        self,
        message: ChatMessage,
        parent: QWidget | None = None,
        icons: IconCache | None = None,
        opener: ResourceOpener | None = None,
        views: AppViews | None = None,
    ) -> None:
        super().__init__(parent)
        self._icons = icons
        self._opener = opener
        self._views = views
        self.message = message
        self.setObjectName({Role.USER: "userMessage", Role.NOTE: "noteMessage"}.get(message.role, "message"))
        self.setStyleSheet(MESSAGE_STYLE)
        self.speaker_label = QLabel(speaker(message.role), self)
        font = self.speaker_label.font()
        font.setBold(True)
        self.speaker_label.setFont(font)
        self.time_label = hint(clock(message.created), self)
        self.time_label.setWordWrap(False)
        self.copy_button = QToolButton(self)
        self.copy_button.setText(self.tr("Copy"))
        self.copy_button.setToolTip(self.tr("Copy this message to the clipboard"))
        self.copy_button.setAccessibleName(self.tr("Copy message"))
        self.body = MarkdownView(self)
        self.body.setAccessibleName(self.tr("Message text"))
        self.note_label = plain(QLabel(self))
        self.note_label.setWordWrap(True)
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = DetailsToggle(self)
        self.details.set_title(self.tr("Show details"))
        self.attach_button = QPushButton(self.tr("Attach the new version"), self)
        self.attach_button.setToolTip(
            self.tr("Read it again from its server and attach it to your next message")
        )
        self.attach_button.hide()
        self.mark_label = plain(hint(parent=self))
        self.mark_label.setAccessibleName(self.tr("About this answer"))
        self.cards: dict[str, ToolCardView] = {}
        self._cards_layout = QVBoxLayout()
        self._cards_layout.setSpacing(6)
        self._layout()
        self.body.link_clicked.connect(self.link_clicked)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.attach_button.clicked.connect(self._on_attach_button_clicked)
        self.show_message(message)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.setSpacing(8)
        if self.message.role is Role.NOTE:
            icon = QLabel(self)
            icon.setPixmap(
                self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation).pixmap(16)
            )
            top.addWidget(icon)
        top.addWidget(self.speaker_label)
        top.addWidget(self.time_label)
        top.addStretch()
        top.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.note_label)
        layout.addWidget(self.details)
        layout.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.body)
        layout.addLayout(self._cards_layout)
        layout.addWidget(self.mark_label)

    def show_message(self, message: ChatMessage) -> None:
        self.message = message
        note = message.role is Role.NOTE
        self.note_label.setVisible(note)
        if note:
            self.note_label.setText(message.text)
            self.details.set_details(message.details)
            self.attach_button.setVisible(changed_resource(message) is not None)
            self.body.hide()
        else:
            self._show_text(message.text)
        self._show_cards(message.cards)
        self._show_marks(message)

    def _show_marks(self, message: ChatMessage) -> None:
        if message.replaced:
            self.speaker_label.setText(self.tr("Earlier answer"))
            mark = self.tr("Written again below (Try again). The model no longer sees this answer.")
        else:
            mark = caveat_text(message.caveat)
        self.mark_label.setText(mark)
        self.mark_label.setVisible(bool(mark))
        if message.replaced and not (message.text.strip() or message.cards):
            self.hide()

    def append_text(self, text: str) -> None:
        """More of the answer being written."""
        self.message = replace(self.message, text=self.message.text + text)
        self._show_text(self.message.text)

    def _show_text(self, text: str) -> None:
        if self.message.role is Role.ASSISTANT:
            self.body.show_markdown(text)
        elif self.message.role is Role.USER:
            text = self._show_attached(text)
            self.body.show_plain(text)
        else:
            self.body.show_plain(text)
        self.body.setVisible(bool(text.strip()))

    def _show_attached(self, text: str) -> str:
        """What the user typed; what went with it, named in a line, its text one click away."""
        typed, attached = typed_part(text)
        if attached:
            names = ", ".join(
                self.tr("%1 from “%2”").replace("%1", resource_name(uri)).replace("%2", server)
                for server, uri in attached
            )
            self.note_label.setText(self.tr("Attached: %1").replace("%1", names))
            self.details.set_title(self.tr("Show what was attached"))
            self.details.set_details(text)
        self.note_label.setVisible(bool(attached))
        return typed

    def _show_cards(self, cards: tuple[ToolCard, ...]) -> None:
        for card in cards:
            view = self.cards.get(card.call_id)
            if view is None:
                view = ToolCardView(card, self, self._icons, self._opener, self._views, self.message.chat_id)
                view.audit_record_requested.connect(self.audit_record_requested)
                view.slow_call_answered.connect(self.slow_call_answered)
                self.cards[card.call_id] = view
                self._cards_layout.addWidget(view)
            else:
                view.show_card(card)

    def text_to_copy(self) -> str:
        if self.message.role is Role.NOTE and self.message.details:
            return f"{self.message.text}\n\n{self.message.details}"
        return self.message.text

    def _on_attach_button_clicked(self) -> None:
        changed = changed_resource(self.message)
        if changed is not None:
            self.attach_requested.emit(*changed)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.text_to_copy())
        self.copy_button.setText(self.tr("Copied"))
        QTimer.singleShot(COPIED_SHOWN_MS, self, lambda: self.copy_button.setText(self.tr("Copy")))
