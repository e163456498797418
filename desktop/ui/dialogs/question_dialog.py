"""What every question to the user shares: a non-modal dialog answered once, and refused by default.

The tool-call, elicitation and sampling dialogs build on it. Names in their headings come from a
server and are shortened here, hidden characters written out.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QFrame, QScrollArea, QVBoxLayout, QWidget

from desktop.core.suspicious import reveal
from desktop.ui.style import SPACING, hint, pad

MAX_LABEL = 80
"""Names and titles from a server are cut to this many characters in headings."""
SCREEN_SHARE = 0.85
"""A question's window grows to show all it says, up to this share of the screen's height."""


def shortened(text: str, limit: int = MAX_LABEL) -> str:
    """`text` on one line, hidden characters written out, cut to `limit` characters."""
    line = " ".join(reveal(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class QuestionDialog(QDialog):
    """A question the user answers once; Escape, or closing the window, answers `refusal()`.

    Non-modal: show it with `show()` and listen to `answered`. Subclasses put what they say in
    `body_layout`, which scrolls when the screen is too small, and their buttons in `outer_layout`.

    Signals:
        answered(object): the user's answer (a Decision, ElicitationAnswer or SamplingReview).
    """

    answered = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waiting_label = hint(parent=self)
        self.waiting_label.setAccessibleName(
            QCoreApplication.translate("QuestionDialog", "Questions waiting")
        )
        self.waiting_label.hide()
        self._finished = False
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.body_layout.setSpacing(SPACING)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self.body)
        self.outer_layout = QVBoxLayout(self)
        pad(self.outer_layout)
        self.outer_layout.addWidget(self.scroll_area, 1)

    def showEvent(self, event: QShowEvent) -> None:
        """Grow to show everything, as far as the screen allows; the rest scrolls."""
        super().showEvent(event)
        viewport = self.scroll_area.viewport()
        needed = self.body.heightForWidth(viewport.width())
        extra = (needed if needed > 0 else self.body.sizeHint().height()) - viewport.height()
        room = int(self.screen().availableGeometry().height() * SCREEN_SHARE)
        if extra > 0:
            self.resize(self.width(), min(self.height() + extra, max(room, self.height())))

    def refusal(self) -> object:
        raise NotImplementedError

    def set_waiting(self, count: int) -> None:
        """Say how many questions wait, this one included."""
        self.waiting_label.setText(
            QCoreApplication.translate("QuestionDialog", "1 of %1 waiting").replace("%1", str(count))
        )
        self.waiting_label.setVisible(count > 1)

    def withdraw(self) -> None:
        """Close without an answer: the question was taken back."""
        self._finished = True
        self.close()

    def reject(self) -> None:
        if self._finished:
            super().reject()
        else:
            self._answer(self.refusal())

    def _answer(self, answer: object, accepted: bool = False) -> None:
        if self._finished:
            return
        self._finished = True
        self.answered.emit(answer)
        self.done(QDialog.DialogCode.Accepted if accepted else QDialog.DialogCode.Rejected)
