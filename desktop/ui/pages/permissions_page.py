"""The Permissions page: remembered tool permissions, to look at and take back, and each server's
standing consent choices (its default for tools, and each tool's own: `server_permissions`)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.consent import ConsentControl
from desktop.core.consent_rules import ConsentRule, Expiry, ServerDefault, ServerPolicy, ToolSetting
from desktop.core.events import ToolInfo
from desktop.core.problem import Problem
from desktop.ui.bridge import Bridge
from desktop.ui.models.rules_table_model import RulesTableModel
from desktop.ui.pages.server_permissions import ServerChoices
from desktop.ui.resources import page_icon
from desktop.ui.style import SPACING, heading, hint, pad
from desktop.ui.widgets.confirm_box import open_confirm
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.record_table import RecordTable

QWIDGETSIZE_MAX = (1 << 24) - 1
"""Qt's own largest widget size: no maximum height."""
COLUMN_SAMPLES = ["a-server-name", "A rather long tool", "Allowed in the chat “Planning a trip”"]
COLUMN_SAMPLES += ["31/01/2025 12:00", "Not offered by the server now"]


class PermissionsPage(QWidget):
    """Lists remembered rules from the consent service, refreshed on `rules_changed`; revoking and
    each server's choices go through the service too.

    A rule whose tool has changed since it was made is shown as on hold.
    """

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._tools: dict[str, tuple[ToolInfo, ...]] = {}
        self.model = RulesTableModel(self)
        self.table = RecordTable(self.model, self.tr("Remembered permissions"), COLUMN_SAMPLES, self)
        self.table.setToolTip(self.tr("Tools you allowed or blocked. Select one to take your choice back."))
        self.message = InlineMessage(self)
        self.revoke_button = QPushButton(self.tr("Take back"), self)
        self.revoke_all_button = QPushButton(self.tr("Take back all…"), self)
        self.revoke_all_button.setToolTip(
            self.tr("Forget every remembered choice, blocked tools included; MCP Desk asks again each time")
        )
        self.empty = self._empty_state()
        self.stack = QStackedWidget(self)
        self.servers: dict[str, ServerChoices] = {}
        self.servers_box = QWidget(self)
        self._servers_layout = QVBoxLayout(self.servers_box)
        self.revoke_box: QMessageBox | None = None
        self._build()
        self._connect()
        self._enable()

    def _empty_state(self) -> QWidget:
        """One quiet line with its icon, so the servers below keep the room."""
        empty = QFrame(self)
        icon = QLabel(empty)
        icon.setPixmap(page_icon("permissions", QPalette.ColorRole.PlaceholderText).pixmap(32, 32))
        text = QVBoxLayout()
        text.setSpacing(0)
        text.addWidget(heading(self.tr("No remembered permissions"), empty, scale=1.0))
        text.addWidget(
            hint(
                self.tr(
                    "When you answer “Allow for this chat” or “Always allow this tool”, or choose for a "
                    "tool below, it shows up here, and you can take it back at any time."
                ),
                empty,
            )
        )
        row = QHBoxLayout(empty)
        row.setContentsMargins(0, SPACING // 2, 0, SPACING // 2)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        return empty

    def _build(self) -> None:
        toolbar = QHBoxLayout()
        toolbar.addWidget(heading(self.tr("Permissions"), self))
        toolbar.addStretch()
        toolbar.addWidget(self.revoke_button)
        toolbar.addWidget(self.revoke_all_button)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.table)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.setSpacing(SPACING // 2)
        layout.addLayout(toolbar)
        layout.addWidget(
            hint(
                self.tr(
                    "MCP Desk asks you before a tool runs, unless you chose otherwise below. These are "
                    "the answers you asked it to remember. When a server changes a tool you allowed, "
                    "your permission is on hold and MCP Desk asks you again."
                ),
                self,
            )
        )
        layout.addWidget(self.message)
        layout.addWidget(self.stack)
        layout.addSpacing(SPACING)
        layout.addWidget(heading(self.tr("Servers"), self, scale=1.0))
        layout.addWidget(
            hint(
                self.tr(
                    "Choose what each server's tools may do without asking, and for any tool its own "
                    "choice. Whether a tool is read-only is the server's own claim, which MCP Desk can't "
                    "check. Only trust it for servers you trust."
                ),
                self,
            )
        )
        layout.addWidget(self._servers_area(), 2)
        self._layout = layout

    def _servers_area(self) -> QScrollArea:
        self._servers_layout.setContentsMargins(0, 0, 0, 0)
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(self.servers_box)
        return area

    def _connect(self) -> None:
        bridge = self._bridge
        bridge.rules_changed.connect(self._on_bridge_rules_changed)
        bridge.servers_changed.connect(self._on_bridge_servers_changed)
        bridge.server_tools_changed.connect(self._on_bridge_server_tools_changed)
        self.revoke_button.clicked.connect(self._on_revoke_button_clicked)
        self.revoke_all_button.clicked.connect(self._on_revoke_all_button_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.model.modelReset.connect(self._on_model_reset)
        bridge.when_ready(self._on_bridge_services_ready)

    def _consent(self) -> ConsentControl:
        assert self._bridge.consent is not None, "services are not attached yet"
        return self._bridge.consent

    def selected(self) -> ConsentRule | None:
        row = self.table.selected_row()
        return self.model.rule_at(row) if row >= 0 else None

    # -- showing --------------------------------------------------------------------

    def _on_bridge_services_ready(self) -> None:
        self._on_bridge_servers_changed(())

    def _on_bridge_servers_changed(self, _names: tuple[str, ...]) -> None:
        control = self._bridge.control
        if control is None:
            return
        names = [status.name for status in control.statuses()]
        self._tools = {name: tuple(control.tools(name)) for name in names}
        self._build_servers(names)
        self._on_bridge_rules_changed()

    def _on_bridge_server_tools_changed(self, server: str, tools: tuple[ToolInfo, ...]) -> None:
        self._tools[server] = tools
        if server in self.servers:
            self.servers[server].show_tools(tools)
        self._show_rules()

    def _on_bridge_rules_changed(self) -> None:
        if self._bridge.consent is None:
            return
        self._show_rules()
        rules = self._consent().rules()
        for name, choices in self.servers.items():
            choices.show_policy(self._consent().policy(name), rules)

    def _show_rules(self) -> None:
        if self._bridge.consent is None:
            return
        chosen = self.selected()
        self.model.set_rules(self._consent().rules(), self._tools)
        row = self.model.row_of(chosen.id) if chosen else -1
        if row >= 0:
            self.table.select(row)

    def _build_servers(self, names: list[str]) -> None:
        layout = self._servers_layout
        while (item := layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self.servers = {}
        rules = self._consent().rules()
        for name in names:
            choices = ServerChoices(name, self.servers_box)
            choices.show_tools(self._tools.get(name, ()))
            choices.show_policy(self._consent().policy(name), rules)
            choices.default_chosen.connect(self._on_choices_default_chosen)
            choices.sampling_chosen.connect(self._on_choices_sampling_chosen)
            choices.tool_chosen.connect(self._on_choices_tool_chosen)
            layout.addWidget(choices)
            self.servers[name] = choices
        if not names:
            layout.addWidget(hint(self.tr("Add a server on the Servers page to make these choices."), self))
        layout.addStretch()

    def _on_model_reset(self) -> None:
        """The table shares the room with the servers; the empty state takes only its own line."""
        rows = self.model.rowCount() > 0
        self.stack.setCurrentIndex(1 if rows else 0)
        self.stack.setMaximumHeight(QWIDGETSIZE_MAX if rows else self.empty.sizeHint().height())
        self._layout.setStretchFactor(self.stack, 1 if rows else 0)
        self._enable()

    def _enable(self) -> None:
        rule = self.selected()
        self.revoke_button.setEnabled(rule is not None)
        self.revoke_all_button.setEnabled(self.model.rowCount() > 0)
        blocked = rule is not None and rule.never
        self.revoke_button.setText(self.tr("Unblock") if blocked else self.tr("Take back"))
        self.revoke_button.setToolTip(
            self.tr(
                "The tool goes back to “Ask”: your model sees it again, and MCP Desk asks you before it runs"
            )
            if blocked
            else self.tr("MCP Desk asks you again before this tool runs")
        )

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._enable()

    # -- changing -------------------------------------------------------------------

    def _on_revoke_button_clicked(self) -> None:
        rule = self.selected()
        if rule is not None:
            self.message.clear()
            self._bridge.call(self._consent().revoke(rule.id), None, self._on_call_failed)

    def _on_revoke_all_button_clicked(self) -> None:
        count = self.model.rowCount()
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Take back all permissions"),
            self.tr("Take back all %1 remembered permissions?").replace("%1", str(count)),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setInformativeText(
            self.tr("MCP Desk will ask you again before each tool runs, blocked tools included.")
        )
        revoke = box.addButton(self.tr("Take back all"), QMessageBox.ButtonRole.DestructiveRole)
        self.revoke_box = box
        open_confirm(box, revoke, self._on_revoke_box_finished)

    def _on_revoke_box_finished(self, confirmed: bool) -> None:
        self.revoke_box = None
        if confirmed:
            self.message.clear()
            self._bridge.call(self._consent().revoke(None), None, self._on_call_failed)

    def _on_choices_default_chosen(self, server: str, default: str) -> None:
        self._set_policy(server, self._consent().set_policy(server, default=ServerDefault(default)))

    def _on_choices_sampling_chosen(self, server: str, allowed: bool) -> None:
        self._set_policy(server, self._consent().set_policy(server, allow_sampling=allowed))

    def _set_policy(self, server: str, change: Coroutine[Any, Any, ServerPolicy]) -> None:
        """What was chosen shows when `rules_changed` says so: choices made in a row arrive in order."""
        self.message.clear()
        self._bridge.call(change, None, lambda problem: self._on_policy_failed(server, problem))

    def _on_choices_tool_chosen(self, tool: ToolInfo, setting: str, expiry: str) -> None:
        self.message.clear()
        change = self._consent().set_tool(tool, ToolSetting(setting), Expiry(expiry))
        self._bridge.call(change, None, lambda problem: self._on_policy_failed(tool.server, problem))

    def _on_policy_failed(self, server: str, problem: Problem) -> None:
        self._on_call_failed(problem)
        if server in self.servers and self._bridge.consent is not None:
            self.servers[server].show_policy(self._consent().policy(server), self._consent().rules())

    def _on_call_failed(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)
