"""A server's resource dragged inside the window: from a server's page onto the chat's composer.

What travels is only the server's name and the address (MCP Desk's own MIME type, no text, so no
text box pastes it); the composer reads the resource from the server when it is dropped. While a
resource is dragged over the sidebar, the area under it opens, so the Chat page can be reached
from the Servers page in one drag.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QObject
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QListWidget

RESOURCE_MIME = "application/x-mcp-desk-resource"


def resource_mime(server: str, uri: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(RESOURCE_MIME, QByteArray(json.dumps({"server": server, "uri": uri}).encode()))
    return mime


def dropped_resource(mime: QMimeData | None) -> tuple[str, str] | None:
    """The (server, address) a drag carries; None for anything else, or anything malformed."""
    if mime is None or not mime.hasFormat(RESOURCE_MIME):
        return None
    try:
        data = json.loads(bytes(mime.data(RESOURCE_MIME).data()).decode())
        server, uri = data["server"], data["uri"]
    except (ValueError, KeyError, TypeError):
        return None
    return (server, uri) if isinstance(server, str) and isinstance(uri, str) else None


def take_drag(event: QEvent) -> bool:
    """Accept a resource dragged over a widget that attaches it; False for other drags."""
    if isinstance(event, QDragEnterEvent | QDragMoveEvent) and dropped_resource(event.mimeData()):
        event.acceptProposedAction()
        return True
    return False


class SpringLoaded(QObject):
    """Opens the area a dragged resource hovers over in `sidebar` (nothing is dropped there)."""

    def __init__(self, sidebar: QListWidget) -> None:
        super().__init__(sidebar)
        self._sidebar = sidebar
        sidebar.setAcceptDrops(True)
        sidebar.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QDropEvent) and not isinstance(event, QDragMoveEvent):
            if dropped_resource(event.mimeData()):
                event.ignore()
                return True
            return False
        if not take_drag(event):
            return False
        assert isinstance(event, QDragMoveEvent)
        row = self._sidebar.indexAt(event.position().toPoint()).row()
        if row >= 0:
            self._sidebar.setCurrentRow(row)
        return True
