"""The Log table: JSON-RPC log entries in arrival order, narrowed by a `LogFilter`.

Batches of thousands of entries arrive several times a second, so the model does no work
per entry beyond the filter check: rows are inserted one batch at a time, cells are
worded only when the view asks for them, and the oldest entries go in chunks.

A flood also keeps the service thread busy, and each call from Qt into Python must win the
GIL from it first; so a painted cell costs two calls (`index`, `multiData` with every role
the view wants), not the nine that Qt's defaults make (`rowCount` and `columnCount` for the
index, then `data` once per role).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from enum import IntEnum
from operator import attrgetter
from typing import Any, cast

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QModelRoleData,
    QModelRoleDataSpan,
    QObject,
    Qt,
)
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from desktop.core.rpc_log import Direction, EntryKind, Flag, LogFilter, RpcEntry
from desktop.ui.models.by_seq import index_of_seq, seq_of
from desktop.ui.models.titled_table import Index, TitledTableModel
from desktop.ui.texts import size_text

MAX_ENTRIES = 50_000
"""The most entries kept for the view; older ones are dropped (they stay in the log files)."""
TRIM_CHUNK = 5_000
"""Entries dropped at once when the limit is passed, so trimming happens rarely."""
NO_FILTER = LogFilter()
PROBLEM_TEXT = QColor("#d1372e")
PROBLEM_TINT = QColor(209, 55, 46, 36)
MUTED_KINDS = (EntryKind.STDERR, EntryKind.LIFECYCLE)
LINE_KINDS = (EntryKind.STDERR, EntryKind.JUNK, EntryKind.HTTP, EntryKind.LIFECYCLE)
NOTE_CHARS = 300


class Column(IntEnum):
    TIME = 0
    SERVER = 1
    DIRECTION = 2
    KIND = 3
    ID = 4
    METHOD = 5
    SIZE = 6
    LATENCY = 7
    NOTES = 8


def time_text(when: float) -> str:
    """hh:mm:ss.mmm in local time."""
    return time.strftime("%H:%M:%S", time.localtime(when)) + f".{int(when * 1000) % 1000:03d}"


def latency_text(latency_ms: float | None) -> str:
    if latency_ms is None:
        return ""
    return f"{latency_ms:.1f} ms" if latency_ms < 10 else f"{latency_ms:,.0f} ms"


def direction_text(direction: Direction) -> str:
    return {
        Direction.OUT: QCoreApplication.translate("LogTableModel", "→ sent"),
        Direction.IN: QCoreApplication.translate("LogTableModel", "← received"),
        Direction.EVENT: QCoreApplication.translate("LogTableModel", "• event"),
    }[direction]


def notes_text(entry: RpcEntry) -> str:
    """Its flags, and for what is not a message (stderr, junk, an HTTP error, an event) its first line."""
    notes = [flag.value for flag in entry.flags]
    if entry.kind in LINE_KINDS:
        notes.append(entry.text.strip().partition("\n")[0][:NOTE_CHARS])
    return ", ".join(notes)


def flag_tip(flag: Flag) -> str:
    """What a flag in the Notes column means, in a sentence."""
    return {
        Flag.TIMEOUT: QCoreApplication.translate(
            "LogTableModel", "MCP Desk gave up waiting for the answer and cancelled the request."
        ),
        Flag.CANCELLED: QCoreApplication.translate(
            "LogTableModel", "The request was cancelled before it was answered."
        ),
        Flag.LATE: QCoreApplication.translate(
            "LogTableModel", "This answer came after its request had been cancelled."
        ),
        Flag.UNMATCHED: QCoreApplication.translate(
            "LogTableModel", "This answer belongs to no request MCP Desk sent."
        ),
        Flag.TOOL_ERROR: QCoreApplication.translate("LogTableModel", "The tool ran but reported an error."),
        Flag.TRUNCATED: QCoreApplication.translate(
            "LogTableModel", "The message was very long; only its beginning was kept."
        ),
        Flag.HTTP_ERROR: QCoreApplication.translate(
            "LogTableModel", "The remote server answered with an error page instead of a message."
        ),
    }[flag]


CELL_TEXT: dict[int, Callable[[RpcEntry], str]] = {
    Column.TIME: lambda entry: time_text(entry.time),
    Column.SERVER: attrgetter("server"),
    Column.DIRECTION: lambda entry: direction_text(entry.direction),
    Column.KIND: lambda entry: entry.kind.value,
    Column.ID: lambda entry: entry.rpc_id or "",
    Column.METHOD: lambda entry: entry.method or "",
    Column.SIZE: lambda entry: size_text(entry.size) if entry.size else "",
    Column.LATENCY: lambda entry: latency_text(entry.latency_ms),
    Column.NOTES: notes_text,
}
RIGHT_ALIGNED = (Column.ID, Column.SIZE, Column.LATENCY)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
DISPLAY, FOREGROUND, BACKGROUND, TOOL_TIP, ALIGNMENT = (
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
    )
)


class LogTableModel(TitledTableModel[RpcEntry]):
    """All entries received (at most `MAX_ENTRIES`) and the rows that match the filter."""

    columns = Column

    def titles(self) -> dict[int, str]:
        return {
            Column.TIME: self.tr("Time"),
            Column.SERVER: self.tr("Server"),
            Column.DIRECTION: self.tr("Direction"),
            Column.KIND: self.tr("Kind"),
            Column.ID: self.tr("Id"),
            Column.METHOD: self.tr("Method"),
            Column.SIZE: self.tr("Size"),
            Column.LATENCY: self.tr("Latency"),
            Column.NOTES: self.tr("Notes"),
        }

    def header_tips(self) -> dict[int, str]:
        """Each column in plain words: the page shows the wire, but its headings need not be riddles."""
        return {
            Column.TIME: self.tr("When MCP Desk saw the message, by this computer's clock"),
            Column.SERVER: self.tr("The server the message went to or came from"),
            Column.DIRECTION: self.tr(
                "Sent: from MCP Desk to the server. Received: from the server. "
                "Event: something that happened to the server, such as a start or a stop"
            ),
            Column.KIND: self.tr(
                "Request: a question that expects an answer. Response: its answer. "
                "Error: an answer saying it failed. Notification: news that expects no answer"
            ),
            Column.ID: self.tr("The number that ties an answer to its question"),
            Column.METHOD: self.tr(
                "What was asked for: for example tools/call uses a tool, tools/list lists them"
            ),
            Column.SIZE: self.tr("How big the message is"),
            Column.LATENCY: self.tr("How long the server took to answer"),
            Column.NOTES: self.tr("Anything unusual about the message; point at a note to read more"),
        }

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tips()[section]
        return super().headerData(section, orientation, role)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[RpcEntry] = []
        self._filter = NO_FILTER
        self._muted = QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)

    # -- Qt's model interface -------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self._rows) and 0 <= column < len(Column)):
            return QModelIndex()
        return self.createIndex(row, column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self._cell(self._rows[index.row()], index.column(), int(role))

    def multiData(self, index: Index, roleDataSpan: QModelRoleDataSpan | QModelRoleData) -> None:
        if not index.isValid():
            return
        entry, column = self._rows[index.row()], index.column()
        for role_data in cast(Iterable[QModelRoleData], roleDataSpan):  # a span iterates; its stub misses it
            role_data.setData(self._cell(entry, column, role_data.role()))

    def _cell(self, entry: RpcEntry, column: int, role: int) -> Any:
        if role == DISPLAY:
            return CELL_TEXT[column](entry)
        if role == FOREGROUND:
            return self._foreground(entry)
        if role == BACKGROUND and entry.is_problem:
            return PROBLEM_TINT
        if role == TOOL_TIP and column == Column.NOTES and entry.flags:
            return "\n".join(flag_tip(flag) for flag in entry.flags)
        if role == ALIGNMENT and column in RIGHT_ALIGNED:
            return RIGHT
        return None

    def _foreground(self, entry: RpcEntry) -> QColor | None:
        if entry.is_problem:
            return PROBLEM_TEXT
        return self._muted if entry.kind in MUTED_KINDS else None

    # -- entries --------------------------------------------------------------------

    @property
    def filter(self) -> LogFilter:
        return self._filter

    def total(self) -> int:
        """How many entries the model holds, shown or not."""
        return len(self._entries)

    def entries(self) -> list[RpcEntry]:
        """Every entry held, oldest first."""
        return list(self._entries)

    def visible(self) -> list[RpcEntry]:
        """The rows shown under the current filter, in order."""
        return list(self._rows)

    def entry_at(self, row: int) -> RpcEntry:
        return self._rows[row]

    def row_of_seq(self, seq: int) -> int:
        """The row showing entry `seq`, or -1 when it is not shown."""
        return index_of_seq(self._rows, seq)

    def append(self, entries: Sequence[RpcEntry]) -> None:
        """Add a batch (newer than everything held) with one row insertion."""
        entries = entries[-MAX_ENTRIES:]
        rows = self._matching(entries)
        self._entries.extend(entries)
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        if len(self._entries) > MAX_ENTRIES:
            self._trim(len(self._entries) - MAX_ENTRIES + TRIM_CHUNK)

    def set_entries(self, entries: Sequence[RpcEntry]) -> None:
        """Show `entries` instead of what is held (a day from the files, or the live log again)."""
        self.beginResetModel()
        self._entries = list(entries[-MAX_ENTRIES:])
        self._rows = self._matching(self._entries)
        self.endResetModel()

    def set_filter(self, where: LogFilter) -> None:
        if where == self._filter:
            return
        self.beginResetModel()
        self._filter = where
        self._rows = self._matching(self._entries)
        self.endResetModel()

    def clear(self) -> None:
        self.set_entries(())

    def request_of(self, entry: RpcEntry) -> RpcEntry | None:
        """The request `entry` answers or cancels, if it is still held."""
        index = -1 if entry.pair is None else index_of_seq(self._entries, entry.pair)
        return self._entries[index] if index >= 0 else None

    def response_to(self, request: RpcEntry) -> RpcEntry | None:
        """The answer (result or error) to `request`, if it arrived and is still held."""
        start = bisect_left(self._entries, request.seq, key=seq_of)
        answers = (EntryKind.RESPONSE, EntryKind.ERROR)
        return next(
            (e for e in self._entries[start:] if e.pair == request.seq and e.kind in answers),
            None,
        )

    def _matching(self, entries: Sequence[RpcEntry]) -> list[RpcEntry]:
        return list(entries) if self._filter == NO_FILTER else self._filter.apply(entries)

    def _trim(self, count: int) -> None:
        """Drop the oldest `count` entries (fewer than are held), and their rows."""
        del self._entries[:count]
        gone = bisect_left(self._rows, self._entries[0].seq, key=seq_of)
        if gone:
            self.beginRemoveRows(QModelIndex(), 0, gone - 1)
            del self._rows[:gone]
            self.endRemoveRows()
