"""How a server's state reads and looks: words, a coloured dot, and the one-line summary."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from desktop.core.events import ServerState, ServerStatus

DOT_COLOURS = {
    "running": "#2e9d4f",
    "busy": "#d89614",
    "failed": "#d1372e",
    "approval": "#2f6fde",
    "stopped": "#8a8f98",
}


def needs_attention(status: ServerStatus) -> bool:
    """Failed, or waiting for the user to approve its command."""
    return status.state is ServerState.FAILED or (status.needs_trust and not is_active(status))


def is_active(status: ServerStatus) -> bool:
    """Running or on its way there: Stop makes sense, Start does not."""
    return status.state in (ServerState.STARTING, ServerState.RUNNING, ServerState.RESTARTING)


def state_text(status: ServerStatus) -> str:
    if status.state is ServerState.STOPPED:
        if status.needs_trust:
            return QCoreApplication.translate("ServerState", "Needs approval")
        if not status.enabled:
            return QCoreApplication.translate("ServerState", "Turned off")
    labels = {
        ServerState.STOPPED: QCoreApplication.translate("ServerState", "Stopped"),
        ServerState.STARTING: QCoreApplication.translate("ServerState", "Starting…"),
        ServerState.RUNNING: QCoreApplication.translate("ServerState", "Running"),
        ServerState.RESTARTING: QCoreApplication.translate("ServerState", "Restarting…"),
        ServerState.FAILED: QCoreApplication.translate("ServerState", "Failed"),
    }
    return labels[status.state]


def _dot_kind(status: ServerStatus) -> str:
    if status.state is ServerState.RUNNING:
        return "running"
    if status.state in (ServerState.STARTING, ServerState.RESTARTING):
        return "busy"
    if status.state is ServerState.FAILED:
        return "failed"
    return "approval" if status.needs_trust else "stopped"


def state_icon(status: ServerStatus, size: int = 16) -> QIcon:
    """A filled circle in the state's colour."""
    return dot_icon(_dot_kind(status), size)


def dot_icon(kind: str, size: int = 16) -> QIcon:
    """A filled circle in `DOT_COLOURS[kind]`."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(DOT_COLOURS[kind]))
    inset = size * 0.2
    painter.drawEllipse(int(inset), int(inset), int(size - 2 * inset), int(size - 2 * inset))
    painter.end()
    return QIcon(pixmap)


def summary(statuses: Iterable[ServerStatus]) -> str:
    """“3 servers running · 1 needs attention”."""
    statuses = list(statuses)
    if not statuses:
        return QCoreApplication.translate("ServerState", "No servers yet")
    running = sum(1 for s in statuses if s.state is ServerState.RUNNING)
    attention = sum(1 for s in statuses if needs_attention(s))
    if running == 0:
        parts = [QCoreApplication.translate("ServerState", "No servers running")]
    elif running == 1:
        parts = [QCoreApplication.translate("ServerState", "1 server running")]
    else:
        parts = [QCoreApplication.translate("ServerState", "%n servers running").replace("%n", str(running))]
    if attention == 1:
        parts.append(QCoreApplication.translate("ServerState", "1 needs attention"))
    elif attention > 1:
        parts.append(
            QCoreApplication.translate("ServerState", "%n need attention").replace("%n", str(attention))
        )
    return " · ".join(parts)


def uptime_text(seconds: float) -> str:
    """A short duration: “42 s”, “5 min”, “2 h 03 min”, “3 d 4 h”."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
