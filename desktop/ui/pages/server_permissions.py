"""One server on the Permissions page: its default for tools, sampling, and each tool's own choice."""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.core.consent_rules import (
    ConsentRule,
    Expiry,
    RuleScope,
    ServerDefault,
    ServerPolicy,
    ToolSetting,
    read_only,
    standing_rule,
)
from desktop.core.events import ToolInfo
from desktop.core.suspicious import reveal
from desktop.core.tool_label import tool_label
from desktop.ui.permission_words import (
    apps_text,
    chats_text,
    choose,
    default_words,
    expiry_words,
    fill_combo,
    on_hold_text,
    on_hold_tip,
    rule_text,
    setting_words,
    tip_current,
    view_only_text,
    view_only_tip,
)
from desktop.ui.style import hint


class ToolChoice(QObject):
    """One tool's row in the server's grid: what it is, Ask / Always allow / Never, and how long
    an allow lasts.

    Signals:
        chosen(object, str, str): the user changed a choice (ToolInfo, ToolSetting, Expiry).
    """

    chosen = Signal(object, str, str)

    def __init__(self, tool: ToolInfo, grid: QGridLayout, parent: QWidget) -> None:
        super().__init__(parent)
        self.widgets: tuple[QWidget, ...] = ()
        self.tool = tool
        row = grid.rowCount()
        label = reveal(tool_label(tool))
        self.name_label = QLabel(label if tool.for_model else view_only_text(label), parent)
        exact = self.tr("Its exact name: %1").replace("%1", reveal(tool.qualified_name))
        if not tool.for_model:
            exact = f"{view_only_tip()} {exact}"
        self.name_label.setToolTip(exact)
        self.setting_combo = QComboBox(parent)
        self.setting_combo.setAccessibleName(self.tr("Permission for %1").replace("%1", tool_label(tool)))
        self.expiry_combo = QComboBox(parent)
        self.expiry_combo.setAccessibleName(
            self.tr("How long %1 stays allowed").replace("%1", tool_label(tool))
        )
        fill_combo(self.expiry_combo, expiry_words())
        self.note = hint("", parent)
        self.widgets = (self.name_label, self.setting_combo, self.expiry_combo, self.note)
        for column, widget in enumerate(self.widgets):
            grid.addWidget(widget, row, column)
        self.setting_combo.activated.connect(self._on_combo_activated)
        self.expiry_combo.activated.connect(self._on_combo_activated)

    def show_choice(
        self,
        default: ServerDefault,
        rule: ConsentRule | None,
        chats: Sequence[str] = (),
        apps: Sequence[str] = (),
    ) -> None:
        """`rule`: the tool's own choice, if any; `chats`: the chats it is allowed in without one;
        `apps`: the other AI apps allowed it by an Always allow of their own."""
        if rule is not None and rule.expired(time.time()):
            rule = None
        follows = default is ServerDefault.ALL or (
            default is ServerDefault.READ_ONLY and read_only(self.tool)
        )
        fill_combo(self.setting_combo, setting_words(follows))
        changed = rule is not None and not rule.never and rule.definition_hash != self.tool.definition_hash
        if rule is None or changed:
            setting = ToolSetting.ASK
        else:
            setting = ToolSetting.NEVER if rule.never else ToolSetting.ALLOW
        choose(self.setting_combo, setting)
        choose(self.expiry_combo, rule.expiry if rule is not None and not changed else Expiry.REVOKED)
        self.expiry_combo.setEnabled(setting is ToolSetting.ALLOW)
        asks = setting is ToolSetting.ASK
        self.note.setText(self._note(rule, changed, chats if asks else (), apps if asks else ()))
        self.note.setToolTip(on_hold_tip() if changed else "")

    def _note(
        self, rule: ConsentRule | None, changed: bool, chats: Sequence[str], apps: Sequence[str]
    ) -> str:
        if changed:
            return on_hold_text()
        if rule is not None and rule.expires is not None and not rule.never:
            return rule_text(rule)
        return ". ".join(text for text in (chats_text(chats), apps_text(apps)) if text)

    def _on_combo_activated(self, _index: int) -> None:
        tip_current(self.setting_combo)
        tip_current(self.expiry_combo)
        setting = ToolSetting(self.setting_combo.currentData())
        self.expiry_combo.setEnabled(setting is ToolSetting.ALLOW)
        self.chosen.emit(self.tool, setting.value, str(self.expiry_combo.currentData()))


class ServerChoices(QGroupBox):
    """One server's standing consent choices: its default for tools, sampling, and each tool's own.

    Signals:
        default_chosen(str, str): the user chose a default (server, ServerDefault).
        sampling_chosen(str, bool): the user let the server use the model, or stopped it.
        tool_chosen(object, str, str): a tool's own choice (ToolInfo, ToolSetting, Expiry).
    """

    default_chosen = Signal(str, str)
    sampling_chosen = Signal(str, bool)
    tool_chosen = Signal(object, str, str)

    def __init__(self, server: str, parent: QWidget | None = None) -> None:
        super().__init__(reveal(server), parent)
        self.server = server
        self.default_combo = QComboBox(self)
        self.default_combo.setAccessibleName(self.tr("What %1's tools may do").replace("%1", server))
        fill_combo(self.default_combo, default_words())
        self.sampling_box = QCheckBox(self.tr("Let this server use your model to write text"), self)
        self.sampling_box.setToolTip(
            self.tr(
                "Some servers ask your model to write a piece of text for them (MCP calls this "
                "“sampling”). MCP Desk still shows you each request and each answer first"
            )
        )
        self.tools_hint = hint(self.tr("Start this server to choose for each of its tools."), self)
        self.tools_box = QWidget(self)
        self._grid = QGridLayout(self.tools_box)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(3, 1)
        self.tools: dict[str, ToolChoice] = {}
        self._policy = ServerPolicy()
        self._rules: list[ConsentRule] = []
        self.tools_label = self._tools_label()
        default_row = QHBoxLayout()
        default_row.addWidget(QLabel(self.tr("This server's tools:"), self))
        default_row.addWidget(self.default_combo)
        default_row.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(default_row)
        layout.addWidget(self.sampling_box)
        layout.addWidget(self.tools_hint)
        layout.addWidget(self.tools_label)
        layout.addWidget(self.tools_box)
        self.show_policy(ServerPolicy())
        self.default_combo.activated.connect(self._on_default_combo_activated)
        self.sampling_box.toggled.connect(self._on_sampling_box_toggled)

    def _tools_label(self) -> QLabel:
        label = QLabel(self.tr("Each tool (what you choose here wins over the choice above):"), self)
        label.setToolTip(
            self.tr(
                "“Always allow” or “Never” for a tool holds whatever the server's choice above says; "
                "a tool left at “Ask” follows the server's choice"
            )
        )
        return label

    def show_policy(self, policy: ServerPolicy, rules: Sequence[ConsentRule] | None = None) -> None:
        self._policy = policy
        if rules is not None:
            self._rules = list(rules)
        choose(self.default_combo, policy.default)
        self.sampling_box.blockSignals(True)
        self.sampling_box.setChecked(policy.allow_sampling)
        self.sampling_box.blockSignals(False)
        self._show_tool_choices()

    def show_tools(self, tools: Sequence[ToolInfo]) -> None:
        """One row per tool the server offers now (rows are remade only when the tools change)."""
        if list(tools) != [row.tool for row in self.tools.values()]:
            for old in self.tools.values():
                for widget in old.widgets:
                    widget.deleteLater()
                old.deleteLater()
            self.tools = {}
            for tool in tools:
                row = ToolChoice(tool, self._grid, self.tools_box)
                row.chosen.connect(self.tool_chosen)
                self.tools[tool.name] = row
        self.tools_hint.setVisible(not tools)
        self.tools_label.setVisible(bool(tools))
        self._show_tool_choices()

    def _show_tool_choices(self) -> None:
        for name, row in self.tools.items():
            rule = standing_rule(self._rules, self.server, name)
            row.show_choice(
                self._policy.default, rule, self._chats_allowing(row.tool), self._apps_allowing(row.tool)
            )

    def _chats_allowing(self, tool: ToolInfo) -> list[str]:
        """The titles of the chats where a yes for that chat lets `tool`, as it is now, run."""
        now = time.time()
        return [
            rule.chat_title
            for rule in self._rules
            if rule.scope is RuleScope.CHAT and rule.covers(tool, rule.chat_id, now)
        ]

    def _apps_allowing(self, tool: ToolInfo) -> list[str]:
        """The other AI apps whose own Always allow lets `tool`, as it is now, run."""
        now = time.time()
        return sorted(
            {
                rule.app
                for rule in self._rules
                if rule.app and not rule.never and rule.covers(tool, None, now, rule.holder)
            }
        )

    def _on_default_combo_activated(self, _index: int) -> None:
        tip_current(self.default_combo)
        self.default_chosen.emit(self.server, str(self.default_combo.currentData()))

    def _on_sampling_box_toggled(self, checked: bool) -> None:
        self.sampling_chosen.emit(self.server, checked)
