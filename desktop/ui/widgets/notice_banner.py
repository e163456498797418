"""A calm strip at the top of the window for things the user should know about."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QToolButton, QVBoxLayout, QWidget

from desktop.ui.style import SPACING, callout_style, labelled_button, selectable
from desktop.ui.widgets.collapsible import DetailsToggle


class NoticeBanner(QFrame):
    """Title, a sentence, a “Details” toggle and a close button; hidden until there is news.

    A newer notice replaces the one shown. A warning also offers “Copy diagnostic report”.

    Signals:
        report_requested(): the user wants the diagnostic report on the clipboard.
    """

    report_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        self.setStyleSheet(callout_style(self.objectName()))
        self.setAccessibleName(self.tr("Notice"))
        self.icon_label = QLabel(self)
        self.title_label = QLabel(self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.message_label = selectable(QLabel(self))
        self.details = DetailsToggle(self)
        self.close_button = QToolButton(self)
        self.close_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Dismiss this notice"))
        self.close_button.setAccessibleName(self.tr("Dismiss notice"))
        self.close_button.clicked.connect(self.hide)
        self.report_button = labelled_button(
            self.tr("Copy diagnostic report"),
            self.tr(
                "Copy a description of this computer and MCP Desk's setup, without secrets, to send for help"
            ),
            self,
        )
        self.report_button.clicked.connect(self.report_requested)
        text = QVBoxLayout()
        text.setSpacing(4)
        text.addWidget(self.title_label)
        text.addWidget(self.message_label)
        text.addWidget(self.details)
        text.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(SPACING, 8, 8, 8)
        layout.setSpacing(SPACING)
        layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_notice(self, title: str, message: str, details: str = "", *, warning: bool = False) -> None:
        kind = (
            QStyle.StandardPixmap.SP_MessageBoxWarning
            if warning
            else QStyle.StandardPixmap.SP_MessageBoxInformation
        )
        self.icon_label.setPixmap(self.style().standardIcon(kind).pixmap(24, 24))
        self.title_label.setText(title)
        self.title_label.setVisible(bool(title))
        self.message_label.setText(message)
        self.message_label.setVisible(bool(message))
        self.details.set_details(details)
        self.report_button.setVisible(warning)
        self.show()
