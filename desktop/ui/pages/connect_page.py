"""The Other AI apps page: the user's other AI apps, each connected to MCP Desk's servers in one click.

Every change to another app's settings is shown before it is written and can be undone; which
servers an app may use is the user's choice, none until chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QPalette, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
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
from desktop.ui.pages.move_checklist import MoveChecklist
from desktop.ui.resources import page_icon
from desktop.ui.server_actions import ServerActions
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
    needs_approval: frozenset[str] = frozenset()
    """Those of them nobody approved yet."""


class ConnectPage(QWidget):
    def __init__(self, bridge: Bridge, actions: ServerActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._actions = actions
        self._sharing = False
        self._undoable: dict[str, tuple[str, ...]] = {}
        """The apps changed in this session that Undo can put back, and the servers each change moved."""
        self._left_in_desk: tuple[str, ...] = ()
        """The servers an Undo left in MCP Desk, which the user may remove."""
        self.cards: list[AppCard] = []
        self.dialog: ConfigChangeDialog | None = None
        self.intro_label = hint(
            self.tr(
                "Your other AI apps, like Claude Desktop or Cursor, can use the servers you run here. "
                "Connecting one adds MCP Desk to that app's settings."
            ),
            self,
        )
        self.sharing_box = QCheckBox(self.tr("Share my servers with other AI apps"), self)
        self.sharing_box.setEnabled(False)
        self.sharing_state = QLabel(self)
        self.sharing_state.setAccessibleName(self.tr("Sharing"))
        self.sharing_label = hint(
            self.tr(
                "Apps you connect can use the servers you tick for them. "
                "MCP Desk still asks you before each tool they use."
            ),
            self,
        )
        self.message = InlineMessage(self)
        self.remove_button = QPushButton(self.tr("Remove them from MCP Desk"), self)
        self.remove_button.setToolTip(
            self.tr("The app you put back runs its own copies; MCP Desk no longer keeps these")
        )
        self.remove_button.hide()
        self.checklist = MoveChecklist(self)
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
        self.sharing_box.clicked.connect(self._on_sharing_box_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.checklist.turn_on_requested.connect(lambda: self._share(True))
        self.checklist.approve_requested.connect(actions.review)
        bridge.servers_changed.connect(lambda _names: self.refresh())
        bridge.server_status_changed.connect(lambda _status: self._refresh_checklist())
        bridge.when_ready(self.refresh)

    def _lay_out(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.list_holder)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(scroll)
        sharing_row = QHBoxLayout()
        sharing_row.addWidget(self.sharing_box)
        sharing_row.addWidget(self.sharing_state)
        sharing_row.addStretch()
        message_row = QHBoxLayout()
        message_row.addWidget(self.message, 1)
        message_row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.setSpacing(SPACING // 2)
        layout.addWidget(heading(self.tr("Other AI apps"), self))
        layout.addWidget(self.intro_label)
        layout.addLayout(sharing_row)
        layout.addWidget(self.sharing_label)
        layout.addLayout(message_row)
        layout.addWidget(self.checklist)
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
            statuses = servers.statuses()
            waiting = frozenset(s.name for s in statuses if s.needs_trust)
            return AppsNow(apps.found(), gateway.status(), [s.name for s in statuses], waiting)

        self._bridge.call(
            read(), on_done=while_alive(self, self._show), on_error=while_alive(self, self._fail)
        )

    def _show(self, now: AppsNow) -> None:
        self._show_gateway(now.gateway)
        for card in self.cards:
            card.deleteLater()
        granted = {access.app: access.servers for access in now.gateway.apps}
        self.cards = [
            AppCard(
                app,
                now.servers,
                granted.get(app.app, ()),
                app.app in self._undoable,
                now.gateway.enabled,
                self.list_holder,
            )
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
        self.checklist.show_state(now.gateway.enabled, now.needs_approval)
        self._offer_removal(tuple(name for name in self._left_in_desk if name in now.servers))

    def _refresh_checklist(self) -> None:
        """A server was approved (or changed otherwise): tick it off."""
        if self.checklist.isVisible() and self._bridge.control is not None:
            waiting = (s.name for s in self._bridge.control.statuses() if s.needs_trust)
            self.checklist.show_state(self._sharing, waiting)

    def _show_gateway(self, status: GatewayStatus) -> None:
        self._sharing = status.enabled
        self.sharing_box.setChecked(status.enabled)
        self.sharing_box.setEnabled(True)
        self.sharing_state.setText(self.tr("On") if status.enabled else self.tr("Off"))
        self.sharing_state.setStyleSheet("font-weight: bold;")
        self.sharing_box.setToolTip(
            self.tr("No other app can use your servers while this is off")
            if status.enabled
            else self.tr("Connected apps can then use the servers you tick for them")
        )
        if status.problem:
            self.message.show_problem(status.problem)

    def _fail(self, problem: Problem) -> None:
        self.message.show_problem(problem.message)

    def _fail_and_show_again(self, problem: Problem) -> None:
        self._fail(problem)
        self.refresh()  # the boxes show again what is so

    def _done(self, text: str) -> None:
        self.message.show_info(text)
        self.refresh()

    # -- changing -------------------------------------------------------------------

    def _on_sharing_box_clicked(self, checked: bool) -> None:
        self._share(checked)

    def _share(self, enabled: bool) -> None:
        self.message.clear()
        self.sharing_box.setEnabled(False)
        self._bridge.call(
            self._gateway().set_enabled(enabled),
            on_done=while_alive(self, lambda _status: self.refresh()),
            on_error=while_alive(self, self._fail_and_show_again),
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
            on_done=while_alive(self, lambda moved: self._on_applied(change, moved, done, changes)),
            on_error=while_alive(self, self._fail),
        )

    def _on_applied(self, change: ConfigChange, moved: tuple[str, ...], done: str, changed: bool) -> None:
        """`moved`: the servers' names in MCP Desk, which the checklist asks to approve."""
        self._offer_removal(())
        if moved:
            runs = self.tr("%1 is connected, and MCP Desk now runs %2.")
            sentence = runs.replace("%2", _names(moved))
            self.checklist.show_move(change.label, moved)
        else:
            sentence = done
        sentence = sentence.replace("%1", change.label)
        if changed:
            self._undoable[change.app] = moved
            undo = self.tr("To put the file back as it was, press “Put %1's settings back”.")
            self._bridge.notice_posted.emit(
                Notice(
                    self.tr("%1's settings changed").replace("%1", change.label),
                    f"{sentence} {undo.replace('%1', change.label)}",
                )
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
        self.checklist.hide()
        sentence = self.tr("%1's settings are back as they were before MCP Desk changed them.")
        if moved:
            sentence += " " + self.tr("MCP Desk still has %2 as well.").replace("%2", _names(moved))
        self._left_in_desk = moved
        self._done(sentence.replace("%1", label))

    def _offer_removal(self, servers: tuple[str, ...]) -> None:
        """A button that takes `servers` out of MCP Desk, where an Undo left them; none for ()."""
        self._left_in_desk = servers
        self.remove_button.setVisible(bool(servers))
        if servers:
            self.remove_button.setText(self.tr("Remove %1 from MCP Desk").replace("%1", _names(servers)))

    def _on_remove_button_clicked(self) -> None:
        for name in self._left_in_desk:
            self._actions.remove(name)
        removed = self.tr("Removed from MCP Desk: %1.")
        self.message.show_info(removed.replace("%1", _names(self._left_in_desk)))
        self._offer_removal(())

    def _on_card_grants_changed(self, app: str, servers: tuple[str, ...]) -> None:
        self._bridge.call(
            self._gateway().grant(app, servers),
            on_done=lambda _access: None,
            on_error=while_alive(self, self._fail_and_show_again),
        )


def _names(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
