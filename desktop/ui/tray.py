"""The tray icon: MCP Desk keeps running there while its window is closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.core.events import Notice, ServerState, ServerStatus, Severity
from desktop.llm.models.control import JobKind, JobProgress, ModelState
from desktop.ui.bridge import Bridge
from desktop.ui.finished_calls import FinishedCalls
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.model_texts import loaded_name
from desktop.ui.resources import app_icon
from desktop.ui.state_look import DOT_COLOURS, is_active, state_icon, state_text
from desktop.ui.widgets.memory_meter import memory_summary

if TYPE_CHECKING:
    from desktop.llm.models.gpu_probe import MemorySnapshot

MESSAGE_MS = 8000
TRAY_ICONS = {
    Severity.WARNING: QSystemTrayIcon.MessageIcon.Warning,
    Severity.ERROR: QSystemTrayIcon.MessageIcon.Critical,
}


def badged(icon: QIcon, size: int = 64) -> QIcon:
    """`icon` with a red dot in its lower right corner: something failed."""
    pixmap = icon.pixmap(size, size)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(DOT_COLOURS["failed"]))
    painter.drawEllipse(QRectF(size * 0.55, size * 0.55, size * 0.42, size * 0.42))
    painter.end()
    return QIcon(pixmap)


class ServerMenu(QMenu):
    """One server in the tray menu: its state in the title, and Start / Stop."""

    def __init__(self, status: ServerStatus, window: MainWindow, parent: QMenu) -> None:
        super().__init__(parent)
        self._window = window
        self._status = status
        self.start_action = self.addAction(self.tr("Start"))
        self.stop_action = self.addAction(self.tr("Stop"))
        self.start_action.triggered.connect(self._on_start_action_triggered)
        self.stop_action.triggered.connect(self._on_stop_action_triggered)
        self.show_status(status)

    def show_status(self, status: ServerStatus) -> None:
        self._status = status
        self.setTitle(f"{status.name} — {state_text(status)}")
        self.setIcon(state_icon(status))
        self.setToolTip(status.reason)
        if status.needs_trust:
            self.start_action.setText(self.tr("Review and approve…"))
        else:
            self.start_action.setText(self.tr("Start"))
        self.start_action.setEnabled(not is_active(status) and status.enabled)
        self.stop_action.setEnabled(is_active(status))

    def _on_start_action_triggered(self) -> None:
        actions = self._window.server_actions
        if self._status.needs_trust:
            actions.review(self._status.name)
        else:
            actions.start(self._status.name)

    def _on_stop_action_triggered(self) -> None:
        self._window.server_actions.stop(self._status.name)


class Tray(QObject):
    """The tray icon and its menu, kept in step with the servers; it is in the tray from the start.

    Its tooltip also names the loaded model and sums up memory use. While the window is hidden,
    notices (a server that stopped for good, among others), finished downloads and long tool calls
    that ended (`finished_calls`) pop up from it.

    Build it only where a tray exists: the window hides itself there when closed.

    Signals:
        quit_requested(): the user chose “Quit MCP Desk”.
    """

    quit_requested = Signal()

    def __init__(self, bridge: Bridge, window: MainWindow) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._window = window
        self._hint_shown = False
        self._failed_look = False
        self._model_name = ""
        self._memory = ""
        self._icon = app_icon()
        self.menu = QMenu(window)
        self.open_action = QAction(self.tr("Open MCP Desk"), self)
        self.quit_action = QAction(self.tr("Quit MCP Desk"), self)
        self.quit_action.setToolTip(self.tr("Stop every server and close MCP Desk"))
        self.server_menus: dict[str, ServerMenu] = {}
        self.icon = QSystemTrayIcon(self._icon, self)
        self.icon.setContextMenu(self.menu)
        self._rebuild_menu()
        self._update_look()
        self.open_action.triggered.connect(window.bring_to_front)
        self.quit_action.triggered.connect(self.quit_requested)
        self.icon.activated.connect(self._on_icon_activated)
        window.roster.reset.connect(self._on_roster_reset)
        window.roster.status_changed.connect(self._on_roster_status_changed)
        window.hidden_to_tray.connect(self._on_window_hidden_to_tray)
        bridge.notice_posted.connect(self._on_bridge_notice_posted)
        bridge.model_state_changed.connect(self._on_bridge_model_state_changed)
        bridge.memory_measured.connect(self._on_bridge_memory_measured)
        bridge.model_job_progressed.connect(self._on_bridge_model_job_progressed)
        self.finished_calls = FinishedCalls(bridge, window, self.notify, self)
        self.icon.show()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def notify(self, title: str, message: str, severity: Severity = Severity.INFO) -> None:
        """A message from the tray: a warning or a problem with the system's matching icon."""
        if severity is Severity.INFO:
            self.icon.showMessage(title, message, self._icon, MESSAGE_MS)
        else:
            self.icon.showMessage(title, message, TRAY_ICONS[severity], MESSAGE_MS)

    def _rebuild_menu(self) -> None:
        self.menu.clear()
        for old in self.server_menus.values():
            old.deleteLater()
        self.menu.addAction(self.open_action)
        self.menu.addSection(self.tr("Servers"))
        self.server_menus = {
            status.name: ServerMenu(status, self._window, self.menu)
            for status in self._window.roster.statuses()
        }
        for server_menu in self.server_menus.values():
            self.menu.addMenu(server_menu)
        if not self.server_menus:
            none = self.menu.addAction(self.tr("No servers yet"))
            none.setEnabled(False)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

    def _update_look(self) -> None:
        roster = self._window.roster
        summary = roster.summary() if roster.ready else self.tr("Starting…")
        model = self.tr("Model: %1").replace("%1", self._model_name) if self._model_name else ""
        lines = ["MCP Desk", summary, model, self._memory]
        self.icon.setToolTip("\n".join(line for line in lines if line))
        failed = any(status.state is ServerState.FAILED for status in roster.statuses())
        if failed != self._failed_look:
            self._failed_look = failed
            self.icon.setIcon(badged(self._icon) if failed else self._icon)

    def _on_roster_reset(self) -> None:
        self._rebuild_menu()
        self._update_look()

    def _on_roster_status_changed(self, status: ServerStatus) -> None:
        server_menu = self.server_menus.get(status.name)
        if server_menu is not None:
            server_menu.show_status(status)
        self._update_look()

    def _on_icon_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self._window.bring_to_front()

    def _on_window_hidden_to_tray(self) -> None:
        if self._hint_shown:
            return
        self._hint_shown = True
        settings = self._bridge.settings
        if settings is not None and settings.app_settings().tray_hint_shown:
            return
        self.notify(
            self.tr("MCP Desk"),
            self.tr(
                "MCP Desk is still running in the tray. "
                "Use Quit from the tray menu to stop it and its servers."
            ),
        )
        self._bridge.update_settings(tray_hint_shown=True)

    def _on_bridge_model_state_changed(self, state: ModelState) -> None:
        self._model_name = loaded_name(state)
        self._update_look()

    def _on_bridge_memory_measured(self, snapshot: MemorySnapshot) -> None:
        self._memory = memory_summary(snapshot)
        self._update_look()

    def _on_bridge_notice_posted(self, notice: Notice) -> None:
        if not self._window.isVisible():
            self.notify(notice.title, notice.message, notice.severity)

    def _on_bridge_model_job_progressed(self, progress: JobProgress) -> None:
        if progress.kind is JobKind.DOWNLOAD and progress.completed and not self._window.isVisible():
            self.notify(
                self.tr("Download finished"),
                self.tr("%1: done. The model is ready on the Model page.").replace("%1", progress.title),
            )
