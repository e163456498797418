"""A quiet “Saved” beside a setting that saves itself, gone again after a few seconds."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QWidget

from desktop.ui.style import hint

SHOWN_MS = 4000


class SavedNote(QWidget):
    """Empty until `show_saved()`; it keeps its place, so nothing beside it moves."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = hint(parent=self)
        self.label.setAccessibleName(self.tr("Saved"))
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(self.tr("✓ Saved")) + 4)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        self.timer = QTimer(self)
        """Clears the note; its interval is how long “Saved” stays."""
        self.timer.setSingleShot(True)
        self.timer.setInterval(SHOWN_MS)
        self.timer.timeout.connect(self.label.clear)

    @property
    def text(self) -> str:
        return self.label.text()

    def clear(self) -> None:
        self.timer.stop()
        self.label.clear()

    def show_saved(self) -> None:
        self.label.setText(self.tr("✓ Saved"))
        self.timer.start()
