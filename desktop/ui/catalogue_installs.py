"""Where installs start: the Browse window, a bundle file (menu, drop, a double-click in the file
manager), and what follows one: the new server's approval, through `ServerActions.review`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.catalogue.control import BUNDLE_SUFFIX, Installed, InstallPlan
from desktop.core.problem import Problem
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.catalogue_dialog import CatalogueDialog
from desktop.ui.dialogs.install_dialog import InstallDialog
from desktop.ui.server_actions import ServerActions, bring_to_front


def is_bundle(path: str | Path) -> bool:
    return Path(path).suffix.lower() == BUNDLE_SUFFIX


def dropped_bundle(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The first bundle file among what is being dragged, if any."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    return next(
        (Path(url.toLocalFile()) for url in urls if url.isLocalFile() and is_bundle(url.path())), None
    )


class CatalogueInstalls(QObject):
    """Opens the Browse window and install dialogs over `window`; one Browse window at a time.

    Signals:
        installed(str): a server of this name was installed (it waits for approval).
    """

    installed = Signal(str)

    def __init__(self, bridge: Bridge, window: QWidget, actions: ServerActions) -> None:
        super().__init__(window)
        self._bridge = bridge
        self._window = window
        self._actions = actions
        self.browser: CatalogueDialog | None = None

    def _ready(self) -> bool:
        if self._bridge.catalogue is None:
            self._bridge.call_failed.emit(self.tr("MCP Desk is still starting. Try again in a moment."), "")
            return False
        return True

    def browse(self) -> None:
        """Show the Browse window (bringing it forward if it is open already)."""
        if not self._ready():
            return
        if self.browser is None:
            self.browser = CatalogueDialog(self._bridge, self._window)
            self.browser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.browser.plan_ready.connect(self.show_plan)
            self.browser.destroyed.connect(self._on_browser_destroyed)
        self.browser.show()
        bring_to_front(self.browser)

    def _on_browser_destroyed(self) -> None:
        self.browser = None

    def choose_bundle(self) -> None:
        """Ask for a bundle file, then plan it."""
        if not self._ready():
            return
        dialog = QFileDialog(self._window, self.tr("Install a bundle"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([self.tr("Server bundles (*.mcpb)"), self.tr("All files (*)")])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.open_bundle(Path(path)))
        dialog.open()

    def open_bundle(self, path: Path) -> None:
        """Plan the bundle at `path` and show its install dialog; a problem is said on the window."""
        if not self._ready() or self._bridge.catalogue is None:
            return
        bring_to_front(self._window)
        self._bridge.call(self._bridge.catalogue.plan_bundle(path), self._on_plan_done, self._on_plan_failed)

    def _on_plan_done(self, plan: InstallPlan) -> None:
        self.show_plan(plan)

    def _on_plan_failed(self, problem: Problem) -> None:
        self._bridge.call_failed.emit(problem.message, problem.details)

    def show_plan(self, plan: InstallPlan) -> InstallDialog:
        parent = self.browser if self.browser is not None and self.browser.isVisible() else self._window
        dialog = InstallDialog(plan, self._bridge, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.installed.connect(self._on_dialog_installed)
        dialog.review_requested.connect(self._actions.review)
        dialog.open()
        return dialog

    def _on_dialog_installed(self, done: Installed) -> None:
        self.installed.emit(done.server)

    def accept_drops_on(self, widget: QWidget) -> None:
        """Let a bundle file dropped on `widget` be installed."""
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind is QEvent.Type.DragEnter and isinstance(event, QDragEnterEvent) and dropped_bundle(event):
            event.acceptProposedAction()
            return True
        if kind is QEvent.Type.Drop and isinstance(event, QDropEvent) and (path := dropped_bundle(event)):
            event.acceptProposedAction()
            self.open_bundle(path)
            return True
        return super().eventFilter(watched, event)
