"""A server asks the model for text: the user sees the request before the model does, and the
answer before the server does."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from desktop.core.consent import SamplingRequest, SamplingReview
from desktop.core.suspicious import reveal, scan
from desktop.ui.dialogs.question_dialog import QuestionDialog, shortened
from desktop.ui.style import code_box, heading, hint
from desktop.ui.widgets.collapsible import Collapsible
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.markdown_view import plain


def conversation_text(request: SamplingRequest) -> str:
    """The server's messages, one after another, each under its role, hidden characters written out."""
    return "\n\n".join(f"{reveal(role).upper()}:\n{reveal(text)}" for role, text in request.messages)


class SamplingDialog(QuestionDialog):
    """Reviews a server's sampling request (`answer` None) or the model's answer to it.

    A request is shown with its system prompt and messages; approving lets the model read them.
    An answer is shown in an editable box; what the user leaves there is what the server gets.
    Deny is the default button and has the focus; Escape or closing the window denies.

    Signals:
        answered(object): the user's `SamplingReview`.
    """

    def __init__(self, request: SamplingRequest, answer: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.answer = answer
        self.answer_box: QPlainTextEdit | None = None
        self.approve_button = QPushButton(
            self.tr("Let the model answer") if answer is None else self.tr("Send")
        )
        self.deny_button = QPushButton(self.tr("Deny"), self)
        self.approve_button.setToolTip(
            self.tr(
                "Let your model read the server's messages and write an answer; you see it before it is sent"
            )
            if answer is None
            else self.tr("Send the answer, as it is in the box, to the server")
        )
        self.deny_button.setToolTip(self.tr("Tell the server no; nothing is sent to it"))
        server = shortened(request.server)
        self.setWindowTitle(self.tr("“%1” wants to use your model").replace("%1", server))
        self.setMinimumWidth(600)
        if answer is None:
            self._build_request(self.body_layout, server)
        else:
            self._build_answer(self.body_layout, server, answer)
        self.outer_layout.addLayout(self._button_row())
        self.approve_button.clicked.connect(self._on_approve_button_clicked)
        self.deny_button.clicked.connect(self.reject)

    def _build_request(self, layout: QVBoxLayout, server: str) -> None:
        layout.addWidget(
            plain(heading(self.tr("“%1” wants your model to write something").replace("%1", server)))
        )
        layout.addWidget(self.waiting_label)
        layout.addWidget(
            hint(
                self.tr(
                    "If you agree, your model reads the text below and writes an answer. You see the "
                    "answer, and can change it, before it goes back to the server."
                ),
                self,
            )
        )
        if self.request.system_prompt.strip():
            layout.addWidget(QLabel(self.tr("Instructions for the model:"), self))
            layout.addWidget(code_box(reveal(self.request.system_prompt), self, lines=3))
        layout.addWidget(QLabel(self.tr("Messages:"), self))
        self.messages_box = code_box(conversation_text(self.request), self, lines=8)
        self.messages_box.setAccessibleName(self.tr("The server's messages"))
        layout.addWidget(self.messages_box, 1)
        words = self.request.system_prompt + "\n".join(text for _, text in self.request.messages)
        self._add_flags(layout, words)
        length = self.tr("The answer may be up to %1 tokens long.").replace(
            "%1", str(self.request.max_tokens)
        )
        layout.addWidget(hint(length, self))

    def _build_answer(self, layout: QVBoxLayout, server: str, answer: str) -> None:
        layout.addWidget(plain(heading(self.tr("Send your model's answer to “%1”?").replace("%1", server))))
        layout.addWidget(self.waiting_label)
        layout.addWidget(hint(self.tr("You can change the answer before it is sent."), self))
        self.answer_box = QPlainTextEdit(answer, self)
        self.answer_box.setTabChangesFocus(True)
        self.answer_box.setAccessibleName(self.tr("The model's answer"))
        self.answer_box.setToolTip(self.tr("What the server gets if you press Send; you can change it"))
        layout.addWidget(self.answer_box, 1)
        self._add_flags(layout, answer)
        asked = code_box(conversation_text(self.request), None, lines=6)
        layout.addWidget(Collapsible(self.tr("What the server asked"), asked, self))

    def _add_flags(self, layout: QVBoxLayout, text: str) -> None:
        for flag in scan(text):
            warning = InlineMessage(self)
            plain(warning.text_label)
            warning.show_problem(flag.sentence())
            layout.addWidget(warning)

    def _button_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch()
        self.approve_button.setAutoDefault(False)
        self.approve_button.setDefault(False)
        self.deny_button.setAutoDefault(True)
        self.deny_button.setDefault(True)
        row.addWidget(self.approve_button)
        row.addWidget(self.deny_button)
        self.deny_button.setFocus()
        return row

    def refusal(self) -> SamplingReview:
        return SamplingReview(False)

    def _on_approve_button_clicked(self) -> None:
        text = self.answer_box.toPlainText() if self.answer_box is not None else ""
        self._answer(SamplingReview(True, text), accepted=True)
