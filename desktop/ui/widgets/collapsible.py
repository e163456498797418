"""A section that opens on demand: “Advanced” settings, technical “Details”."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from desktop.ui.style import monospace_font


class Collapsible(QWidget):
    """A flat arrow button that shows or hides `content` below it (closed at first)."""

    def __init__(self, title: str, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
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


class DetailsToggle(Collapsible):
    """“Details”: the technical story behind a plain sentence, one click away.

    Hidden altogether while there are no details to show.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        view = QPlainTextEdit()
        super().__init__("", view, parent)
        self.text_view = view
        self.set_title(self.tr("Details"))
        self.text_view.setReadOnly(True)
        self.text_view.setFont(monospace_font())
        self.text_view.setMaximumHeight(160)
        self.text_view.setTabChangesFocus(True)
        self.text_view.setAccessibleName(self.tr("Technical details"))
        self.toggle.setToolTip(self.tr("Show the technical details, for example to send to a developer"))
        self.set_details("")

    def set_details(self, details: str) -> None:
        self.text_view.setPlainText(details)
        self.setVisible(bool(details.strip()))
        if not details.strip():
            self.set_open(False)
