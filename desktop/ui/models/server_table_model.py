"""The Servers table: one row per configured server, fed by the roster."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QObject,
    Qt,
)

from desktop.core.events import ServerState, ServerStatus
from desktop.ui.icon_cache import IconCache
from desktop.ui.models.server_roster import ServerRoster
from desktop.ui.models.titled_table import Index, TitledTableModel
from desktop.ui.state_look import state_icon, state_text, uptime_text
from desktop.ui.texts import size_text

NOT_RUNNING = "—"


class Column(IntEnum):
    NAME = 0
    STATUS = 1
    UPTIME = 2
    CPU = 3
    MEMORY = 4
    TOOLS = 5


def _running(status: ServerStatus) -> bool:
    return status.state is ServerState.RUNNING


def _uptime(status: ServerStatus) -> str:
    if status.started_at is None or not _running(status):
        return NOT_RUNNING
    return uptime_text(time.time() - status.started_at)


def _cpu(status: ServerStatus) -> str:
    return f"{status.cpu_percent:.1f}" if _running(status) and not status.remote else NOT_RUNNING


def _memory(status: ServerStatus) -> str:
    return size_text(status.memory_bytes) if _running(status) and not status.remote else NOT_RUNNING


def _tools(status: ServerStatus) -> str:
    return str(status.tool_count) if _running(status) else NOT_RUNNING


CELL_TEXT: dict[Column, Callable[[ServerStatus], str]] = {
    Column.NAME: lambda status: status.title or status.name,
    Column.STATUS: state_text,
    Column.UPTIME: _uptime,
    Column.CPU: _cpu,
    Column.MEMORY: _memory,
    Column.TOOLS: _tools,
}


class ServerTableModel(TitledTableModel[ServerStatus]):
    """Read-only rows of `ServerStatus`; `refresh_uptime()` re-renders the Uptime column only."""

    columns = Column

    def titles(self) -> dict[int, str]:
        return {
            Column.NAME: self.tr("Name"),
            Column.STATUS: self.tr("Status"),
            Column.UPTIME: self.tr("Uptime"),
            Column.CPU: self.tr("CPU %"),
            Column.MEMORY: self.tr("Memory"),
            Column.TOOLS: self.tr("Tools"),
        }

    def __init__(self, roster: ServerRoster, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._roster = roster
        roster.reset.connect(self._on_roster_reset)
        roster.status_changed.connect(self._on_roster_status_changed)
        self._icons: IconCache | None = None

    def show_icons(self, icons: IconCache) -> None:
        """Draw each server's own icon beside its name, where it offers one that may be shown."""
        self._icons = icons
        icons.icon_arrived.connect(self._on_icons_icon_arrived)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        status = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return CELL_TEXT[column](status)
        if role == Qt.ItemDataRole.DecorationRole and column is Column.STATUS:
            return state_icon(status)
        if role == Qt.ItemDataRole.DecorationRole and column is Column.NAME and self._icons is not None:
            return self._icons.icon(status.icons)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(status, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= Column.UPTIME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def status_at(self, row: int) -> ServerStatus:
        return self._rows[row]

    def row_of(self, name: str) -> int:
        """The row of server `name`, or -1."""
        return next((row for row, status in enumerate(self._rows) if status.name == name), -1)

    def refresh_uptime(self) -> None:
        if any(_running(status) for status in self._rows):
            top = self.index(0, Column.UPTIME)
            bottom = self.index(len(self._rows) - 1, Column.UPTIME)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.DisplayRole])

    def _tooltip(self, status: ServerStatus, column: Column) -> str | None:
        if column is Column.STATUS and status.reason:
            return status.reason
        if column is Column.NAME and status.title and status.title != status.name:
            named = self.tr("Named “%1” in MCP Desk.").replace("%1", status.name)
            return f"{named}\n{status.display_command}"
        if column is Column.NAME:
            return status.display_command
        return None

    def _on_icons_icon_arrived(self) -> None:
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Column.NAME),
                self.index(len(self._rows) - 1, Column.NAME),
                [Qt.ItemDataRole.DecorationRole],
            )

    def _on_roster_reset(self) -> None:
        self.beginResetModel()
        self._rows = self._roster.statuses()
        self.endResetModel()

    def _on_roster_status_changed(self, status: ServerStatus) -> None:
        row = self.row_of(status.name)
        if row < 0:
            return
        self._rows[row] = status
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))
