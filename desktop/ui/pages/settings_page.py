"""Settings: whether MCP Desk starts at sign-in, and which version this is."""

from __future__ import annotations

from importlib import metadata

from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from desktop.core.config import AppSettings
from desktop.servers.control import ServerProblem
from desktop.ui.bridge import Bridge
from desktop.ui.style import SPACING, heading, hint, pad, selectable

DIST_NAME = "mcp-desk"


def app_version() -> str | None:
    """The installed version; None in a source checkout that was never installed."""
    try:
        return metadata.version(DIST_NAME)
    except metadata.PackageNotFoundError:
        return None


class SettingsPage(QWidget):
    """Each change is saved at once through the service side; a refused change is undone."""

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.login_box = QCheckBox(self.tr("Start MCP Desk when I sign in"), self)
        self.login_box.setToolTip(
            self.tr("MCP Desk starts in the background when you sign in, with the servers you chose")
        )
        self.login_box.setEnabled(False)
        version = app_version() or self.tr("development version")
        self.about_label = selectable(QLabel(self.tr("MCP Desk %1").replace("%1", version), self))
        self.about_label.setAccessibleName(self.tr("About MCP Desk"))
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(heading(self.tr("Settings"), self))
        layout.addWidget(self.login_box)
        layout.addWidget(
            hint(
                self.tr("Servers marked “Start with MCP Desk” then start too, so their tools are ready."),
                self,
            )
        )
        layout.addSpacing(SPACING * 2)
        layout.addWidget(heading(self.tr("About"), self, scale=1.0))
        layout.addWidget(self.about_label)
        layout.addStretch()
        bridge.services_ready.connect(self._on_bridge_services_ready)
        self.login_box.toggled.connect(self._on_login_box_toggled)

    def _settings(self) -> AppSettings:
        assert self._bridge.control is not None, "services are not attached yet"
        return self._bridge.control.app_settings()

    def _show(self, start_at_login: bool) -> None:
        self.login_box.blockSignals(True)
        self.login_box.setChecked(start_at_login)
        self.login_box.blockSignals(False)

    def _on_bridge_services_ready(self) -> None:
        self._show(self._settings().start_at_login)
        self.login_box.setEnabled(True)

    def _on_login_box_toggled(self, checked: bool) -> None:
        assert self._bridge.control is not None
        settings = self._settings().model_copy(update={"start_at_login": checked})
        self._bridge.call(self._bridge.control.save_app_settings(settings), on_error=self._on_save_failed)

    def _on_save_failed(self, problem: ServerProblem) -> None:
        self._show(self._settings().start_at_login)
        self._bridge.call_failed.emit(problem.message, problem.details)
