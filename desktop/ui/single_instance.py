"""One MCP Desk per settings folder: a second start hands its file (or nothing) to the first, and ends.

The running app listens on a local socket named after its settings folder (so each
MCP_DESK_HOME, and each test, has its own); a second start connects, writes one line (a
bundle's path, or an empty line that only asks for the window), and exits. Only the same user
may connect.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

WAIT_MS = 2000
"""How long a second start waits for the first to take its message."""


def instance_name(config_dir: Path) -> str:
    digest = hashlib.sha256(str(config_dir.expanduser().resolve()).encode()).hexdigest()[:16]
    return f"mcp-desk-{digest}"


def hand_over(name: str, path: Path | None) -> bool:
    """Give `path` (or just a knock, with None) to the MCP Desk listening as `name`; False if none is."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(WAIT_MS):
        return False
    message = str(path.expanduser().resolve()) if path is not None else ""
    socket.write(message.encode() + b"\n")
    written = socket.waitForBytesWritten(WAIT_MS)
    socket.disconnectFromServer()
    if socket.state() is not QLocalSocket.LocalSocketState.UnconnectedState:
        socket.waitForDisconnected(WAIT_MS)
    return written


class InstanceServer(QObject):
    """Listens for later starts of MCP Desk.

    Signals:
        knocked(): a later start asked for the window.
        file_received(str): a later start was given this file to open.
    """

    knocked = Signal()
    file_received = Signal(str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_server_new_connection)

    def listen(self) -> bool:
        """Start listening; a socket left by a crashed MCP Desk is removed first."""
        QLocalServer.removeServer(self._name)
        return self._server.listen(self._name)

    def close(self) -> None:
        self._server.close()

    def _on_server_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(self._on_socket_ready_read)
            socket.disconnected.connect(socket.deleteLater)

    def _on_socket_ready_read(self) -> None:
        socket = self.sender()
        assert isinstance(socket, QLocalSocket)
        while socket.canReadLine():
            text = bytes(socket.readLine().data()).decode(errors="replace").strip()
            if text:
                self.file_received.emit(text)
            else:
                self.knocked.emit()
