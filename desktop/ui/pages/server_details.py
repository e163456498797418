"""The tabs below the Servers table: Overview, Tools and Output of the selected server."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState, ServerStatus, ToolInfo
from desktop.core.problem import Problem
from desktop.servers.runtime_control import RuntimeUse
from desktop.servers.sandbox import SandboxPlan, sandbox_summary
from desktop.servers.sandbox_report import blocked, plan_of
from desktop.ui.bridge import Bridge
from desktop.ui.models.server_roster import ServerRoster
from desktop.ui.pages.server_resources import ResourcesTab
from desktop.ui.pages.server_runtime import RuntimeRow
from desktop.ui.pages.server_update import UpdateLine
from desktop.ui.permission_words import view_only_text, view_only_tip
from desktop.ui.state_look import dot_icon, is_active, state_icon, state_text
from desktop.ui.style import SPACING, code_box, hint, monospace_font, pad, selectable
from desktop.ui.widgets.collapsible import DetailsToggle

MAX_OUTPUT_LINES = 2000


def first_paragraph(text: str) -> str:
    """The summary of a tool's description, on one line (the rest is in the tooltip)."""
    return " ".join(text.strip().split("\n\n")[0].split())


class OverviewTab(QWidget):
    """State, reason (with details), full command, sandbox (and what it blocked), restarts, and
    approval when it is needed.

    Signals:
        review_requested(): the user wants to review and approve the command.
    """

    review_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state_dot = QLabel(self)
        self.state_label = QLabel(self)
        state_row = QHBoxLayout()
        state_row.addWidget(self.state_dot)
        state_row.addWidget(self.state_label, 1)
        self.reason_label = selectable(QLabel(self))
        self.details = DetailsToggle(self)
        self.command_box = code_box(parent=self, lines=2)
        self.command_box.setAccessibleName(self.tr("Full command"))
        self.runtime_title = QLabel(self.tr("Runs on:"), self)
        self.runtime_row = RuntimeRow(self)
        self._status: ServerStatus | None = None
        self.show_runtime(None, None)
        self.restarts_label = QLabel(self)
        self.sandbox_label = selectable(QLabel(self))
        self.sandbox_label.setWordWrap(True)
        self.sandbox_label.setToolTip(self.tr("Change it with Edit: the Sandbox section"))
        self.blocked_label = selectable(QLabel(self))
        self.blocked_label.setWordWrap(True)
        self.blocked_label.setAccessibleName(self.tr("What the sandbox blocked"))
        self.blocked_hint = hint(
            self.tr(
                "This protects your files. If the server needs that folder or the network, give it access "
                "in its settings (Edit, then Sandbox); if you didn't expect it, remove the server."
            ),
            self,
        )
        self.approval = self._approval_row()
        form = QFormLayout()
        form.addRow(self.tr("Status:"), state_row)
        form.addRow("", self.reason_label)
        form.addRow("", self.details)
        self.command_label = QLabel(self.tr("Command:"), self)
        form.addRow(self.command_label, self.command_box)
        form.addRow(self.runtime_title, self.runtime_row)
        self.sandbox_title = QLabel(self.tr("Sandbox:"), self)
        form.addRow(self.sandbox_title, self._sandbox_part())
        form.addRow(self.tr("Restarts:"), self.restarts_label)
        self._layout = QVBoxLayout(self)
        layout = self._layout
        pad(layout)
        layout.addWidget(self.approval)
        layout.addLayout(form)
        layout.addStretch()

    def put_on_top(self, line: QWidget) -> None:
        """A line above everything else (the update line)."""
        self._layout.insertWidget(0, line)

    def _sandbox_part(self) -> QVBoxLayout:
        """What the sandbox lets it see, then what it blocked and what that means, close together."""
        part = QVBoxLayout()
        part.setContentsMargins(0, 0, 0, 0)
        part.setSpacing(SPACING // 2)
        for label in (self.sandbox_label, self.blocked_label, self.blocked_hint):
            part.addWidget(label)
        return part

    def _approval_row(self) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.approval_hint = hint(parent=row)
        layout.addWidget(self.approval_hint, 1)
        self.review_button = QPushButton(self.tr("Review and approve…"), row)
        self.review_button.setToolTip(self.tr("See exactly what will run before it starts"))
        self.review_button.clicked.connect(self.review_requested)
        layout.addWidget(self.review_button)
        return row

    def show_status(self, status: ServerStatus) -> None:
        self._status = status
        self._show_state()
        self.runtime_row.show_progress(status)
        if self.command_box.toPlainText() != status.display_command:
            self.command_box.setPlainText(status.display_command)
        self.restarts_label.setText(str(status.restarts))
        self.command_label.setText(self.tr("Address:") if status.remote else self.tr("Command:"))
        self.approval_hint.setText(
            self.tr("MCP Desk has not connected to this server yet. Check its address, then approve it.")
            if status.remote
            else self.tr("MCP Desk has not run this server yet. Check its command, then approve it.")
        )
        self.approval.setVisible(status.needs_trust and not is_active(status))

    def _show_state(self) -> None:
        """The state and why; where only a download is missing, that, in amber, and the runtime row
        says why and offers it (not a failure, and no terminal command)."""
        status = self._status
        if status is None:
            return
        offering = self.runtime_row.offering
        dot = dot_icon("busy") if offering else state_icon(status)
        self.state_dot.setPixmap(dot.pixmap(16, 16))
        self.state_label.setText(self.tr("Needs a download") if offering else state_text(status))
        self.reason_label.setText(status.reason)
        self.reason_label.setVisible(bool(status.reason) and not offering)
        self.details.set_details("" if offering else status.details)

    def show_runtime(self, use: RuntimeUse | None, shown: tuple[ServerConfig, ServerStatus] | None) -> None:
        """Which Node.js or uv runs the server `shown` (its settings and status); None: neither."""
        self.runtime_title.setVisible(use is not None and shown is not None)
        self.runtime_row.setVisible(use is not None and shown is not None)
        if use is not None and shown is not None:
            self.runtime_row.show_use(use, *shown)
        else:
            self.runtime_row.offering = False
        self._show_state()

    def show_sandbox(
        self, config: ServerConfig | None, stopped: tuple[str, ...], own: Path | None = None
    ) -> None:
        """The sandbox of a local server (`config`; None for a remote one), the folder it calls its
        own when it sees that one, and what the sandbox blocked."""
        self.sandbox_title.setVisible(config is not None)
        self.sandbox_label.setVisible(config is not None)
        self.sandbox_label.setText(sandbox_summary(config.sandbox) if config else "")
        if config and own is not None:
            self.sandbox_label.setText(
                self.sandbox_label.text() + " " + self.tr("Its own folder is %1.").replace("%1", str(own))
            )
        self.blocked_label.setVisible(bool(stopped))
        self.blocked_hint.setVisible(bool(stopped))
        lines = [self.tr("The sandbox blocked:"), *(f"• {item}" for item in stopped)]
        self.blocked_label.setText("\n".join(lines))


class ToolsTab(QWidget):
    """The tools a running server offers, with what each one does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count_label = hint(parent=self)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([self.tr("Tool"), self.tr("What it does")])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setColumnWidth(0, 220)
        self.tree.setAccessibleName(self.tr("Tools"))
        self.tree.setToolTip(self.tr("The tools this server offers your assistant"))
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(self.count_label)
        layout.addWidget(self.tree, 1)

    def show_tools(self, tools: Iterable[ToolInfo]) -> None:
        self.tree.clear()
        for tool in tools:
            name = tool.title or tool.name
            item = QTreeWidgetItem(
                [name if tool.for_model else view_only_text(name), first_paragraph(tool.description)]
            )
            item.setToolTip(
                0, tool.qualified_name if tool.for_model else f"{view_only_tip()} {tool.qualified_name}"
            )
            item.setToolTip(1, tool.description)
            self.tree.addTopLevelItem(item)
        count = self.tree.topLevelItemCount()
        if count == 0:
            self.count_label.setText(self.tr("No tools yet. Tools appear here while the server is running."))
        elif count == 1:
            self.count_label.setText(self.tr("This server offers 1 tool."))
        else:
            self.count_label.setText(self.tr("This server offers %1 tools.").replace("%1", str(count)))


class ServerDetails(QTabWidget):
    """Everything about one server; follows the selection given to `show_server`.

    Signals:
        review_requested(str): the user wants to review and approve this server's command.
    """

    review_requested = Signal(str)

    def __init__(self, bridge: Bridge, roster: ServerRoster, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._roster = roster
        self._name: str | None = None
        self._runtime_asked: tuple[str, ServerConfig, ServerState] | None = None
        self._plan: SandboxPlan | None = None
        self._stopped: dict[str, None] = {}
        """What the sandbox blocked the shown server doing, in order, once each."""
        self.overview = OverviewTab(self)
        self.update_line = UpdateLine(bridge, self.overview)
        self.overview.put_on_top(self.update_line)
        self.tools = ToolsTab(self)
        self.resources = ResourcesTab(bridge, self)
        self.output = QPlainTextEdit(self)
        self.output.setReadOnly(True)
        self.output.setFont(monospace_font())
        self.output.setMaximumBlockCount(MAX_OUTPUT_LINES)
        self.output.setPlaceholderText(self.tr("Nothing yet. Messages the server prints appear here."))
        self.output.setAccessibleName(self.tr("Server output"))
        self.addTab(self.overview, self.tr("Overview"))
        self.addTab(self.tools, self.tr("Tools"))
        self.addTab(self.resources, self.tr("Resources"))
        self.addTab(self.output, self.tr("Output"))
        self.setTabToolTip(
            self.indexOf(self.output), self.tr("What the server printed: its messages and errors")
        )
        self.overview.review_requested.connect(self._on_overview_review_requested)
        self.overview.runtime_row.use_own_requested.connect(self._on_runtime_use_own_requested)
        self.overview.runtime_row.cancel_requested.connect(self._on_runtime_cancel_requested)
        roster.status_changed.connect(self._on_roster_status_changed)
        bridge.server_tools_changed.connect(self._on_bridge_server_tools_changed)
        bridge.server_output_arrived.connect(self._on_bridge_server_output_arrived)

    def show_server(self, name: str | None) -> None:
        """Switch to server `name` (None: nothing selected)."""
        self._name = name
        status = self._roster.get(name) if name is not None else None
        self.setEnabled(status is not None)
        self.resources.show_server(name, status is not None and status.state is ServerState.RUNNING)
        if status is None:
            self.update_line.show_server(None, None)
            self.tools.show_tools(())
            self.output.clear()
            return
        control = self._roster.control
        self.overview.show_status(status)
        try:
            tools, output = control.tools(status.name), control.output_of(status.name)
        except Problem:  # removed a moment ago; the list follows with the next event
            tools, output = [], []
        self._stopped = {}
        self.overview.show_runtime(None, None)  # until the service side says what runs this one
        self._ask_runtime(status)
        self._show_sandbox(status.name, output)
        self.tools.show_tools(tools)
        self.output.setPlainText("\n".join(output))
        self.output.moveCursor(QTextCursor.MoveOperation.End)

    def _show_sandbox(self, name: str, new_lines: list[str] | tuple[str, ...]) -> None:
        """The server's sandbox as it is now, with what `new_lines` of its output say it blocked."""
        try:
            config = self._roster.control.config_of(name)
        except Problem:
            return
        self._plan = plan_of(name, config)
        own = None
        if self._plan is not None:
            self._stopped.update(dict.fromkeys(blocked(new_lines, self._plan).sentences))
            own = self._plan.own
        self.overview.show_sandbox(None if config.is_remote else config, tuple(self._stopped), own)
        self.update_line.show_server(name, config)

    def _ask_runtime(self, status: ServerStatus) -> None:
        """Ask the service side which Node.js or uv runs the server (it runs the program to learn its
        version), again only when its settings or state changed."""
        runtimes = self._bridge.runtimes
        try:
            config = self._roster.control.config_of(status.name)
        except Problem:
            return
        asked = (status.name, config, status.state)
        if runtimes is None or config.is_remote or asked == self._runtime_asked:
            if config.is_remote:
                self.overview.show_runtime(None, None)
            return
        self._runtime_asked = asked
        self._bridge.call(
            runtimes.describe(config),
            on_done=lambda use: self._on_runtime_described(status.name, config, use),
            on_error=lambda _problem: self.overview.show_runtime(None, None),
        )

    def _on_runtime_described(self, name: str, config: ServerConfig, use: RuntimeUse | None) -> None:
        status = self._roster.get(name)
        if name == self._name and status is not None:
            self.overview.show_runtime(use, (config, status))

    def _on_runtime_use_own_requested(self) -> None:
        """Give the server MCP Desk's own runtime; the changed command is approved as any change is,
        and its first start installs the runtime (its progress is the server's status, Stop cancels)."""
        name, control = self._name, self._roster.control
        if name is None:
            return
        try:
            own = control.config_of(name).model_copy(update={"runtime": "mcp-desk"})
        except Problem:
            return
        self._bridge.call(control.update(name, own), on_done=lambda _none: self.review_requested.emit(name))

    def _on_runtime_cancel_requested(self) -> None:
        """Stop the server, which stops the download its start is waiting for."""
        if self._name is not None:
            self._bridge.call(self._roster.control.stop(self._name))

    def _on_overview_review_requested(self) -> None:
        if self._name is not None:
            self.review_requested.emit(self._name)

    def _on_roster_status_changed(self, status: ServerStatus) -> None:
        if status.name == self._name:
            self.overview.show_status(status)
            self.resources.follow(status.name, status.state is ServerState.RUNNING)
            self._ask_runtime(status)
            self._show_sandbox(status.name, ())

    def _on_bridge_server_tools_changed(self, name: str, tools: tuple[ToolInfo, ...]) -> None:
        if name == self._name:
            self.tools.show_tools(tools)

    def _on_bridge_server_output_arrived(self, name: str, lines: tuple[str, ...]) -> None:
        if name == self._name and lines:
            self.output.appendPlainText("\n".join(lines))
            self._show_sandbox(name, lines)
