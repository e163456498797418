"""What goes with the next message from servers: one button per attachment (click to take it off),
and the sentence about any that was cut to fit the model's context."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.llm.chat.attachments import Attachment
from desktop.ui.style import hint


class AttachmentStrip(QWidget):
    """Hidden while nothing is attached.

    Signals:
        changed(int): what is attached changed; about this many tokens of the model's context in all.
    """

    changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attached: list[Attachment] = []
        self.buttons: list[QPushButton] = []
        self.row = QHBoxLayout()
        self.row.addWidget(QLabel(self.tr("Goes with your message:"), self))
        self.row.addStretch(1)
        self.note = hint(parent=self)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.row)
        layout.addWidget(self.note)
        self._update()

    def add(self, attachment: Attachment) -> None:
        self.attached.append(attachment)
        name = attachment.uri.rstrip("/").rsplit("/", 1)[-1] or attachment.uri
        button = QPushButton(self.tr("%1  ✕").replace("%1", name), self)
        button.setToolTip(
            self.tr("From “%1”: %2 — about %3 tokens of the model's context. Click to take it off.")
            .replace("%1", attachment.server)
            .replace("%2", attachment.uri)
            .replace("%3", f"{attachment.tokens:,}")
        )
        button.setAccessibleName(self.tr("Attached: %1").replace("%1", attachment.uri))
        button.clicked.connect(lambda _checked=False, b=button: self._remove(b))
        self.row.insertWidget(len(self.buttons) + 1, button)
        self.buttons.append(button)
        self._update()

    def clear(self) -> None:
        for button in self.buttons:
            button.deleteLater()
        self.buttons.clear()
        self.attached.clear()
        self._update()

    def _remove(self, button: QPushButton) -> None:
        index = self.buttons.index(button)
        self.buttons.pop(index).deleteLater()
        self.attached.pop(index)
        self._update()

    def _update(self) -> None:
        notes = [a.note for a in self.attached if a.note]
        self.note.setText(" ".join(notes))
        self.note.setVisible(bool(notes))
        self.setVisible(bool(self.attached))
        self.changed.emit(sum(a.tokens for a in self.attached))
