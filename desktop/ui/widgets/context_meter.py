"""How much of the model's context a chat takes, how much of that the tools' descriptions take
(in a calm colour: they are not the chat filling up), and, in words, when they take most of it."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.llm.chat.control import ContextUse
from desktop.ui.style import hint

BAR_HEIGHT = 8
BAR_WIDTH = 120
AMBER_FROM = 0.75
RED_FROM = 0.9
COLOURS = {"fine": "#2f6fde", "amber": "#d89614", "red": "#d1372e", "tools": "#2f6fde"}
TOOLS_COLOUR = "#8fa3b8"
"""The tools' share of the bar: calm, whatever the level."""
TOOLS_CROWD_FROM = 0.5
"""Tool descriptions taking this share of the context or more take most of what the model can read."""
NAMES_SHOWN = 4
"""Tools left out named in the sentence; the tooltip names them all."""


def fullness(use: ContextUse) -> float:
    return min(1.0, use.used / use.limit) if use.limit > 0 else 0.0


def tools_crowd(use: ContextUse) -> bool:
    """The tools' descriptions take most of what the model can read at once."""
    return use.limit > 0 and use.tools >= TOOLS_CROWD_FROM * use.limit


def level(use: ContextUse) -> str:
    """ "fine", "amber" near the limit, or "red" at it; "tools" when it is the tools' descriptions,
    not the conversation, that fill it (said in words, not in red)."""
    share = fullness(use)
    if share >= AMBER_FROM and tools_crowd(use) and (use.used - use.tools) < TOOLS_CROWD_FROM * use.limit:
        return "tools"
    return "red" if share >= RED_FROM else "amber" if share >= AMBER_FROM else "fine"


def use_text(use: ContextUse) -> str:
    """“Chat memory: 30% used” (at least 1% once anything is in it)."""
    percent = round(100 * fullness(use))
    if use.used > 0:
        percent = max(1, percent)
    return QCoreApplication.translate("ContextMeter", "Chat memory: %1% used").replace("%1", str(percent))


def tokens_text(use: ContextUse) -> str:
    """“1,234 of 4,096 tokens (tool descriptions: 600)”, for the tooltip."""
    text = (
        QCoreApplication.translate("ContextMeter", "%1 of %2 tokens")
        .replace("%1", f"{use.used:,}")
        .replace("%2", f"{use.limit:,}")
    )
    if use.tools:
        text += " " + QCoreApplication.translate("ContextMeter", "(tool descriptions: %1)").replace(
            "%1", f"{use.tools:,}"
        )
    return text


def crowd_text(use: ContextUse) -> str:
    """What it means when the tools' descriptions take most of the room, and what to do, or ""."""
    if not tools_crowd(use):
        return ""
    return QCoreApplication.translate(
        "ContextMeter",
        "Tool descriptions use most of what the model can read at once; answers will be short. "
        "Offer fewer tools in Chat settings or load the model with a larger context.",
    )


def ready_tip() -> str:
    return QCoreApplication.translate(
        "ContextMeter",
        "The model had already read this chat's tools, so it started answering without reading them again",
    )


def left_out_text(use: ContextUse, asked: bool = True) -> str:
    """The sentence naming the tools left out and why, or ""; before the first question (not
    `asked`) it says which tools the chat will keep."""
    if not use.left_out:
        return ""
    names = ", ".join(use.left_out[:NAMES_SHOWN])
    if len(use.left_out) > NAMES_SHOWN:
        names = (
            QCoreApplication.translate("ContextMeter", "%1 and %2 more")
            .replace("%1", names)
            .replace("%2", f"{len(use.left_out) - NAMES_SHOWN:,}")
        )
    if not asked:
        return QCoreApplication.translate(
            "ContextMeter",
            "Not offered to the model, to leave room in what it can read at once: %1. This chat will keep "
            "the tools closest to your first question; to choose others, change its tools in Chat settings.",
        ).replace("%1", names)
    return QCoreApplication.translate(
        "ContextMeter",
        "Not offered to the model, to leave room in what it can read at once: %1. This chat keeps the "
        "tools closest to its first question; to choose others, change its tools in Chat settings.",
    ).replace("%1", names)


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
        "tools": QCoreApplication.translate(
            "ContextMeter",
            "The tools' descriptions (the lighter part) take most of what the model can read at once",
        ),
    }[level(use)]


class ContextBar(QWidget):
    """A thin bar: the tools' share in a calm colour, the rest of the conversation after it."""

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
            painter.setBrush(QColor(TOOLS_COLOUR))
            painter.drawRoundedRect(tools, radius, radius)
        painter.end()


class ContextMeter(QWidget):
    """The numbers and the bar, and below them a sentence when the tools' descriptions take most of
    the room, and one when tools had to be left out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use: ContextUse | None = None
        """As the chat side measured it, without `pending`."""
        self.pending = 0
        """Tokens attached to the message not sent yet: they count before it goes."""
        self._asked = True
        self.text_label = hint(parent=self)
        self.text_label.setWordWrap(False)
        self.text_label.setAccessibleName(self.tr("Context used"))
        self.bar = ContextBar(self)
        self.crowd_label = hint(parent=self)
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
        layout.addWidget(self.crowd_label)
        layout.addWidget(self.left_out_label)
        self.clear()

    def show_use(self, use: ContextUse, asked: bool = True) -> None:
        """Show `use`; before the chat's first question (not `asked`) the sentences say what will be."""
        if use.limit <= 0:  # no model yet: there is no context to fill
            self.clear()
            return
        self.use, self._asked = use, asked
        use = replace(use, used=use.used + self.pending)
        self.text_label.setText(use_text(use))
        self.bar.show_use(use)
        self.bar.show()
        self.setToolTip(
            level_tip(use) + "\n" + tokens_text(use) + ("\n" + ready_tip() if use.tools_ready else "")
        )
        self.crowd_label.setText(crowd_text(use))
        self.crowd_label.setVisible(tools_crowd(use))
        self.left_out_label.setText(left_out_text(use, asked))
        self.left_out_label.setToolTip("\n".join(use.left_out))
        self.left_out_label.setVisible(bool(use.left_out))

    def set_pending(self, tokens: int) -> None:
        """Count `tokens` attached to the next message, until it is sent (0: nothing attached)."""
        self.pending = tokens
        if self.use is not None:
            self.show_use(self.use, self._asked)

    def clear(self) -> None:
        self.use = None
        self.text_label.clear()
        self.bar.hide()
        self.crowd_label.hide()
        self.left_out_label.hide()
        self.setToolTip("")
