"""The Connect an app page: the user's other AI apps, each connected to MCP Desk's servers in one click.

Every change to another app's settings is shown before it is written and can be undone; which
servers an app may use is the user's choice, none until chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.events import Notice
from desktop.core.problem import Problem
from desktop.gateway.control import (
    AppConfigControl,
    ConfigChange,
    FoundApp,
    GatewayControl,
    GatewayStatus,
)
from desktop.servers.control import ServerControl
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.config_change_dialog import ConfigChangeDialog
from desktop.ui.lifetime import while_alive
from desktop.ui.pages.app_card import AppCard
from desktop.ui.resources import page_icon
from desktop.ui.style import SPACING, heading, hint, pad
from desktop.ui.widgets.empty_state import EmptyState
from desktop.ui.widgets.inline_message import InlineMessage


@dataclass(frozen=True)
class AppsNow:
    """What the page shows, read together on the service side."""

    found: list[FoundApp]
    gateway: GatewayStatus
    servers: list[str]
    """MCP Desk's own servers, which an app may be allowed to use."""


class ConnectPage(QWidget):
    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._sharing = False
        self._undoable: dict[str, tuple[str, ...]] = {}
        """The apps changed in this session that Undo can put back, and the servers each change moved."""
        self.cards: list[AppCard] = []
        self.dialog: ConfigChangeDialog | None = None
        self.intro_label = hint(
            self.tr(
                "Your other AI apps, like Claude Desktop or Cursor, can use the servers you run here. "
                "Connecting one adds MCP Desk to that app's settings; you choose which servers it may use."
            ),
            self,
        )
        self.gateway_label = QLabel(self)
        self.gateway_label.setWordWrap(True)
        self.gateway_button = QPushButton(self)
        self.message = InlineMessage(self)
        self.list_holder = QWidget(self)
        self.list_layout = QVBoxLayout(self.list_holder)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(SPACING // 2)
        self.empty = EmptyState(
            self.tr("No AI apps found on this computer"),
            self.tr(
                "MCP Desk looks for Claude Desktop, Cursor, VS Code, LM Studio, Jan, Windsurf and "
                "Claude Code. Install one and open it once, then come back here."
            ),
            page_icon("apps", QPalette.ColorRole.PlaceholderText),
            parent=self,
        )
        self.stack = QStackedWidget(self)
        self._lay_out()
        self.gateway_button.clicked.connect(self._on_gateway_button_clicked)
        bridge.servers_changed.connect(lambda _names: self.refresh())
        bridge.when_ready(self.refresh)

    def _lay_out(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.list_holder)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(scroll)
        gateway_row = QHBoxLayout()
        gateway_row.addWidget(self.gateway_label, 1)
        gateway_row.addWidget(self.gateway_button)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.setSpacing(SPACING // 2)
        layout.addWidget(heading(self.tr("Connect an app"), self))
        layout.addWidget(self.intro_label)
        layout.addLayout(gateway_row)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)

    def _apps(self) -> AppConfigControl:
        assert self._bridge.apps is not None, "services are not attached yet"
        return self._bridge.apps

    def _gateway(self) -> GatewayControl:
        assert self._bridge.gateway is not None, "services are not attached yet"
        return self._bridge.gateway

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._bridge.apps is not None:
            self.refresh()  # the user may have changed an app's settings meanwhile

    # -- showing --------------------------------------------------------------------

    def refresh(self) -> None:
        apps, gateway = self._apps(), self._gateway()
        assert self._bridge.control is not None
        servers: ServerControl = self._bridge.control

        async def read() -> AppsNow:
            return AppsNow(apps.found(), gateway.status(), [s.name for s in servers.statuses()])

        self._bridge.call(
            read(), on_done=while_alive(self, self._show), on_error=while_alive(self, self._fail)
        )

    def _show(self, now: AppsNow) -> None:
        self._show_gateway(now.gateway)
        for card in self.cards:
            card.deleteLater()
        granted = {access.app: access.servers for access in now.gateway.apps}
        self.cards = [
            AppCard(app, now.servers, granted.get(app.app, ()), app.app in self._undoable, self.list_holder)
            for app in now.found
        ]
        while self.list_layout.count():
            self.list_layout.takeAt(0)
        for card in self.cards:
            card.connect_requested.connect(self._on_card_connect_requested)
            card.disconnect_requested.connect(self._on_card_disconnect_requested)
            card.undo_requested.connect(self._on_card_undo_requested)
            card.grants_changed.connect(self._on_card_grants_changed)
            self.list_layout.addWidget(card)
        self.list_layout.addStretch()
        self.stack.setCurrentIndex(1 if self.cards else 0)

    def _show_gateway(self, status: GatewayStatus) -> None:
        self._sharing = status.enabled
        if status.enabled:
            self.gateway_label.setText(
                self.tr("Other apps can use your servers (only the ones you tick below).")
            )
            self.gateway_button.setText(self.tr("Stop sharing"))
            self.gateway_button.setToolTip(
                self.tr("No other app can use your servers until you turn this on again")
            )
        else:
            self.gateway_label.setText(
                self.tr("Sharing is off: connected apps can't use your servers until you turn it on.")
            )
            self.gateway_button.setText(self.tr("Let other apps use your servers"))
            self.gateway_button.setToolTip(self.tr("Connected apps can then use the servers you allow them"))
        if status.problem:
            self.message.show_problem(status.problem)

    def _fail(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)

    def _on_grant_failed(self, problem: Problem) -> None:
        self._fail(problem)
        self.refresh()  # the boxes show again what the app may use

    def _done(self, text: str) -> None:
        self.message.show_info(text)
        self.refresh()

    # -- changing -------------------------------------------------------------------

    def _on_gateway_button_clicked(self) -> None:
        self.message.clear()
        self._bridge.call(
            self._gateway().set_enabled(not self._sharing),
            on_done=while_alive(self, lambda _status: self.refresh()),
            on_error=while_alive(self, self._fail),
        )

    def _on_card_connect_requested(self, app: str, move_servers: bool) -> None:
        self.message.clear()
        self._bridge.call(
            self._apps().preview_connect(app, move_servers),
            on_done=while_alive(self, self._ask_connect),
            on_error=while_alive(self, self._fail),
        )

    def _on_card_disconnect_requested(self, app: str) -> None:
        self.message.clear()
        self._bridge.call(
            self._apps().preview_disconnect(app),
            on_done=while_alive(self, self._ask_disconnect),
            on_error=while_alive(self, self._fail),
        )

    def _ask_connect(self, change: ConfigChange) -> None:
        if change.moved:
            title, action = self.tr("Move servers from %1?"), self.tr("Move and connect")
        else:
            title, action = self.tr("Connect %1?"), self.tr("Connect")
        done = self.tr("%1 is connected. Quit and reopen %1 so it sees MCP Desk.")
        self._ask(change, title.replace("%1", change.label), action, done)

    def _ask_disconnect(self, change: ConfigChange) -> None:
        title = self.tr("Disconnect %1?").replace("%1", change.label)
        done = self.tr("MCP Desk is no longer in %1's settings. Quit and reopen %1 to make it forget.")
        self._ask(change, title, self.tr("Disconnect"), done)

    def _ask(self, change: ConfigChange, title: str, action: str, done: str) -> None:
        self.dialog = ConfigChangeDialog(change, title, action, self)
        self.dialog.finished.connect(lambda result: self._on_dialog_finished(change, result, done))
        self.dialog.open()

    def _on_dialog_finished(self, change: ConfigChange, result: int, done: str) -> None:
        self.dialog = None
        if result != QDialog.DialogCode.Accepted:
            return
        changes = change.after != change.before
        self._bridge.call(
            self._apps().apply(change),
            on_done=while_alive(self, lambda _none: self._on_applied(change, done, changes)),
            on_error=while_alive(self, self._fail),
        )

    def _on_applied(self, change: ConfigChange, done: str, changed: bool) -> None:
        sentence = done.replace("%1", change.label)
        if change.moved:
            names = ", ".join(change.moved)
            sentence += " " + self.tr(
                "These servers now run in MCP Desk, and %1 may use them: %2. "
                "Approve each on the Servers page before it first starts."
            ).replace("%1", change.label).replace("%2", names)
        if changed:
            self._undoable[change.app] = change.moved
            sentence += " " + self.tr("To put the file back as it was, press Undo.")
            self._bridge.notice_posted.emit(
                Notice(self.tr("%1's settings changed").replace("%1", change.label), sentence)
            )
        self._done(sentence)

    def _on_card_undo_requested(self, app: str) -> None:
        self.message.clear()
        label = next((card.app.label for card in self.cards if card.app.app == app), app)
        self._bridge.call(
            self._apps().undo(app),
            on_done=while_alive(self, lambda _none: self._on_undone(app, label)),
            on_error=while_alive(self, self._fail),
        )

    def _on_undone(self, app: str, label: str) -> None:
        moved = self._undoable.pop(app, ())
        sentence = self.tr("%1's settings are back as they were before MCP Desk changed them.")
        if moved:
            sentence += " " + self.tr(
                "The servers moved from it (%2) stay in MCP Desk too; remove them on the Servers page "
                "if you don't want them there."
            ).replace("%2", ", ".join(moved))
        self._done(sentence.replace("%1", label))

    def _on_card_grants_changed(self, app: str, servers: tuple[str, ...]) -> None:
        self._bridge.call(
            self._gateway().grant(app, servers),
            on_done=lambda _access: None,
            on_error=while_alive(self, self._on_grant_failed),
        )
