"""The Permissions table: each remembered consent rule, what it covers, and whether it still applies."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from enum import Enum, IntEnum
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt

from desktop.core.consent_rules import ConsentRule, RuleScope
from desktop.core.events import ToolInfo
from desktop.core.suspicious import reveal
from desktop.ui.models.audit_table_model import date_time_text
from desktop.ui.models.log_table_model import PROBLEM_TEXT
from desktop.ui.models.titled_table import Index, TitledTableModel

MAX_CHAT_TITLE = 40


class Column(IntEnum):
    SERVER = 0
    TOOL = 1
    SCOPE = 2
    SINCE = 3
    EXPIRES = 4
    STATE = 5


class RuleState(Enum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    GONE = "gone"
    EXPIRED = "expired"

    @property
    def text(self) -> str:
        return {
            RuleState.ACTIVE: QCoreApplication.translate("RulesTableModel", "Active"),
            RuleState.SUSPENDED: QCoreApplication.translate(
                "RulesTableModel", "Suspended — the tool changed"
            ),
            RuleState.GONE: QCoreApplication.translate("RulesTableModel", "Not offered by the server now"),
            RuleState.EXPIRED: QCoreApplication.translate("RulesTableModel", "Expired"),
        }[self]


def rule_state(rule: ConsentRule, tools: Sequence[ToolInfo], now: float) -> RuleState:
    """Whether `rule` applies to the server's current `tools` (empty when they are not known)."""
    if rule.expires is not None and now >= rule.expires:
        return RuleState.EXPIRED
    if not tools:
        return RuleState.ACTIVE
    same_name = [tool for tool in tools if tool.name == rule.tool]
    if same_name and rule.never:
        return RuleState.ACTIVE
    if any(tool.definition_hash == rule.definition_hash for tool in same_name):
        return RuleState.ACTIVE
    return RuleState.SUSPENDED if same_name else RuleState.GONE


def scope_text(rule: ConsentRule) -> str:
    if rule.never:
        return QCoreApplication.translate("RulesTableModel", "Never: refused")
    if rule.scope is RuleScope.ALWAYS:
        return QCoreApplication.translate("RulesTableModel", "Always")
    title = " ".join(reveal(rule.chat_title).split()) or QCoreApplication.translate(
        "RulesTableModel", "untitled"
    )
    if len(title) > MAX_CHAT_TITLE:
        title = title[: MAX_CHAT_TITLE - 1] + "…"
    return QCoreApplication.translate("RulesTableModel", "This chat: %1").replace("%1", title)


def expires_text(rule: ConsentRule) -> str:
    if rule.until_quit:
        return QCoreApplication.translate("RulesTableModel", "When you quit")
    if rule.expires is not None:
        return date_time_text(rule.expires)
    return QCoreApplication.translate("RulesTableModel", "When you revoke it")


class RulesTableModel(TitledTableModel[tuple[ConsentRule, RuleState]]):
    columns = Column

    def titles(self) -> dict[int, str]:
        return {
            Column.SERVER: self.tr("Server"),
            Column.TOOL: self.tr("Tool"),
            Column.SCOPE: self.tr("Choice"),
            Column.SINCE: self.tr("Since"),
            Column.EXPIRES: self.tr("Expires"),
            Column.STATE: self.tr("State"),
        }

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        rule, state = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(rule, state, column)
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.STATE and state is RuleState.SUSPENDED:
            return self.tr("MCP Desk will ask again before the next call and show what changed.")
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column is Column.STATE
            and state is not RuleState.ACTIVE
        ):
            return PROBLEM_TEXT
        return None

    def _text(self, rule: ConsentRule, state: RuleState, column: Column) -> str:
        texts = {
            Column.SERVER: lambda: reveal(rule.server),
            Column.TOOL: lambda: reveal(rule.tool),
            Column.SCOPE: lambda: scope_text(rule),
            Column.SINCE: lambda: date_time_text(rule.created),
            Column.EXPIRES: lambda: expires_text(rule),
            Column.STATE: lambda: state.text,
        }
        return texts[column]()

    def set_rules(self, rules: Sequence[ConsentRule], tools: Mapping[str, Sequence[ToolInfo]]) -> None:
        """Show `rules`, judged against each server's current `tools`."""
        now = time.time()
        self.beginResetModel()
        self._rows = [(rule, rule_state(rule, tools.get(rule.server, ()), now)) for rule in rules]
        self.endResetModel()

    def rule_at(self, row: int) -> ConsentRule:
        return self._rows[row][0]

    def state_at(self, row: int) -> RuleState:
        return self._rows[row][1]

    def row_of(self, rule_id: str) -> int:
        return next((row for row, (rule, _) in enumerate(self._rows) if rule.id == rule_id), -1)
