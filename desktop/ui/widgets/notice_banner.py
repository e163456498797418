"""A calm strip at the top of the window for things the user should know about."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QToolButton, QVBoxLayout, QWidget

from desktop.core.events import Notice, Severity
from desktop.ui.style import SPACING, callout_style, hint, labelled_button, selectable
from desktop.ui.widgets.collapsible import DetailsToggle

ICONS = {
    Severity.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Severity.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Severity.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
}
ACCENTS = {Severity.INFO: "palette(highlight)", Severity.WARNING: "#d89614", Severity.ERROR: "#d1372e"}


def severity_name(severity: Severity) -> str:
    """What a screen reader says the banner is."""
    names = {
        Severity.INFO: QCoreApplication.translate("NoticeBanner", "Notice"),
        Severity.WARNING: QCoreApplication.translate("NoticeBanner", "Warning"),
        Severity.ERROR: QCoreApplication.translate("NoticeBanner", "Problem"),
    }
    return names[severity]


class NoticeBanner(QFrame):
    """A severity icon, title, sentence, “Details” toggle and a dismiss (×) button; hidden until
    there is news. A warning or a problem also offers “Copy diagnostic report”.

    Signals:
        report_requested(): the user wants the diagnostic report on the clipboard.
        dismissed(): the user closed the notice shown.
    """

    report_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        self.severity = Severity.INFO
        self.icon_label = QLabel(self)
        self.title_label = QLabel(self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.message_label = selectable(QLabel(self))
        self.details = DetailsToggle(self)
        self.more_label = hint(parent=self)
        self.more_label.setToolTip(self.tr("More notices wait behind this one: dismiss it to see the next"))
        self.close_button = QToolButton(self)
        self.close_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip(self.tr("Dismiss this notice"))
        self.close_button.setAccessibleName(self.tr("Dismiss notice"))
        self.close_button.clicked.connect(self.dismissed)
        self.report_button = labelled_button(
            self.tr("Copy diagnostic report"),
            self.tr(
                "Copy a description of this computer and MCP Desk's setup, without secrets, to send for help"
            ),
            self,
        )
        self.report_button.clicked.connect(self.report_requested)
        self._lay_out()
        self.hide()

    def _lay_out(self) -> None:
        text = QVBoxLayout()
        text.setSpacing(4)
        text.addWidget(self.title_label)
        text.addWidget(self.message_label)
        text.addWidget(self.details)
        text.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignLeft)
        corner = QHBoxLayout()
        corner.addWidget(self.more_label)
        corner.addWidget(self.close_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(SPACING, 8, 8, 8)
        layout.setSpacing(SPACING)
        layout.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text, 1)
        layout.addLayout(corner)
        layout.setAlignment(corner, Qt.AlignmentFlag.AlignTop)

    def show_notice(self, notice: Notice, more: int = 0) -> None:
        """Show `notice`; `more` others wait behind it."""
        self.severity = notice.severity
        self.setStyleSheet(callout_style(self.objectName(), ACCENTS[notice.severity]))
        self.setAccessibleName(severity_name(notice.severity))
        self.icon_label.setPixmap(self.style().standardIcon(ICONS[notice.severity]).pixmap(24, 24))
        self.icon_label.setAccessibleName(severity_name(notice.severity))
        self.title_label.setText(notice.title)
        self.title_label.setVisible(bool(notice.title))
        self.message_label.setText(notice.message)
        self.message_label.setVisible(bool(notice.message))
        self.details.set_details(notice.details)
        self.report_button.setVisible(notice.severity is not Severity.INFO)
        self.more_label.setText(self.tr("%1 more").replace("%1", str(more)))
        self.more_label.setVisible(more > 0)
        self.show()
