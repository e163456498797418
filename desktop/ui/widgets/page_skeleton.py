"""What a page looks like while MCP Desk is still starting: its title, what it is for, grey bars."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

BAR_SHARES = (0.6, 0.9, 0.75, 0.85, 0.5)
BAR_HEIGHT = 14


class PageSkeleton(QWidget):
    """A page's place in the first paint, until the window puts the page itself there."""

    def __init__(self, title: str, purpose: str) -> None:
        super().__init__()
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        self._purpose = QLabel(purpose)
        self._purpose.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self._purpose)
        layout.addStretch(1)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(QPalette.ColorRole.Midlight))
        left = self._purpose.x()
        width = self.width() - 2 * left
        top = self._purpose.geometry().bottom() + 2 * BAR_HEIGHT
        for share in BAR_SHARES:
            painter.drawRoundedRect(QRectF(left, top, width * share, BAR_HEIGHT), 4, 4)
            top += 2 * BAR_HEIGHT
