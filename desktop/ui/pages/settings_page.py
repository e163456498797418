"""Settings: whether MCP Desk starts at sign-in, how much log it keeps, and which version this is."""

from __future__ import annotations

from importlib import metadata

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

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
        self._add_log_section(layout)
        layout.addSpacing(SPACING * 2)
        layout.addWidget(heading(self.tr("About"), self, scale=1.0))
        layout.addWidget(self.about_label)
        layout.addStretch()
        bridge.services_ready.connect(self._on_bridge_services_ready)
        self.login_box.toggled.connect(self._on_box_changed)
        self.keep_days_box.valueChanged.connect(self._on_box_changed)
        self.max_mb_box.valueChanged.connect(self._on_box_changed)

    def _spin_box(self, field: str, suffix: str, tip: str) -> QSpinBox:
        """A number box for setting `field`, limited as the settings schema limits it."""
        bounds = AppSettings.model_fields[field].metadata
        box = QSpinBox(self)
        box.setRange(
            next(b.ge for b in bounds if hasattr(b, "ge")), next(b.le for b in bounds if hasattr(b, "le"))
        )
        box.setSuffix(suffix)
        box.setToolTip(tip)
        box.setAccessibleName(tip)
        box.setKeyboardTracking(False)
        box.setEnabled(False)
        return box

    def _add_log_section(self, layout: QVBoxLayout) -> None:
        """How long and how much JSON-RPC log is kept on disk."""
        self.keep_days_box = self._spin_box(
            "log_keep_days", self.tr(" days"), self.tr("Log files older than this are deleted")
        )
        self.max_mb_box = self._spin_box(
            "log_max_mb",
            self.tr(" MB"),
            self.tr("When the log files take more space than this, the oldest are deleted"),
        )
        layout.addWidget(heading(self.tr("Message log"), self, scale=1.0))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Keep log files for"), self))
        row.addWidget(self.keep_days_box)
        row.addWidget(QLabel(self.tr("and use at most"), self))
        row.addWidget(self.max_mb_box)
        row.addStretch()
        layout.addLayout(row)
        layout.addWidget(
            hint(
                self.tr(
                    "Every message shown on the Log page is also saved on this computer. "
                    "When either limit is reached, the oldest files are deleted first."
                ),
                self,
            )
        )

    def _settings(self) -> AppSettings:
        assert self._bridge.control is not None, "services are not attached yet"
        return self._bridge.control.app_settings()

    def _show(self, settings: AppSettings) -> None:
        boxes = (self.login_box, self.keep_days_box, self.max_mb_box)
        for box in boxes:
            box.blockSignals(True)
        self.login_box.setChecked(settings.start_at_login)
        self.keep_days_box.setValue(settings.log_keep_days)
        self.max_mb_box.setValue(settings.log_max_mb)
        for box in boxes:
            box.blockSignals(False)

    def _on_bridge_services_ready(self) -> None:
        self._show(self._settings())
        for box in (self.login_box, self.keep_days_box, self.max_mb_box):
            box.setEnabled(True)

    def _on_box_changed(self, _value: object) -> None:
        """Save everything the page shows, so quick changes in a row never undo each other."""
        assert self._bridge.control is not None
        shown = {
            "start_at_login": self.login_box.isChecked(),
            "log_keep_days": self.keep_days_box.value(),
            "log_max_mb": self.max_mb_box.value(),
        }
        settings = self._settings().model_copy(update=shown)
        self._bridge.call(self._bridge.control.save_app_settings(settings), on_error=self._on_save_failed)

    def _on_save_failed(self, problem: ServerProblem) -> None:
        self._show(self._settings())
        self._bridge.call_failed.emit(problem.message, problem.details)
