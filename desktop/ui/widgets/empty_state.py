"""A calm, centred message for a page with nothing to show yet, with an optional next step."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.style import SPACING, heading, hint

SIDE_MARGIN = 64


class EmptyState(QWidget):
    """Icon, title, one sentence and (when `action` is given) a button below them, explained by `tip`;
    `other` adds a quieter second way below that (`other_button`), explained by `other_tip`."""

    def __init__(
        self,
        title: str,
        sentence: str,
        icon: QIcon | None = None,
        action: str | None = None,
        parent: QWidget | None = None,
        tip: str = "",
        other: str | None = None,
        other_tip: str = "",
    ) -> None:
        super().__init__(parent)
        self.title_label = heading(title, self)
        self.sentence_label = hint(sentence, self)
        self.sentence_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SIDE_MARGIN, SPACING, SIDE_MARGIN, SPACING)
        layout.setSpacing(SPACING)
        layout.addStretch(2)
        if icon is not None:
            picture = QLabel(self)
            picture.setPixmap(icon.pixmap(64, 64))
            layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.title_label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.sentence_label)
        self.button: QPushButton | None = None
        if action is not None:
            self.button = QPushButton(action, self)
            self.button.setAccessibleName(action)
            self.button.setToolTip(tip)
            layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.other_button: QPushButton | None = None
        if other is not None:
            if self.button is not None:  # the main way stands out from the other
                self.button.setDefault(True)
                self.button.setMinimumHeight(self.button.sizeHint().height() + SPACING)
            self.other_button = QPushButton(other, self)
            self.other_button.setFlat(True)
            self.other_button.setAccessibleName(other)
            self.other_button.setToolTip(other_tip)
            layout.addWidget(self.other_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
