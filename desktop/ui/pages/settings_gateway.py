"""The Settings page's “Your other AI apps” section: whether apps such as Cursor or Claude Desktop may
use MCP Desk's servers through MCP Desk, where they find it, and which servers each may use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from desktop.core.problem import Problem
from desktop.gateway.control import GatewayStatus
from desktop.ui.style import heading, selectable
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.ui.bridge import Bridge


class GatewaySection(QWidget):
    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.enabled_box = QCheckBox(self.tr("Let my other AI apps use MCP Desk's servers"), self)
        self.enabled_box.setToolTip(
            self.tr(
                "Apps you connect reach the servers you choose for each of them through MCP Desk, on "
                "this computer only, each with its own key kept in your system's keychain; every tool "
                "call asks you first, as in the chat"
            )
        )
        self.enabled_box.setEnabled(False)
        self.message = InlineMessage(self)
        self.apps_label = selectable(QLabel(self))
        self.apps_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(self.tr("Your other AI apps"), self, scale=1.0))
        layout.addWidget(self.enabled_box)
        layout.addWidget(self.message)
        layout.addWidget(self.apps_label)
        self.enabled_box.toggled.connect(self._on_enabled_box_toggled)

    def show_ready(self) -> None:
        """The services are there: show the gateway as it is."""
        if self._bridge.gateway is None:
            return
        self.show_status(self._bridge.gateway.status())
        self.enabled_box.setEnabled(True)

    def show_status(self, status: GatewayStatus) -> None:
        self.enabled_box.blockSignals(True)
        self.enabled_box.setChecked(status.enabled)
        self.enabled_box.blockSignals(False)
        if status.problem:
            self.message.show_problem(status.problem)
        elif status.url:
            self.message.show_info(
                self.tr("Your apps find MCP Desk at %1 while MCP Desk is open.").replace("%1", status.url)
            )
        else:
            self.message.clear()
        lines = [
            self.tr("%1 may use: %2")
            .replace("%1", app.label)
            .replace("%2", ", ".join(app.servers) if app.servers else self.tr("no server yet"))
            for app in status.apps
        ]
        self.apps_label.setText("\n".join(lines) if status.enabled else "")
        self.apps_label.setVisible(bool(lines) and status.enabled)

    def _on_enabled_box_toggled(self, enabled: bool) -> None:
        if self._bridge.gateway is None:
            return
        self.enabled_box.setEnabled(False)
        self._bridge.call(
            self._bridge.gateway.set_enabled(enabled), self._on_switched, self._on_switch_failed
        )

    def _on_switched(self, status: GatewayStatus) -> None:
        self.show_status(status)
        self.enabled_box.setEnabled(True)

    def _on_switch_failed(self, problem: Problem) -> None:
        self.enabled_box.setEnabled(True)
        if self._bridge.gateway is not None:
            self.show_status(self._bridge.gateway.status())
        self.message.show_problem(problem.message)
