"""The main window: a sidebar of areas, a notice banner, the pages, a status line and the menus.

It is built in two steps so that it can paint before the rest of the app loads: the frame
(sidebar, menus, a skeleton of each page) needs nothing but Qt; `attach` builds the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, cast

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.areas import areas
from desktop.ui.resources import app_icon, page_icon
from desktop.ui.widgets.page_skeleton import PageSkeleton
from desktop.ui.window_placement import WindowPlacement

if TYPE_CHECKING:
    from desktop.core.events import ServerStatus
    from desktop.core.rpc_log import LogFilter
    from desktop.ui.bridge import Bridge
    from desktop.ui.catalogue_installs import CatalogueInstalls
    from desktop.ui.models.server_roster import ServerRoster
    from desktop.ui.notice_board import NoticeBoard
    from desktop.ui.pages.audit_page import AuditPage
    from desktop.ui.pages.chat_page import ChatPage
    from desktop.ui.pages.log_page import LogPage
    from desktop.ui.pages.model_page import ModelPage
    from desktop.ui.pages.secrets_page import SecretsPage
    from desktop.ui.pages.servers_page import ServersPage
    from desktop.ui.pages.settings_page import SettingsPage
    from desktop.ui.server_actions import ServerActions
    from desktop.ui.welcome.welcome_wizard import WelcomeWizard
    from desktop.ui.widgets.memory_meter import CompactMemoryMeter
    from desktop.ui.widgets.notice_banner import NoticeBanner

DEFAULT_SIZE = QSize(1100, 720)
MINIMUM_SIZE = QSize(760, 480)
SIDEBAR_WIDTH = 176
_Page = TypeVar("_Page", bound=QWidget)


class MainWindow(QMainWindow):
    """MCP Desk's window; it paints at once, and `attach(bridge)` fills it in.

    Closing it hides it to the tray when a tray exists (`tray_available`), and otherwise asks
    the app to quit, so the app never keeps running where nobody can reach it. The app calls
    `close_for_quit()` when it is quitting for another reason. With a `placement`, it opens
    where it was last time, on the page the user was on.

    Signals:
        quit_requested(): the window was closed and there is no tray: quit the app.
        hidden_to_tray(): the window was closed and hid itself; the app keeps running in the tray.
    """

    quit_requested = Signal()
    hidden_to_tray = Signal()

    def __init__(self, *, tray_available: bool, placement: WindowPlacement | None = None) -> None:
        super().__init__()
        self._bridge: Bridge | None = None
        self._tray_available = tray_available
        self._placement = placement
        self._quitting = False
        self.welcome: WelcomeWizard | None = None
        self.setWindowTitle(self.tr("MCP Desk"))
        self.setWindowIcon(app_icon())
        self.setMinimumSize(MINIMUM_SIZE)
        if placement is None or not placement.restore(self):
            self.resize(DEFAULT_SIZE)
        self._lazy_pages: dict[str, Callable[[], QWidget]] = {}
        self.pages = QStackedWidget()
        self.sidebar = QListWidget()
        self.areas = areas()
        self._content = QVBoxLayout()
        self._build()
        self._build_menus()
        self.status_label = QLabel(self.tr("Starting…"))
        self.statusBar().addWidget(self.status_label, 1)
        if placement is not None and (area := placement.area()) in {a.key for a in self.areas}:
            self.show_area(area)

    def attach(self, bridge: Bridge) -> None:
        """Build the pages in place of their skeletons; the pages not yet needed wait until shown."""
        from desktop.ui.catalogue_installs import CatalogueInstalls
        from desktop.ui.models.server_roster import ServerRoster
        from desktop.ui.notice_board import NoticeBoard
        from desktop.ui.pages.audit_page import AuditPage
        from desktop.ui.pages.log_page import LogPage
        from desktop.ui.pages.secrets_page import SecretsPage
        from desktop.ui.pages.servers_page import ServersPage
        from desktop.ui.pages.settings_page import SettingsPage
        from desktop.ui.server_actions import ServerActions
        from desktop.ui.widgets.memory_meter import CompactMemoryMeter
        from desktop.ui.widgets.notice_banner import NoticeBanner

        self._bridge = bridge
        self.roster: ServerRoster = ServerRoster(bridge, self)
        self.server_actions: ServerActions = ServerActions(bridge, self)
        self.installs: CatalogueInstalls = CatalogueInstalls(bridge, self, self.server_actions)
        self.installs.accept_drops_on(self)
        self.servers_page: ServersPage = self._place(
            "servers", ServersPage(bridge, self.roster, self.server_actions)
        )
        self._lazy_pages["model"] = self._make_model_page
        self._lazy_pages["chat"] = self._make_chat_page
        self.log_page: LogPage = self._place("log", LogPage(bridge))
        self.audit_page: AuditPage = self._place("audit", AuditPage(bridge))
        self.secrets_page: SecretsPage = self._place("secrets", SecretsPage(bridge))
        self._lazy_pages["permissions"] = self._make_permissions_page
        self._lazy_pages["apps"] = self._make_connect_page
        self.settings_page: SettingsPage = self._place("settings", SettingsPage(bridge))
        self.banner: NoticeBanner = NoticeBanner()
        self.notice_board: NoticeBoard = NoticeBoard(self.banner, parent=self)
        self._content.insertWidget(0, self.banner)
        self.memory_meter: CompactMemoryMeter = CompactMemoryMeter()
        self.statusBar().addPermanentWidget(self.memory_meter)
        self._welcome_action.setEnabled(True)
        for install_action in self._install_actions:
            install_action.setEnabled(True)
        self.servers_page.browse_requested.connect(self.installs.browse)
        self.settings_page.gateway_section.manage_requested.connect(lambda: self.show_area("apps"))
        self._report_action.setEnabled(True)
        self._on_pages_current_changed(self.pages.currentIndex())
        bridge.memory_measured.connect(self.memory_meter.show_snapshot)
        self.roster.reset.connect(self._on_roster_reset)
        self.roster.status_changed.connect(self._on_roster_status_changed)
        bridge.notice_posted.connect(self.notice_board.post)
        bridge.call_failed.connect(self._on_bridge_call_failed)
        self.banner.report_requested.connect(self.copy_diagnostic_report)
        self.audit_page.messages_requested.connect(self._on_audit_page_messages_requested)
        self._attach_from_servers()

    def _attach_from_servers(self) -> None:
        """A resource on a server's page goes to the chat: “Attach to chat”, or dragged over the sidebar's
        Chat (which opens the Chat page) onto the message box."""
        from desktop.ui.resource_drag import SpringLoaded

        self.spring_loaded = SpringLoaded(self.sidebar)
        self.servers_page.details.resources.attach_requested.connect(self._on_resource_attach_requested)

    def _on_resource_attach_requested(self, server: str, uri: str) -> None:
        self.show_area("chat")
        self.chat_page.server_picks.attach(server, uri)

    def _holder(self, key: str) -> QWidget:
        return next(area.widget for area in self.areas if area.key == key)

    def _place(self, key: str, page: _Page) -> _Page:
        """Put `page` where its skeleton was."""
        skeleton = self._page_in(key)
        layout = self._holder(key).layout()
        assert layout is not None
        layout.replaceWidget(skeleton, page)
        skeleton.hide()
        skeleton.deleteLater()
        return page

    def _build(self) -> None:
        for area in self.areas:
            item = QListWidgetItem(page_icon(area.key), area.label)
            item.setToolTip(area.tip)
            self.sidebar.addItem(item)
            self.pages.addWidget(area.widget)
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setSpacing(2)
        self.sidebar.setFixedWidth(SIDEBAR_WIDTH)
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        self.sidebar.setAccessibleName(self.tr("Areas"))
        self.sidebar.setToolTip(self.tr("Choose what to see (Ctrl+Page Down, Ctrl+Page Up)"))
        for keys, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(lambda step=step: self._step_area(step))
        self.sidebar.setStyleSheet("QListWidget { background: palette(window); }")
        self.pages.currentChanged.connect(self._on_pages_current_changed)
        self.sidebar.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.VLine)
        divider.setFrameShadow(QFrame.Shadow.Sunken)
        self._content.setContentsMargins(8, 8, 8, 0)
        self._content.addWidget(self.pages, 1)
        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(divider)
        layout.addLayout(self._content, 1)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        browse = file_menu.addAction(self.tr("&Browse Servers…"), lambda: self.installs.browse())
        browse.setStatusTip(self.tr("Find servers others have published, and install one"))
        bundle = file_menu.addAction(self.tr("Install &Bundle…"), lambda: self.installs.choose_bundle())
        bundle.setStatusTip(self.tr("Install a server from a bundle file (.mcpb) you downloaded"))
        self._install_actions = (browse, bundle)
        for install_action in self._install_actions:
            install_action.setEnabled(False)
        file_menu.addSeparator()
        close = file_menu.addAction(self.tr("&Close Window"), QKeySequence.StandardKey.Close, self.close)
        close.setStatusTip(self.tr("Close this window; MCP Desk keeps running in the tray"))
        quit_action = file_menu.addAction(self.tr("&Quit MCP Desk"), QKeySequence.StandardKey.Quit)
        quit_action.setStatusTip(self.tr("Stop every server and close MCP Desk"))
        quit_action.triggered.connect(self.quit_requested)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        welcome = self._welcome_action = help_menu.addAction(self.tr("&Welcome…"), self.show_welcome)
        welcome.setEnabled(False)
        welcome.setStatusTip(self.tr("Walk through sharing a folder, choosing a model and a first try"))
        report = self._report_action = help_menu.addAction(
            self.tr("Copy &Diagnostic Report"), self.copy_diagnostic_report
        )
        report.setEnabled(False)
        report.setStatusTip(
            self.tr("Copy a description of this computer and MCP Desk's setup, secrets hidden")
        )
        help_menu.addAction(self.tr("&About MCP Desk"), self._on_about_action_triggered)

    def show_welcome(self) -> None:
        """Open the welcome flow (again); marks it as seen once it is finished or skipped."""
        from desktop.ui.welcome.first_chat import FirstChat
        from desktop.ui.welcome.welcome_wizard import WelcomeWizard

        bridge = self._bridge
        assert bridge is not None, "the welcome opens once the window is attached"
        if self.welcome is None:
            self.welcome = WelcomeWizard(bridge, self)
            first_chat = FirstChat(bridge, self.chat_page)
            title = self.tr("Welcome")
            self.welcome.try_requested.connect(lambda prompt: first_chat.start(title, prompt))
            self.welcome.try_requested.connect(lambda _prompt: self.show_area("chat"))
            self.welcome.browse_requested.connect(self.installs.browse)
            self.welcome.model_requested.connect(lambda: self.show_area("model"))
            self.welcome.finished.connect(lambda _result: bridge.update_settings(welcome_done=True))
        self.bring_to_front()
        self.welcome.restart()
        self.welcome.show()
        self.welcome.raise_()

    def copy_diagnostic_report(self) -> None:
        """Put `mcp-desk doctor`'s report, secrets hidden, on the clipboard."""
        bridge = self._attached()
        if bridge.diagnose is None:
            self._on_bridge_call_failed(self.tr("MCP Desk is still starting. Try again in a moment."), "")
            return
        self.statusBar().showMessage(self.tr("Writing the diagnostic report…"))
        bridge.call(bridge.diagnose(), self._on_report_written)

    def _on_report_written(self, report: str) -> None:
        QGuiApplication.clipboard().setText(report)
        self.statusBar().showMessage(
            self.tr("The diagnostic report is copied. Paste it into an email or a bug report."), 10_000
        )

    def _on_about_action_triggered(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information, self.tr("About MCP Desk"), self.tr("MCP Desk"), parent=self
        )
        box.setInformativeText(
            self.tr("A desktop home for local AI tools: your MCP servers, a local model, and you in control.")
        )
        box.setIconPixmap(app_icon().pixmap(64, 64))
        box.open()

    def _built(self, key: str) -> QWidget:
        """The page of area `key`, built now if it was waiting until first needed."""
        if isinstance(self._page_in(key), PageSkeleton):
            self._place(key, self._lazy_pages[key]())
        return self._page_in(key)

    def _page_in(self, key: str) -> QWidget:
        layout = self._holder(key).layout()
        item = layout.itemAt(0) if layout is not None else None
        page = item.widget() if item is not None else None
        assert page is not None
        return page

    @property
    def chat_page(self) -> ChatPage:
        from desktop.ui.pages.chat_page import ChatPage

        return cast(ChatPage, self._built("chat"))

    @property
    def model_page(self) -> ModelPage:
        from desktop.ui.pages.model_page import ModelPage

        return cast(ModelPage, self._built("model"))

    def _make_chat_page(self) -> QWidget:
        from desktop.ui.pages.chat_page import ChatPage

        page = ChatPage(self._attached())
        page.model_page_requested.connect(lambda: self.show_area("model"))
        page.audit_record_requested.connect(self._on_chat_page_audit_record_requested)
        return page

    def _make_permissions_page(self) -> QWidget:
        from desktop.ui.pages.permissions_page import PermissionsPage

        return PermissionsPage(self._attached())

    def _make_connect_page(self) -> QWidget:
        from desktop.ui.pages.connect_page import ConnectPage

        return ConnectPage(self._attached(), self.server_actions)

    def _make_model_page(self) -> QWidget:
        from desktop.ui.pages.model_page import ModelPage

        return ModelPage(self._attached())

    def _attached(self) -> Bridge:
        assert self._bridge is not None, "pages are built once the window is attached"
        return self._bridge

    def _on_pages_current_changed(self, index: int) -> None:
        key = self.areas[index].key
        if key in self._lazy_pages:
            self._built(key).show()

    def _on_chat_page_audit_record_requested(self, seq: int) -> None:
        self.audit_page.show_seq(seq)
        self.show_area("audit")

    def _step_area(self, step: int) -> None:
        self.sidebar.setCurrentRow((self.sidebar.currentRow() + step) % self.sidebar.count())

    def show_area(self, key: str) -> None:
        """Switch to the page called `key` ("servers", "model", …, "settings")."""
        self.sidebar.setCurrentRow(next(row for row, area in enumerate(self.areas) if area.key == key))

    def bring_to_front(self) -> None:
        from desktop.ui.server_actions import bring_to_front

        bring_to_front(self)

    def hideEvent(self, event: QHideEvent) -> None:
        if self._placement is not None and not event.spontaneous():
            self._placement.save(self, self.areas[self.pages.currentIndex()].key)
        super().hideEvent(event)

    def close_for_quit(self) -> None:
        """Close for good (the app is quitting): no hiding to the tray, no signals."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting:
            event.accept()
        elif self._tray_available:
            event.ignore()
            self.hide()
            self.hidden_to_tray.emit()
        else:
            event.accept()
            self.quit_requested.emit()

    def _on_roster_reset(self) -> None:
        """Withdraw news about servers that are gone or run by now (after a start, news of the last
        session's failure is no longer true once the server runs)."""
        from desktop.core.events import ServerState, server_key

        self.status_label.setText(self.roster.summary())
        still_true = {
            server_key(status.name)
            for status in self.roster.statuses()
            if status.state is not ServerState.RUNNING
        }
        for notice in self.notice_board.notices():
            if notice.key.startswith(server_key("")) and notice.key not in still_true:
                self.notice_board.withdraw(notice.key)

    def _on_roster_status_changed(self, status: ServerStatus) -> None:
        from desktop.core.events import ServerState, server_key

        self.status_label.setText(self.roster.summary())
        if status.state is ServerState.RUNNING:
            self.notice_board.withdraw(server_key(status.name))

    def _on_bridge_call_failed(self, message: str, details: str) -> None:
        from desktop.core.events import Notice, Severity

        self.notice_board.post(Notice("", message, details, Severity.ERROR))

    def _on_audit_page_messages_requested(self, where: LogFilter) -> None:
        self.log_page.show_messages(where)
        self.show_area("log")
