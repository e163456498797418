"""Asking before a link the model wrote is opened, with the whole address in view."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

OPENABLE = ("http", "https", "mailto")
"""Link schemes that may be handed to the browser or mail program, once the user agreed."""


def shown_address(url: QUrl) -> str:
    """The address as it really is: host names in ASCII, hidden characters percent-encoded."""
    return url.toString(QUrl.ComponentFormattingOption.FullyEncoded)


def looks_alike(url: QUrl) -> bool:
    """A host name with letters from other alphabets (IDN, shown as `xn--` in ASCII) can imitate another."""
    host = url.host(QUrl.ComponentFormattingOption.FullyEncoded)
    return any(label.startswith("xn--") for label in host.split("."))


class OpenLinkBox(QMessageBox):
    """Shows the full address; opens it only when the user presses “Open link”.

    Links that are not web or e-mail addresses are shown and never opened.
    """

    def __init__(self, url: QUrl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = url
        self.setWindowTitle(self.tr("Open link"))
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setIcon(QMessageBox.Icon.Question)
        self.open_button: QPushButton | None = None
        address = shown_address(url)
        if url.scheme().lower() in OPENABLE and url.isValid():
            self.setText(self.tr("Open this link?\n\n%1").replace("%1", address))
            warning = self.tr("The model wrote this link. Check where it goes before you open it.")
            if looks_alike(url):
                warning = self.tr(
                    "The model wrote this link, and its address uses letters that look like others "
                    "(“xn--” above): it may pretend to be a site you know. Don't open it unless you "
                    "are sure where it goes."
                )
                self.setIcon(QMessageBox.Icon.Warning)
            self.setInformativeText(warning)
            self.open_button = self.addButton(self.tr("Open link"), QMessageBox.ButtonRole.AcceptRole)
            self.open_button.setToolTip(self.tr("Open the link in your web browser or e-mail app"))
            cancel = self.addButton(QMessageBox.StandardButton.Cancel)
            cancel.setToolTip(self.tr("Don't open the link"))
            self.setDefaultButton(QMessageBox.StandardButton.Cancel)
        else:
            self.setText(
                self.tr("MCP Desk only opens web and e-mail links. This one is:\n\n%1").replace("%1", address)
            )
            close = self.addButton(QMessageBox.StandardButton.Close)
            close.setToolTip(self.tr("Close this message"))
        self.finished.connect(self._on_finished)

    def _on_finished(self, _result: int) -> None:
        if self.open_button is not None and self.clickedButton() is self.open_button:
            QDesktopServices.openUrl(self.url)
