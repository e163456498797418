"""How much of the model's context a chat takes, and how much of that the tools take."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.llm.chat.control import ContextUse
from desktop.ui.style import hint

BAR_HEIGHT = 8
BAR_WIDTH = 120
AMBER_FROM = 0.75
RED_FROM = 0.9
COLOURS = {"fine": "#2f6fde", "amber": "#d89614", "red": "#d1372e"}


def fullness(use: ContextUse) -> float:
    return min(1.0, use.used / use.limit) if use.limit > 0 else 0.0


def level(use: ContextUse) -> str:
    """ "fine", "amber" near the limit, or "red" at it."""
    share = fullness(use)
    return "red" if share >= RED_FROM else "amber" if share >= AMBER_FROM else "fine"


def use_text(use: ContextUse) -> str:
    """“1,234 of 4,096 tokens (tools: 600)”."""
    text = (
        QCoreApplication.translate("ContextMeter", "%1 of %2 tokens")
        .replace("%1", f"{use.used:,}")
        .replace("%2", f"{use.limit:,}")
    )
    if use.tools:
        text += " " + QCoreApplication.translate("ContextMeter", "(tools: %1)").replace(
            "%1", f"{use.tools:,}"
        )
    return text


def left_out_text(use: ContextUse) -> str:
    """The sentence shown when tools were left out, or ""."""
    if use.tools_left_out <= 0:
        return ""
    if use.tools_left_out == 1:
        return QCoreApplication.translate(
            "ContextMeter", "1 tool left out to fit the model's context; the most relevant were offered."
        )
    return QCoreApplication.translate(
        "ContextMeter", "%1 tools left out to fit the model's context; the most relevant were offered."
    ).replace("%1", f"{use.tools_left_out:,}")


def level_tip(use: ContextUse) -> str:
    return {
        "fine": QCoreApplication.translate(
            "ContextMeter", "How much of what the model can read at once this chat takes"
        ),
        "amber": QCoreApplication.translate(
            "ContextMeter",
            "The chat is close to what the model can read at once; older messages may be left out",
        ),
        "red": QCoreApplication.translate(
            "ContextMeter",
            "The chat fills what the model can read at once; start a new chat or make the answers shorter",
        ),
    }[level(use)]


class ContextBar(QWidget):
    """A thin bar: the tools' share in a lighter shade, the rest of the conversation after it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use = ContextUse(0, 0, 0)
        self.setFixedSize(BAR_WIDTH, BAR_HEIGHT)

    def show_use(self, use: ContextUse) -> None:
        self.use = use
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        whole = QRectF(self.rect())
        radius = whole.height() / 2
        painter.setBrush(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(whole, radius, radius)
        colour = QColor(COLOURS[level(self.use)])
        used = whole.adjusted(0, 0, -whole.width() * (1 - fullness(self.use)), 0)
        painter.setBrush(colour)
        painter.drawRoundedRect(used, radius, radius)
        if self.use.limit > 0 and self.use.tools > 0:
            tools = used.adjusted(
                0, 0, -used.width() * (1 - min(1.0, self.use.tools / max(1, self.use.used))), 0
            )
            painter.setBrush(colour.lighter(150))
            painter.drawRoundedRect(tools, radius, radius)
        painter.end()


class ContextMeter(QWidget):
    """The numbers and the bar, and below them a sentence when tools had to be left out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use: ContextUse | None = None
        self.text_label = hint(parent=self)
        self.text_label.setWordWrap(False)
        self.text_label.setAccessibleName(self.tr("Context used"))
        self.bar = ContextBar(self)
        self.left_out_label = hint(parent=self)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text_label)
        row.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.left_out_label)
        self.clear()

    def show_use(self, use: ContextUse) -> None:
        if use.limit <= 0:  # no model yet: there is no context to fill
            self.clear()
            return
        self.use = use
        self.text_label.setText(use_text(use))
        self.bar.show_use(use)
        self.bar.show()
        self.setToolTip(level_tip(use))
        self.left_out_label.setText(left_out_text(use))
        self.left_out_label.setVisible(bool(use.tools_left_out))

    def clear(self) -> None:
        self.use = None
        self.text_label.clear()
        self.bar.hide()
        self.left_out_label.hide()
        self.setToolTip("")
