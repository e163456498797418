"""The Permissions table: each remembered consent rule, what it covers, and whether it still applies."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt

from desktop.core.consent_rules import ConsentRule
from desktop.core.events import ToolInfo
from desktop.core.suspicious import reveal
from desktop.core.tool_label import tool_label
from desktop.ui.models.log_table_model import PROBLEM_TEXT
from desktop.ui.models.titled_table import Index, TitledTableModel
from desktop.ui.permission_words import on_hold_text, on_hold_tip, rule_text, when_text


class Column(IntEnum):
    SERVER = 0
    TOOL = 1
    CHOICE = 2
    SINCE = 3
    STATE = 4


class RuleState(Enum):
    ACTIVE = "active"
    ON_HOLD = "on hold"
    GONE = "gone"
    EXPIRED = "expired"

    @property
    def text(self) -> str:
        return {
            RuleState.ACTIVE: QCoreApplication.translate("RulesTableModel", "In effect"),
            RuleState.ON_HOLD: on_hold_text(),
            RuleState.GONE: QCoreApplication.translate("RulesTableModel", "Not offered by the server now"),
            RuleState.EXPIRED: QCoreApplication.translate("RulesTableModel", "Expired"),
        }[self]


@dataclass(frozen=True)
class RuleRow:
    rule: ConsentRule
    state: RuleState
    tool: ToolInfo
    """The tool as the server offers it now, else as it was when the rule was made."""


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
    return RuleState.ON_HOLD if same_name else RuleState.GONE


def rule_row(rule: ConsentRule, tools: Sequence[ToolInfo], now: float) -> RuleRow:
    tool = next((tool for tool in tools if tool.name == rule.tool), None) or rule.made_for()
    return RuleRow(rule, rule_state(rule, tools, now), tool)


class RulesTableModel(TitledTableModel[RuleRow]):
    """Each rule by the tool's name as people read it (`tool_label`), the exact name one hover away."""

    columns = Column

    def titles(self) -> dict[int, str]:
        return {
            Column.SERVER: self.tr("Server"),
            Column.TOOL: self.tr("Tool"),
            Column.CHOICE: self.tr("Choice"),
            Column.SINCE: self.tr("Since"),
            Column.STATE: self.tr("State"),
        }

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(row, column)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column is Column.STATE
            and row.state is not RuleState.ACTIVE
        ):
            return PROBLEM_TEXT
        return None

    def _text(self, row: RuleRow, column: Column) -> str:
        rule = row.rule
        texts = {
            Column.SERVER: lambda: reveal(rule.server),
            Column.TOOL: lambda: reveal(tool_label(row.tool)),
            Column.CHOICE: lambda: rule_text(rule),
            Column.SINCE: lambda: when_text(rule.created),
            Column.STATE: lambda: row.state.text,
        }
        return texts[column]()

    def _tip(self, row: RuleRow, column: Column) -> str | None:
        if column is Column.TOOL:
            return self.tr("Its exact name: %1").replace("%1", reveal(row.tool.qualified_name))
        if column is Column.CHOICE and row.rule.never:
            return self.tr("Your model is not shown this tool, and a call to it is refused without asking")
        if column is Column.STATE and row.state is RuleState.ON_HOLD:
            return on_hold_tip()
        return None

    def set_rules(self, rules: Sequence[ConsentRule], tools: Mapping[str, Sequence[ToolInfo]]) -> None:
        """Show `rules`, judged against each server's current `tools`."""
        now = time.time()
        self.beginResetModel()
        self._rows = [rule_row(rule, tools.get(rule.server, ()), now) for rule in rules]
        self.endResetModel()

    def rule_at(self, row: int) -> ConsentRule:
        return self._rows[row].rule

    def state_at(self, row: int) -> RuleState:
        return self._rows[row].state

    def row_of(self, rule_id: str) -> int:
        return next((index for index, row in enumerate(self._rows) if row.rule.id == rule_id), -1)
