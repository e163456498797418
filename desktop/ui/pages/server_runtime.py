"""Which Node.js or uv runs a server, in words, and the button that gives it MCP Desk's own.

Signals:
    use_own_requested(): the user wants this server to run on MCP Desk's own Node.js or uv.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState, ServerStatus
from desktop.servers.launch import own_runtime_offer
from desktop.servers.runtime_control import RuntimeUse
from desktop.ui.style import selectable


class RuntimeRow(QWidget):
    use_own_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = selectable(QLabel(self))
        self.label.setAccessibleName(self.tr("What runs this server"))
        self.use_own_button = QPushButton(self)
        self.use_own_button.setAccessibleName(self.tr("Use MCP Desk's own runtime"))
        self.use_own_button.setToolTip(
            self.tr(
                "MCP Desk downloads its own copy once (no administrator rights needed) and runs this "
                "server with it. You see the changed command and approve it first; while it downloads, "
                "Stop cancels."
            )
        )
        self.use_own_button.clicked.connect(self.use_own_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.use_own_button)
        self.use_own_button.hide()

    def show_use(self, use: RuntimeUse | None, config: ServerConfig, status: ServerStatus) -> None:
        """`use` in words; the button where the computer's own is missing or the server failed on it."""
        self.setVisible(use is not None)
        if use is None:
            return
        self.label.setText(use.sentence)
        offer = own_runtime_offer(config.command or "")
        failed_on_theirs = use.program is None or status.state is ServerState.FAILED
        stopped = status.state in (ServerState.STOPPED, ServerState.FAILED)
        self.use_own_button.setVisible(bool(offer) and not use.managed and failed_on_theirs and stopped)
        if offer:
            self.use_own_button.setText(offer)
            self.use_own_button.setAccessibleName(offer)
