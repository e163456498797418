"""A running call on its card: how far the server says it got, and, when it takes longer than
usual, the choice to keep waiting or stop it.

The server's message came from the server, so it is shown as plain text.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.llm.chat.control import CallStatus, ToolCard
from desktop.ui.widgets.markdown_view import plain

STEPS = 1000
"""The bar's range when the server says how much there is to do."""


def waited_words(seconds: float) -> str:
    if seconds < 90:
        return QCoreApplication.translate("CallProgress", "%1 seconds").replace("%1", f"{seconds:.0f}")
    return QCoreApplication.translate("CallProgress", "%1 minutes").replace("%1", f"{seconds / 60:.0f}")


def slow_words(card: ToolCard) -> str:
    return QCoreApplication.translate(
        "CallProgress",
        "The tool has been working for %1, longer than its server usually takes. Keep waiting, or stop it.",
    ).replace("%1", waited_words(card.waited_s))


class CallProgressView(QWidget):
    """Signals:
    answered(bool): the user pressed Keep waiting (True) or Stop (False).
    """

    answered = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName(self.tr("How far the tool has got"))
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.message_label = plain(QLabel(self))
        self.message_label.setWordWrap(True)
        self.slow_label = plain(QLabel(self))
        self.slow_label.setWordWrap(True)
        self.keep_button = QPushButton(self.tr("Keep waiting"), self)
        self.keep_button.setToolTip(self.tr("Give the tool more time to finish"))
        self.stop_button = QPushButton(self.tr("Stop"), self)
        self.stop_button.setToolTip(self.tr("Stop this tool call; the assistant is told you stopped it"))
        self.keep_button.clicked.connect(self._on_keep_button_clicked)
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        self._layout()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(4)
        layout.addWidget(self.bar)
        layout.addWidget(self.message_label)
        layout.addWidget(self.slow_label)
        layout.addLayout(buttons)

    def show_card(self, card: ToolCard) -> None:
        """Shown for a running call the server reports on, one taking longer than usual (Keep waiting,
        Stop), and a task the server runs; Stop at any time."""
        slow = card.status is CallStatus.SLOW
        task = card.status is CallStatus.RUNNING and bool(card.task_id)
        reporting = card.status is CallStatus.RUNNING and card.progress is not None
        self.setVisible(slow or task or reporting)
        fraction = card.progress.fraction if card.progress is not None else None
        if fraction is None:
            self.bar.setRange(0, 0)  # busy: the server did not say how much there is
        else:
            self.bar.setRange(0, STEPS)
            self.bar.setValue(round(fraction * STEPS))
        message = card.progress.message if card.progress is not None else ""
        self.message_label.setText(message)
        self.message_label.setVisible(bool(message))
        self.slow_label.setText(slow_words(card) if slow else "")
        for widget in (self.slow_label, self.keep_button):
            widget.setVisible(slow)
        self.stop_button.setVisible(slow or task or reporting)
        self.keep_button.setEnabled(slow)
        self.stop_button.setEnabled(slow or task or reporting)

    def _on_keep_button_clicked(self) -> None:
        self._answer(True)

    def _on_stop_button_clicked(self) -> None:
        self._answer(False)

    def _answer(self, keep_waiting: bool) -> None:
        """Once per question: the buttons wait for the card's next state."""
        self.keep_button.setEnabled(False)
        self.stop_button.setEnabled(False)
        self.answered.emit(keep_waiting)
