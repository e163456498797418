"""The Settings page's “Node.js and uv for servers” section: MCP Desk's own runtimes, and emptying the
caches of the packages their servers downloaded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.core.problem import Problem
from desktop.servers.runtime_control import RuntimeInfo
from desktop.ui.style import heading, hint, labelled_button, selectable
from desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:
    from desktop.ui.bridge import Bridge

MB = 1e6


class RuntimesSection(QWidget):
    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.listing = selectable(QLabel(self))
        self.listing.setAccessibleName(self.tr("MCP Desk's own Node.js and uv"))
        self.clean_button = labelled_button(
            self.tr("Empty the package caches"),
            self.tr(
                "Remove the packages servers on MCP Desk's Node.js and uv downloaded; they are downloaded "
                "again when those servers next start"
            ),
            self,
        )
        self.clean_button.setEnabled(False)
        self.message = InlineMessage(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(self.tr("Node.js and uv for servers"), self, scale=1.0))
        layout.addWidget(
            hint(
                self.tr(
                    "Servers that run with npx or uvx need Node.js or uv. MCP Desk downloads its own copy "
                    "the first time a server set to use it starts, and keeps the packages those servers "
                    "download so they start faster next time."
                ),
                self,
            )
        )
        layout.addWidget(self.listing)
        row = QHBoxLayout()
        row.addWidget(self.clean_button)
        row.addWidget(self.message, 1)
        layout.addLayout(row)
        bridge.when_ready(self.refresh)
        self.clean_button.clicked.connect(self._on_clean_button_clicked)

    def refresh(self) -> None:
        """Ask again what is installed: when the services are ready, and each time the page is shown."""
        runtimes = self._bridge.runtimes
        if runtimes is None:  # a service side without MCP Desk's own runtimes
            self.hide()
            return
        self._bridge.call(runtimes.runtimes(), on_done=self._show, on_error=self._on_failed)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _show(self, infos: list[RuntimeInfo]) -> None:
        self.clean_button.setEnabled(True)
        self.listing.setText("\n".join(self._line(info) for info in infos))

    def _line(self, info: RuntimeInfo) -> str:
        if info.installed:
            size = f"{info.size_bytes / MB:.0f}"
            return (
                self.tr("%1 %2: installed (%3 MB)")
                .replace("%1", info.title)
                .replace("%2", info.version)
                .replace("%3", size)
            )
        text = self.tr("%1 %2: not downloaded yet")
        return text.replace("%1", info.title).replace("%2", info.version)

    def _on_clean_button_clicked(self) -> None:
        runtimes = self._bridge.runtimes
        if runtimes is None:
            return
        self.clean_button.setEnabled(False)
        self._bridge.call(runtimes.clean(), on_done=self._on_cleaned, on_error=self._on_failed)

    def _on_cleaned(self, freed: int) -> None:
        self.clean_button.setEnabled(True)
        self.message.show_info(self.tr("Emptied: %1 MB freed.").replace("%1", f"{freed / MB:.0f}"))

    def _on_failed(self, problem: Problem) -> None:
        self.clean_button.setEnabled(True)
        self.message.show_problem(problem.message)
