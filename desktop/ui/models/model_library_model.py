"""The model library table: every model found on this computer, what it is, and why one can't load."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt

from desktop.llm.models.control import LibraryEntry
from desktop.llm.models.naming import friendly_name, quant_bits
from desktop.ui.models.log_table_model import PROBLEM_TEXT
from desktop.ui.models.titled_table import Index, TitledTableModel
from desktop.ui.texts import size_text


class Column(IntEnum):
    NAME = 0
    SOURCE = 1
    TYPE = 2
    SIZE = 3
    PARAMETERS = 4
    CONTEXT = 5
    TOOLS = 6
    STATUS = 7


def parameters_text(count: int) -> str:
    """“7.6 B”, “135 M”, “96 K”."""
    if count >= 1_000_000_000:
        return f"{count / 1e9:.1f} B"
    if count >= 1_000_000:
        return f"{count / 1e6:.0f} M"
    return f"{count / 1e3:.0f} K"


def context_text(tokens: int) -> str:
    """“32K” for a round number of tokens, else “2,000”."""
    if tokens >= 1024 and tokens % 1024 == 0:
        return f"{tokens // 1024}K"
    return f"{tokens:,}"


def yes_no(value: bool) -> str:
    return (
        QCoreApplication.translate("ModelLibraryModel", "Yes")
        if value
        else QCoreApplication.translate("ModelLibraryModel", "No")
    )


def quant_label(code: str) -> str:
    """“4-bit” for “Q4_K_M”; the code itself where it names no size."""
    bits = quant_bits(code)
    return (
        code
        if bits is None
        else QCoreApplication.translate("ModelLibraryModel", "%1-bit").replace("%1", str(bits))
    )


def quant_said(code: str) -> str:
    """What keeping that many bits per weight means for the answers, in a few words ("" if unknown)."""
    bits = quant_bits(code) or 0
    if bits >= 32:
        return QCoreApplication.translate("ModelLibraryModel", "full precision; the largest")
    if bits >= 16:
        return QCoreApplication.translate("ModelLibraryModel", "the original precision; large")
    if bits >= 8:
        return QCoreApplication.translate(
            "ModelLibraryModel", "nearly identical to the original, half its size"
        )
    if bits >= 5:
        return QCoreApplication.translate("ModelLibraryModel", "very close to the original")
    if bits == 4:
        return QCoreApplication.translate(
            "ModelLibraryModel", "small, and a little less precise than the original"
        )
    if bits == 3:
        return QCoreApplication.translate("ModelLibraryModel", "noticeably less precise than the original")
    if bits:
        return QCoreApplication.translate("ModelLibraryModel", "much less precise; for very little memory")
    return ""


def quant_tip(code: str) -> str:
    """“Q4_1: 4-bit, small, and a little less precise than the original”, for a tooltip."""
    said = quant_said(code)
    return f"{code}: {quant_label(code)}, {said}" if said else code


def cells(entry: LibraryEntry, loaded: bool) -> tuple[str, ...]:
    info = entry.info
    status = entry.problem or (QCoreApplication.translate("ModelLibraryModel", "Loaded") if loaded else "")
    name = friendly_name(entry.found.name)
    if info is None:
        return (name, entry.found.source.label, "", size_text(entry.found.size_bytes), "", "", "", status)
    return (
        name,
        entry.found.source.label,
        quant_label(info.file_type),
        size_text(info.file_bytes),
        parameters_text(info.parameters),
        context_text(info.context_length),
        yes_no(info.supports_tools),
        status,
    )


def tip(entry: LibraryEntry, column: Column) -> str:
    """The technical word behind a plain one: the quantization's code, the file's place, the problem."""
    if column is Column.STATUS and entry.problem:
        return entry.problem
    if column is Column.TYPE and entry.info is not None:
        return quant_tip(entry.info.file_type)
    return str(entry.found.path)


class ModelLibraryModel(TitledTableModel[LibraryEntry]):
    """One row per `LibraryEntry`; a model that can't be loaded says why in red."""

    columns = Column

    def titles(self) -> dict[int, str]:
        return {
            Column.NAME: self.tr("Name"),
            Column.SOURCE: self.tr("From"),
            Column.TYPE: self.tr("Type"),
            Column.SIZE: self.tr("Size"),
            Column.PARAMETERS: self.tr("Parameters"),
            Column.CONTEXT: self.tr("Context"),
            Column.TOOLS: self.tr("Tools"),
            Column.STATUS: self.tr("Status"),
        }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loaded: Path | None = None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return cells(entry, entry.found.path == self._loaded)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and entry.problem is not None:
            return PROBLEM_TEXT if column in (Column.NAME, Column.STATUS) else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.SIZE, Column.PARAMETERS):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def set_entries(self, entries: Sequence[LibraryEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()

    def set_loaded(self, path: Path | None) -> None:
        """Mark the loaded model's row “Loaded”."""
        self._loaded = path
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Column.STATUS), self.index(len(self._rows) - 1, Column.STATUS)
            )

    def entry_at(self, row: int) -> LibraryEntry:
        return self._rows[row]

    def row_of(self, path: Path) -> int:
        return next((row for row, entry in enumerate(self._rows) if entry.found.path == path), -1)
