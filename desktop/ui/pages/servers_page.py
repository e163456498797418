"""The Servers page: the table of servers, what you can do with them, and the selected one's details."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelection, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState, ServerStatus
from desktop.core.problem import Problem
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.import_dialog import ImportDialog
from desktop.ui.dialogs.server_form import ServerFormDialog
from desktop.ui.icon_cache import IconCache
from desktop.ui.models.server_roster import ServerRoster
from desktop.ui.models.server_table_model import Column, ServerTableModel
from desktop.ui.pages.server_details import ServerDetails
from desktop.ui.resources import page_icon
from desktop.ui.server_actions import ServerActions
from desktop.ui.state_look import is_active
from desktop.ui.widgets.confirm_box import open_confirm
from desktop.ui.widgets.empty_state import EmptyState

UPTIME_EVERY_MS = 1000


class ServersPage(QWidget):
    """Shows “Starting…” until the bridge is ready, then the servers or a friendly empty state.

    A server added with the form is reviewed at once: the approval question follows Add, and a
    yes starts it.

    Signals:
        browse_requested(): the user wants to find a server in the catalogue.
    """

    browse_requested = Signal()

    def __init__(
        self, bridge: Bridge, roster: ServerRoster, actions: ServerActions, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._roster = roster
        self._actions = actions
        self._select_next: str | None = None
        self.model = ServerTableModel(roster, self)
        self.model.show_icons(IconCache(bridge, self))
        self.toolbar = self._make_toolbar()
        self.starting, self.empty = self._make_empty_states()
        self.table = self._make_table()
        self.details = ServerDetails(bridge, roster, self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.stack = QStackedWidget(self)
        for widget in (self.starting, self.empty, splitter):
            self.stack.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.stack, 1)
        self._uptime_timer = QTimer(self)
        self._uptime_timer.setInterval(UPTIME_EVERY_MS)
        self._uptime_timer.timeout.connect(self.model.refresh_uptime)
        self._uptime_timer.start()
        self._connect()
        self._update_actions()

    def _make_empty_states(self) -> tuple[EmptyState, EmptyState]:
        starting = EmptyState(
            self.tr("Starting…"),
            self.tr("Your servers will be listed here in a moment."),
            parent=self,
        )
        empty = EmptyState(
            self.tr("No servers yet"),
            self.tr(
                "Servers give your assistant tools, like reading files or checking the time. "
                "Find one with Browse servers, or bring yours over from Claude Desktop, Cursor, "
                "VS Code or LM Studio with Import."
            ),
            action=self.tr("Browse servers…"),
            parent=self,
            tip=self.tr("Find servers others have published, and install one"),
            other=self.tr("…or add one someone gave you"),
            other_tip=self.tr("Add a server by its command or address"),
        )
        return starting, empty

    def _make_toolbar(self) -> QToolBar:
        toolbar = QToolBar(self.tr("Server actions"), self)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setIconSize(QSize(18, 18))

        def action(icon: str, text: str, tip: str) -> QAction:
            made = toolbar.addAction(page_icon(icon), text)
            made.setIconText(text)  # as written, “…” included: the button says it opens a window, as menus do
            made.setToolTip(tip)
            button = toolbar.widgetForAction(made)
            if button is not None:  # toolbar buttons take no focus unless told to; Tab should reach them
                button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            return made

        self.browse_action = action(
            "servers",
            self.tr("Browse servers…"),
            self.tr("Find servers others have published, and install one"),
        )
        self.add_action = action(
            "add", self.tr("Add server…"), self.tr("Add a server by its command or address")
        )
        self.import_action = action(
            "import", self.tr("Import…"), self.tr("Bring servers over from another app")
        )
        toolbar.addSeparator()
        self.start_action = action("start", self.tr("Start"), self.tr("Start the selected server"))
        self.stop_action = action("stop", self.tr("Stop"), self.tr("Stop the selected server"))
        self.restart_action = action(
            "restart", self.tr("Restart"), self.tr("Stop the selected server and start it again")
        )
        toolbar.addSeparator()
        self.edit_action = action("edit", self.tr("Edit…"), self.tr("Change the selected server's settings"))
        self.remove_action = action(
            "remove", self.tr("Remove"), self.tr("Remove the selected server from MCP Desk")
        )
        return toolbar

    def _make_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(90)
        table.setAccessibleName(self.tr("Servers"))
        table.setToolTip(self.tr("Your servers. Select one to see its details, start it or stop it."))
        return table

    def _connect(self) -> None:
        self.browse_action.triggered.connect(self.browse_requested)
        self.add_action.triggered.connect(self._on_add_action_triggered)
        self.import_action.triggered.connect(self._on_import_action_triggered)
        self.start_action.triggered.connect(lambda: self._act(self._actions.start))
        self.stop_action.triggered.connect(lambda: self._act(self._actions.stop))
        self.restart_action.triggered.connect(lambda: self._act(self._actions.restart))
        self.edit_action.triggered.connect(self._on_edit_action_triggered)
        self.remove_action.triggered.connect(self._on_remove_action_triggered)
        assert self.empty.button is not None and self.empty.other_button is not None
        self.empty.button.clicked.connect(self.browse_requested)
        self.empty.other_button.clicked.connect(self._on_add_action_triggered)
        self.details.review_requested.connect(self._actions.review)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.model.modelAboutToBeReset.connect(self._on_model_about_to_be_reset)
        self.model.modelReset.connect(self._on_model_reset)
        self._roster.status_changed.connect(self._on_roster_status_changed)

    def selected(self) -> ServerStatus | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.status_at(rows[0].row()) if rows else None

    def select(self, name: str) -> None:
        row = self.model.row_of(name)
        if row >= 0:
            self.table.selectRow(row)

    def _act(self, act: Callable[[str], None]) -> None:
        status = self.selected()
        if status is not None:
            act(status.name)

    def _update_actions(self) -> None:
        ready = self._roster.ready
        status = self.selected()
        self.add_action.setEnabled(ready)
        self.browse_action.setEnabled(ready)
        self.import_action.setEnabled(ready)
        active = status is not None and is_active(status)
        startable = status is not None and not active and status.enabled
        self.start_action.setEnabled(startable)
        self.stop_action.setEnabled(active)
        self.restart_action.setEnabled(status is not None and status.state is ServerState.RUNNING)
        self.edit_action.setEnabled(status is not None)
        self.remove_action.setEnabled(status is not None)
        if not ready:
            self.stack.setCurrentWidget(self.starting)
        else:
            self.stack.setCurrentIndex(2 if self.model.rowCount() else 1)

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        status = self.selected()
        self.details.show_server(status.name if status else None)
        self._update_actions()

    def _on_model_about_to_be_reset(self) -> None:
        status = self.selected()
        if self._select_next is None and status is not None:
            self._select_next = status.name

    def _on_model_reset(self) -> None:
        wanted = self._select_next
        if wanted is not None and self.model.row_of(wanted) >= 0:
            self._select_next = None
            self.select(wanted)
        elif self.model.rowCount():
            self.table.selectRow(0)
        self._on_table_selection_changed(QItemSelection(), QItemSelection())

    def _on_roster_status_changed(self, status: ServerStatus) -> None:
        selected = self.selected()
        if selected is not None and selected.name == status.name:
            self._update_actions()

    def _open_form(self, dialog: ServerFormDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted_config.connect(self._on_form_accepted_config)
        dialog.open()

    def _on_add_action_triggered(self) -> None:
        self._open_form(ServerFormDialog(taken=set(self._roster.names()), parent=self))

    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self._on_edit_action_triggered()

    def _on_edit_action_triggered(self) -> None:
        status = self.selected()
        if status is None:
            return
        try:
            config = self._roster.control.config_of(status.name)
        except Problem as problem:
            self._bridge.call_failed.emit(problem.message, problem.details)
            return
        taken = set(self._roster.names())
        self._open_form(ServerFormDialog(taken=taken, name=status.name, config=config, parent=self))

    def _on_form_accepted_config(self, name: str, config: ServerConfig, old_name: str | None) -> None:
        control = self._roster.control
        self._select_next = name
        if old_name is None:
            review = (lambda _none: self._actions.review(name)) if config.enabled else None
            self._bridge.call(control.add(name, config), on_done=review)
        else:
            self._bridge.call(control.update(old_name, config, name if name != old_name else None))

    def _on_import_action_triggered(self) -> None:
        dialog = ImportDialog(self._bridge, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _on_remove_action_triggered(self) -> None:
        status = self.selected()
        if status is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Remove server"),
            self.tr("Remove “%1”?").replace("%1", status.name),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setInformativeText(
            self.tr(
                "MCP Desk will stop it and forget its settings. The program itself stays on your computer."
            )
        )
        remove = box.addButton(self.tr("Remove"), QMessageBox.ButtonRole.DestructiveRole)
        open_confirm(box, remove, lambda confirmed: self._on_remove_box_finished(confirmed, status.name))

    def _on_remove_box_finished(self, confirmed: bool, name: str) -> None:
        if confirmed:
            self._actions.remove(name)
