"""A section that opens on demand: “Advanced” settings, technical “Details”."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from desktop.ui.style import monospace_font

SHOWN_LINES = 10
"""Details longer than this many lines scroll inside their box."""
MIN_LINES = 3
"""A squeezed Details box still shows this many lines."""

OPEN_STYLE = "QToolButton:checked { border: none; background: transparent; }"
"""An open section's title looks like a closed one's, not like a pressed button: only the arrow turns."""


class Collapsible(QWidget):
    """A flat arrow button that shows or hides `content` below it (closed at first)."""

    def __init__(self, title: str, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setStyleSheet(OPEN_STYLE)
        self.toggle.setToolTip(self.tr("Show or hide this part"))
        self.set_title(title)
        self.content = content
        content.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(content)
        self.toggle.toggled.connect(self._on_toggle_toggled)

    def set_title(self, title: str) -> None:
        self.toggle.setText(title)
        self.toggle.setAccessibleName(title)

    def set_open(self, opened: bool) -> None:
        self.toggle.setChecked(opened)

    def _on_toggle_toggled(self, opened: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if opened else Qt.ArrowType.RightArrow)
        self.content.setVisible(opened)


class DetailsText(QPlainTextEdit):
    """Read-only, monospace and wrapped anywhere. It asks for the height of its text, up to
    `SHOWN_LINES` lines, is never taller, and when squeezed keeps `MIN_LINES` lines and scrolls."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(monospace_font())
        self.setTabChangesFocus(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.textChanged.connect(self._fit)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height(SHOWN_LINES))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self._height(MIN_LINES))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()  # a new width wraps the text into more or fewer lines

    def _height(self, most_lines: int) -> int:
        lines, block = 0, self.document().firstBlock()
        while block.isValid() and lines < most_lines:
            layout = block.layout()
            lines += max(layout.lineCount() if layout is not None else 0, 1)
            block = block.next()
        margins = 2 * (self.frameWidth() + int(self.document().documentMargin())) + 2
        return min(lines, most_lines) * self.fontMetrics().lineSpacing() + margins

    def _fit(self) -> None:
        self.setMaximumHeight(self._height(SHOWN_LINES))
        self.updateGeometry()


class DetailsToggle(Collapsible):
    """“Details”: the technical story behind a plain sentence, one click away.

    Hidden altogether while there are no details to show.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        view = DetailsText()
        super().__init__("", view, parent)
        self.text_view = view
        self.set_title(self.tr("Details"))
        self.text_view.setAccessibleName(self.tr("Technical details"))
        self.toggle.setToolTip(self.tr("Show the technical details, for example to send to a developer"))
        self.set_details("")

    def set_details(self, details: str) -> None:
        self.text_view.setPlainText(details)
        self.setVisible(bool(details.strip()))
        if not details.strip():
            self.set_open(False)
