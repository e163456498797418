"""A remote server's sign-in client: for servers whose provider gives each app a client ID.

Most servers need none: MCP Desk identifies itself. Where the provider registers apps by hand,
the user enters the client ID (and secret) it gave them, and gives the provider the address
shown here, which stays the same for this server. The secret typed here goes to the keyring
when the server is saved; the settings keep only its name.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from desktop.core.config import SignInClient, new_redirect_port, redirect_uri
from desktop.ui.style import SPACING, hint, monospace_font

Problem = tuple[str, QWidget]


class SignInFields(QWidget):
    """Client ID, client secret, and the redirect address to register with the provider."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._port = new_redirect_port()
        self._kept_secret: str | None = None
        """The saved secret's `${secret:NAME}`, kept unless the user types a new secret."""
        self.client_id_edit = QLineEdit(self)
        self.client_id_edit.setAccessibleName(self.tr("Client ID"))
        self.client_id_edit.setPlaceholderText(
            self.tr("Optional: only if the server's provider gave you one")
        )
        self.client_id_edit.setToolTip(self.tr("The client ID the server's provider gave you for MCP Desk"))
        self.secret_edit = QLineEdit(self)
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setAccessibleName(self.tr("Client secret"))
        self.secret_edit.setToolTip(
            self.tr("The client secret that came with the client ID, if any. It is kept in your keychain.")
        )
        self.redirect_edit = QLineEdit(self)
        self.redirect_edit.setReadOnly(True)
        self.redirect_edit.setFont(monospace_font())
        self.redirect_edit.setAccessibleName(self.tr("Address to give the provider"))
        self.redirect_edit.setToolTip(self.tr("Where the sign-in page sends you back to MCP Desk"))
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.setToolTip(self.tr("Copy this address, to paste it on the provider's page"))
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self._lay_out()
        self.set_sign_in(None)

    def _lay_out(self) -> None:
        """When sign-in happens, then the optional fields, then the address for the provider."""
        redirect = QHBoxLayout()
        redirect.addWidget(self.redirect_edit, 1)
        redirect.addWidget(self.copy_button)
        when = self.tr(
            "MCP Desk opens your browser to sign in when the server starts, if the server asks for it. "
            "Most servers need nothing here."
        )
        only_if = self.tr(
            "Optional: fill these in only if the server's provider gave you a client ID for MCP Desk. "
            "Then give the provider the address below."
        )
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(SPACING)
        form.addRow(hint(when + "\n" + only_if, self))
        form.addRow(self.tr("Client ID:"), self.client_id_edit)
        form.addRow(self.tr("Client secret:"), self.secret_edit)
        form.addRow(QLabel(self.tr("Address to give the provider (redirect URI):"), self))
        form.addRow(redirect)

    def set_sign_in(self, sign_in: SignInClient | None) -> None:
        """Show `sign_in`; None keeps the address this form already offered."""
        if sign_in is not None:
            self._port = sign_in.redirect_port
        self._kept_secret = sign_in.client_secret if sign_in else None
        self.client_id_edit.setText(sign_in.client_id if sign_in else "")
        self.secret_edit.clear()
        self.secret_edit.setPlaceholderText(
            self.tr("Saved in your keychain; type a new one to replace it")
            if self._kept_secret
            else self.tr("Optional: leave empty if there is none")
        )
        self.redirect_edit.setText(redirect_uri(self._port))

    def data(self) -> dict[str, Any] | None:
        """The `sign_in` settings, or None when no client ID was given."""
        client_id = self.client_id_edit.text().strip()
        if not client_id:
            return None
        secret = self.secret_edit.text().strip() or self._kept_secret
        return {"client_id": client_id, "client_secret": secret, "redirect_port": self._port}

    def problem(self) -> Problem | None:
        if self.secret_edit.text().strip() and not self.client_id_edit.text().strip():
            return self.tr("Enter the client ID that goes with the client secret."), self.client_id_edit
        return None

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.redirect_edit.text())
