"""Where the user writes: the box, Send or Stop, Try again, and what the chat is doing now.

Above the box, where the user decides what to ask, a strip says what stands in the way: no
model to answer, or a model that wasn't made to use tools.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFontMetrics, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.llm.chat.attachments import with_attachments
from desktop.ui.resource_drag import dropped_resource, take_drag
from desktop.ui.style import callout_style, hint, labelled_button
from desktop.ui.widgets.attachment_strip import AttachmentStrip

INPUT_LINES = 3


class ChatInput(QPlainTextEdit):
    """Enter sends; Shift+Enter starts a new line; "/" in an empty box asks for a server's prompt.

    Signals:
        submitted(): Enter was pressed.
        slash_typed(): "/" was typed into the empty box (it is not written).
    """

    submitted = Signal()
    slash_typed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text() == "/" and not self.toPlainText():
            self.slash_typed.emit()
            return
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ChatComposer(QWidget):
    """The input box and its buttons; the page says whether a turn is running and if sending can work.

    Signals:
        send_requested(str): the user sent this text (never blank); the box was emptied.
        stop_requested(): the user wants the answer being written to stop.
        regenerate_requested(): the user wants the last answer written again.
        model_page_requested(): the user wants to go where a model is chosen.
        attach_requested(): the user wants to attach something from a server.
        prompt_requested(): the user wants to use a server's prompt ("+" menu, or "/").
        resource_dropped(str, str): a server's resource (server, address) was dropped here to attach.
    """

    attach_requested = Signal()
    resource_dropped = Signal(str, str)
    prompt_requested = Signal()
    send_requested = Signal(str)
    stop_requested = Signal()
    regenerate_requested = Signal()
    model_page_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.busy = False
        self.not_ready: str | None = None
        self.tools_warning: str | None = None
        self.can_regenerate = False
        self.input = ChatInput(self)
        self.input.setPlaceholderText(
            self.tr(
                "Ask something… (Enter sends, Shift+Enter starts a new line). Type / for ready-made requests"
            )
        )
        self.input.setAccessibleName(self.tr("Your message"))
        self.input.setToolTip(self.tr("Write to your model. Enter sends; Shift+Enter starts a new line."))
        self.input.setTabChangesFocus(True)
        self.input.setFixedHeight(QFontMetrics(self.input.font()).lineSpacing() * INPUT_LINES + 14)
        self.send_button = self._button(self.tr("Send"), self.tr("Send your message (Enter)"))
        self.stop_button = self._button(self.tr("Stop"), self.tr("Stop the answer being written"))
        self.regenerate_button = self._button(
            self.tr("Try again"), self.tr("Write the last answer again, from your last message")
        )
        self.status_label = hint(parent=self)
        self.status_label.setAccessibleName(self.tr("What the chat is doing"))
        self.not_ready_frame = QFrame(self)
        self.not_ready_frame.setObjectName("notReady")
        self.not_ready_frame.setStyleSheet(callout_style(self.not_ready_frame.objectName()))
        self.not_ready_label = QLabel(self.not_ready_frame)
        self.not_ready_label.setTextFormat(Qt.TextFormat.PlainText)
        self.not_ready_label.setWordWrap(True)
        self.model_button = self._button(self.tr("Open the Model page"), self.tr("Choose and load a model"))
        self.attachments = AttachmentStrip(self)
        self.more_button = QToolButton(self)
        self.more_button.setText(self.tr("+ Attach…"))
        self.more_button.setStyleSheet("QToolButton::menu-indicator { image: none; }")
        self.more_button.setToolTip(self.tr("Attach something from a server, or use a ready-made request"))
        self.more_button.setAccessibleName(self.tr("Attach, or use a ready-made request"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more_button)
        menu.addAction(self.tr("Attach from a server…"), self.attach_requested.emit)
        menu.addAction(self.tr("Use a ready-made request…"), self.prompt_requested.emit)
        self.more_button.setMenu(menu)
        self.setAcceptDrops(True)
        self._layout()
        self.input.slash_typed.connect(self.prompt_requested)
        self.input.submitted.connect(self._on_input_submitted)
        self.send_button.clicked.connect(self._on_input_submitted)
        self.stop_button.clicked.connect(self.stop_requested)
        self.regenerate_button.clicked.connect(self.regenerate_requested)
        self.model_button.clicked.connect(self.model_page_requested)
        self._update()

    def _button(self, text: str, tip: str) -> QPushButton:
        return labelled_button(text, tip, self)

    def _layout(self) -> None:
        strip = QHBoxLayout(self.not_ready_frame)
        strip.setContentsMargins(10, 6, 8, 6)
        icon = QLabel(self.not_ready_frame)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation).pixmap(16))
        strip.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        strip.addWidget(self.not_ready_label, 1)
        strip.addWidget(self.model_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.more_button)
        buttons.addWidget(self.status_label, 1)
        for button in (self.regenerate_button, self.stop_button, self.send_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.not_ready_frame)
        layout.addWidget(self.attachments)
        layout.addWidget(self.input)
        layout.addLayout(buttons)

    def set_busy(self, busy: bool, status: str = "") -> None:
        self.busy = busy
        self.status_label.setText(status if busy else "")
        self._update()

    def set_not_ready(self, sentence: str | None) -> None:
        """Show why nothing can be sent yet (None: all is ready)."""
        self.not_ready = sentence
        self._update()

    def set_tools_warning(self, sentence: str | None) -> None:
        """Warn that answers may be made up (None: no warning); sending still works."""
        self.tools_warning = sentence
        self._update()

    def set_can_regenerate(self, possible: bool) -> None:
        self.can_regenerate = possible
        self._update()

    def _update(self) -> None:
        said = self.not_ready if self.not_ready is not None else self.tools_warning
        self.not_ready_label.setText(said or "")
        self.not_ready_frame.setVisible(said is not None)
        self.send_button.setVisible(not self.busy)
        self.send_button.setEnabled(self.not_ready is None)
        self.stop_button.setVisible(self.busy)
        self.regenerate_button.setEnabled(self.can_regenerate and not self.busy and self.not_ready is None)

    def _on_input_submitted(self) -> None:
        text = self.input.toPlainText().strip()
        attached = list(self.attachments.attached)
        if not (text or attached) or self.busy or self.not_ready is not None:
            return
        self.input.clear()
        self.attachments.clear()
        self.send_requested.emit(with_attachments(text, attached))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not take_drag(event):
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not take_drag(event):
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        dropped = dropped_resource(event.mimeData())
        if dropped is None:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        self.resource_dropped.emit(*dropped)

    def insert_text(self, text: str) -> None:
        """Put `text` (a server's prompt) into the box where the cursor is, for the user to read and send."""
        self.input.insertPlainText(text)
        self.input.setFocus()

    def restore(self, text: str) -> None:
        """Put back text that could not be sent, unless the user already wrote something new."""
        if not self.input.toPlainText().strip():
            self.input.setPlainText(text)
