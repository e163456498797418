"""Which Node.js or uv runs a server, in words; where the computer's own is missing, why the server needs
MCP Desk's own and the button that downloads it; while it downloads, how far along, and Cancel download.

Signals:
    use_own_requested(): the user wants this server to run on MCP Desk's own Node.js or uv.
    cancel_requested(): the user wants the download (and so the server's start) stopped.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState, ServerStatus
from desktop.servers.launch import own_runtime_offer
from desktop.servers.runtime_control import RuntimeUse
from desktop.servers.runtimes import spec_for
from desktop.ui.style import selectable

PROGRESS_STEPS = 1000


class RuntimeRow(QWidget):
    use_own_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._downloads = False
        """The server runs on MCP Desk's own runtime, not downloaded yet."""
        self.offering = False
        """The computer's own runtime is missing: the row says the server needs MCP Desk's, with its button
        (the overview says so as the state, not a failure)."""
        self.label = selectable(QLabel(self))
        self.label.setAccessibleName(self.tr("What runs this server"))
        self.offer_label = selectable(QLabel(self))
        self.offer_label.setWordWrap(True)
        self.use_own_button = QPushButton(self.tr("Download it and start"), self)  # launch.OWN_RUNTIME_BUTTON
        self.use_own_button.setToolTip(
            self.tr(
                "MCP Desk downloads its own copy once (no administrator rights needed) and runs this "
                "server with it. You see the changed command and approve it first."
            )
        )
        self.use_own_button.clicked.connect(self.use_own_requested)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setAccessibleName(self.tr("Download"))
        self.cancel_button = QPushButton(self.tr("Cancel download"), self)
        self.cancel_button.setToolTip(self.tr("Stop the download; the server does not start"))
        self.cancel_button.clicked.connect(self.cancel_requested)
        downloading = QHBoxLayout()
        downloading.setContentsMargins(0, 0, 0, 0)
        downloading.addWidget(self.progress_bar, 1)
        downloading.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.offer_label)
        layout.addWidget(self.use_own_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(downloading)
        for widget in (self.offer_label, self.use_own_button, self.progress_bar, self.cancel_button):
            widget.hide()

    def show_use(self, use: RuntimeUse | None, config: ServerConfig, status: ServerStatus) -> None:
        """`use` in words; the offer where the computer's own is missing or the server failed on it; the
        download's progress while MCP Desk's own is being downloaded for the server's start."""
        self.setVisible(use is not None)
        self.offering = False
        if use is None:
            return
        self.label.setText(use.sentence)
        offer = own_runtime_offer(config.command or "")
        spec = spec_for(config.command or "")
        stopped = status.state in (ServerState.STOPPED, ServerState.FAILED)
        theirs = offer is not None and spec is not None and not use.managed and stopped
        self.offering = theirs and use.program is None
        failed_on_theirs = theirs and not self.offering and status.state is ServerState.FAILED
        if failed_on_theirs and spec is not None:  # their copy is here; MCP Desk's own may do better
            offer = (
                self.tr("It may start with MCP Desk's own %1 (%2 MB) instead.")
                .replace("%1", spec.title)
                .replace("%2", str(spec.download_mb))
            )
        self.offer_label.setText(offer or "")
        self.offer_label.setVisible(self.offering or failed_on_theirs)
        self.use_own_button.setVisible(self.offering or failed_on_theirs)
        self._downloads = use.managed and use.program is None
        self.show_progress(status)

    def show_progress(self, status: ServerStatus) -> None:
        """The download's progress and Cancel download while the server starts on a runtime not here yet."""
        downloading = self._downloads and status.state is ServerState.STARTING
        self.progress_bar.setVisible(downloading)
        self.cancel_button.setVisible(downloading)
        if status.progress is None:
            self.progress_bar.setRange(0, 0)  # looking it up or unpacking: busy, not measured
        else:
            self.progress_bar.setRange(0, PROGRESS_STEPS)
            self.progress_bar.setValue(round(status.progress * PROGRESS_STEPS))
