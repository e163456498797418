"""A calm, native look: the OS palette and fonts, a little more room, a few shared label kinds.

Nothing here forces colours; quieter text borrows the palette's placeholder colour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QPalette, QTextOption
from PySide6.QtWidgets import QLabel, QLayout, QPlainTextEdit, QPushButton, QWidget

SPACING = 12
"""Space between related controls, in pixels."""
MARGIN = 16
"""Space around a page's content."""


def pad(layout: QLayout, margin: int = MARGIN) -> QLayout:
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.setSpacing(SPACING)
    return layout


def callout_style(name: str, accent: str = "palette(highlight)") -> str:
    """Style sheet for the frame named `name`: set apart by a quiet fill and an `accent` stripe on its left.

    Only that frame is styled, not the frames inside it (a QLabel is a QFrame too).
    """
    return f"""
QFrame#{name} {{
    border: 1px solid palette(mid);
    border-left: 4px solid {accent};
    border-radius: 4px;
    background: palette(alternate-base);
}}
"""


def monospace_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def heading(text: str, parent: QWidget | None = None, scale: float = 1.3) -> QLabel:
    """A bold, slightly larger title line."""
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def labelled_button(text: str, tip: str, parent: QWidget | None = None) -> QPushButton:
    """A push button whose text is also its accessible name, with a tooltip saying what it does."""
    button = QPushButton(text, parent)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    return button


def hint(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A wrapped, quieter sentence that explains the control next to it."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    palette = label.palette()
    muted = palette.color(QPalette.ColorRole.PlaceholderText)
    palette.setColor(QPalette.ColorRole.WindowText, muted)
    label.setPalette(palette)
    return label


def selectable(label: QLabel) -> QLabel:
    """Let the user select and copy the label's text (commands, paths, reasons)."""
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def code_box(text: str = "", parent: QWidget | None = None, lines: int = 3) -> QPlainTextEdit:
    """A read-only, selectable monospace box for a command line, wrapped to its width."""
    box = QPlainTextEdit(text, parent)
    box.setReadOnly(True)
    box.setFont(monospace_font())
    box.setTabChangesFocus(True)
    box.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    box.setFixedHeight(QFontMetrics(box.font()).lineSpacing() * lines + 2 * box.frameWidth() + 10)
    return box
