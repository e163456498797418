"""The Settings page's “Other AI apps” section: whether MCP Desk shares its servers with the user's other
AI apps, which servers each may use, and a way to the Other AI apps page, where all that is changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.gateway.control import GatewayStatus
from desktop.ui.style import heading, hint, selectable
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.ui.bridge import Bridge


class GatewaySection(QWidget):
    manage_requested = Signal()
    """The user wants the Other AI apps page."""

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.state_label = QLabel(self)
        self.state_label.setWordWrap(True)
        self.manage_button = QPushButton(self.tr("Manage on the Other AI apps page"), self)
        self.manage_button.setToolTip(
            self.tr("Turn sharing on or off, connect your apps and choose the servers each may use")
        )
        self.manage_button.setEnabled(False)
        self.message = InlineMessage(self)
        self.apps_label = selectable(QLabel(self))
        self.apps_label.setWordWrap(True)
        self.address_label = selectable(hint(parent=self))
        self.address_label.setToolTip(
            self.tr("Only apps on this computer reach this address, each with its own key")
        )
        row = QHBoxLayout()
        row.addWidget(self.state_label, 1)
        row.addWidget(self.manage_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(self.tr("Other AI apps"), self, scale=1.0))
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.apps_label)
        layout.addWidget(self.address_label)
        self.manage_button.clicked.connect(self.manage_requested)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.show_ready()  # the Other AI apps page may have changed it meanwhile

    def show_ready(self) -> None:
        """The services are there: show the gateway as it is."""
        if self._bridge.gateway is None:
            return
        self.show_status(self._bridge.gateway.status())
        self.manage_button.setEnabled(True)

    def show_status(self, status: GatewayStatus) -> None:
        """`status` as the Other AI apps page shows it too."""
        state = self.tr("On") if status.enabled else self.tr("Off")
        self.state_label.setText(self.tr("Share my servers with other AI apps: %1").replace("%1", state))
        if status.problem:
            self.message.show_problem(status.problem)
        else:
            self.message.clear()
        lines = [
            (
                self.tr("%1 may use: %2").replace("%2", ", ".join(app.servers))
                if app.servers
                else self.tr("%1: no servers chosen yet")
            ).replace("%1", app.label)
            for app in status.apps
        ]
        self.apps_label.setText("\n".join(lines))
        self.apps_label.setVisible(bool(lines))
        by_hand = self.tr("For apps you set up by hand: %1")
        self.address_label.setText(by_hand.replace("%1", status.url) if status.url else "")
        self.address_label.setVisible(status.url is not None)
