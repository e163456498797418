"""The Audit table: audit records, oldest first, as the trail returned them or as they arrived."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    Qt,
)

from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord
from desktop.ui.audit_sentences import sentences
from desktop.ui.models.by_seq import index_of_seq
from desktop.ui.models.log_table_model import PROBLEM_TEXT, PROBLEM_TINT
from desktop.ui.models.titled_table import Index, TitledTableModel

MAX_RECORDS = 5000
"""The most records shown at once (the newest); the trail itself keeps them all."""


class Column(IntEnum):
    SEQ = 0
    TIME = 1
    WHAT = 2
    SERVER = 3
    OUTCOME = 4


def date_time_text(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))


def outcome_text(record: AuditRecord) -> str:
    """“Allowed”/“Denied” for a tool call, how it ended for a tool result, else nothing."""
    if record.kind is AuditKind.TOOL_CALL:
        return (
            QCoreApplication.translate("AuditTableModel", "Allowed")
            if record.data.get("decision") == "allowed"
            else QCoreApplication.translate("AuditTableModel", "Denied")
        )
    if record.kind is AuditKind.TOOL_RESULT:
        status = str(record.data.get("status", ""))
        return result_words().get(status, status)
    return ""


def result_words() -> dict[str, str]:
    """How a tool call ended, by the status the trail records."""
    return {
        "ok": QCoreApplication.translate("AuditTableModel", "Succeeded"),
        "tool error": QCoreApplication.translate("AuditTableModel", "Tool reported an error"),
        "failed": QCoreApplication.translate("AuditTableModel", "Failed"),
        "timed out": QCoreApplication.translate("AuditTableModel", "Timed out"),
    }


def went_wrong(record: AuditRecord) -> bool:
    """A denied call, or a result that was not a success."""
    if record.kind is AuditKind.TOOL_CALL:
        return record.data.get("decision") != "allowed"
    return record.kind is AuditKind.TOOL_RESULT and record.data.get("status") != "ok"


def matches(where: AuditFilter, record: AuditRecord) -> bool:
    """Whether the trail would return `record` for `where` (text: anywhere in its data)."""
    return (
        (where.kind is None or record.kind is where.kind)
        and (not where.server or record.server == where.server)
        and (where.since is None or record.time >= where.since)
        and where.text.lower() in json.dumps(record.data, ensure_ascii=False).lower()
    )


CELL_TEXT: dict[Column, Callable[[AuditRecord], str]] = {
    Column.SEQ: lambda record: str(record.seq),
    Column.TIME: lambda record: date_time_text(record.time),
    Column.WHAT: lambda record: sentences(record)[0],
    Column.SERVER: lambda record: record.server,
    Column.OUTCOME: outcome_text,
}


class AuditTableModel(TitledTableModel[AuditRecord]):
    """Read-only rows of `AuditRecord`, in `seq` order, at most `MAX_RECORDS`."""

    columns = Column

    def titles(self) -> dict[int, str]:
        return {
            Column.SEQ: "#",
            Column.TIME: self.tr("Time"),
            Column.WHAT: self.tr("What happened"),
            Column.SERVER: self.tr("Server"),
            Column.OUTCOME: self.tr("Decision / result"),
        }

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return CELL_TEXT[column](record)
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.WHAT:
            return "\n".join(sentences(record))
        if role == Qt.ItemDataRole.ForegroundRole and went_wrong(record):
            return PROBLEM_TEXT
        if role == Qt.ItemDataRole.BackgroundRole and went_wrong(record):
            return PROBLEM_TINT
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.SEQ:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def record_at(self, row: int) -> AuditRecord:
        return self._rows[row]

    def row_of_seq(self, seq: int) -> int:
        """The row of record `seq`, or -1 when it is not shown."""
        return index_of_seq(self._rows, seq)

    def set_records(self, records: Sequence[AuditRecord]) -> None:
        self.beginResetModel()
        self._rows = list(records[-MAX_RECORDS:])
        self.endResetModel()

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Add records newer than those shown, with one row insertion (older or repeated ones are ignored)."""
        last = self._rows[-1].seq if self._rows else -1
        records = [record for record in records if record.seq > last][-MAX_RECORDS:]
        if not records:
            return
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row + len(records) - 1)
        self._rows.extend(records)
        self.endInsertRows()
        if len(self._rows) > MAX_RECORDS:
            gone = len(self._rows) - MAX_RECORDS
            self.beginRemoveRows(QModelIndex(), 0, gone - 1)
            del self._rows[:gone]
            self.endRemoveRows()
