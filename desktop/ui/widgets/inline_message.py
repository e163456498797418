"""A sentence shown right where the problem is (a form, a preview), hidden while all is well."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QWidget

from desktop.ui.style import selectable


class InlineMessage(QWidget):
    """A small warning or information icon and a wrapped sentence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.icon_label = QLabel(self)
        self.text_label = selectable(QLabel(self))
        self.text_label.setAccessibleName(self.tr("Message"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text_label, 1)
        self.hide()

    @property
    def text(self) -> str:
        """The sentence shown, or "" when there is none."""
        return self.text_label.text()

    def show_problem(self, text: str) -> None:
        self._show(QStyle.StandardPixmap.SP_MessageBoxWarning, text)

    def show_info(self, text: str) -> None:
        self._show(QStyle.StandardPixmap.SP_MessageBoxInformation, text)

    def clear(self) -> None:
        self.text_label.clear()
        self.hide()

    def _show(self, kind: QStyle.StandardPixmap, text: str) -> None:
        self.icon_label.setPixmap(self.style().standardIcon(kind).pixmap(16, 16))
        self.text_label.setText(text)
        self.show()
