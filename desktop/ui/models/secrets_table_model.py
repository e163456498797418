"""The Secrets table: each secret's name, whether the keyring holds it, and who uses it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt

from desktop.core.secrets_control import SecretInfo
from desktop.ui.models.log_table_model import PROBLEM_TEXT
from desktop.ui.models.titled_table import Index, TitledTableModel


class Column(IntEnum):
    NAME = 0
    STATE = 1
    USED_BY = 2


def state_text(info: SecretInfo) -> str:
    return (
        QCoreApplication.translate("SecretsTableModel", "Saved (hidden)")
        if info.is_set
        else QCoreApplication.translate("SecretsTableModel", "Not set: add a value")
    )


def used_by_text(info: SecretInfo) -> str:
    return (
        ", ".join(info.used_by)
        if info.used_by
        else QCoreApplication.translate("SecretsTableModel", "No server uses it yet")
    )


class SecretsTableModel(TitledTableModel[SecretInfo]):
    columns = Column

    def titles(self) -> dict[int, str]:
        return {
            Column.NAME: self.tr("Name"),
            Column.STATE: self.tr("Value"),
            Column.USED_BY: self.tr("Used by"),
        }

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        info = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return (info.name, state_text(info), used_by_text(info))[column]
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.STATE and not info.is_set:
            return PROBLEM_TEXT
        return None

    def set_secrets(self, secrets: Sequence[SecretInfo]) -> None:
        self.beginResetModel()
        self._rows = list(secrets)
        self.endResetModel()

    def secret_at(self, row: int) -> SecretInfo:
        return self._rows[row]

    def row_of(self, name: str) -> int:
        return next((row for row, info in enumerate(self._rows) if info.name == name), -1)
