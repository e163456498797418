"""One AI app on the Other AI apps page: whether it works with MCP Desk, its own servers, what it may use."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gateway.control import FoundApp
from desktop.ui.state_look import DOT_COLOURS
from desktop.ui.style import SPACING, heading, hint
from desktop.ui.widgets.inline_message import InlineMessage

GRANT_COLUMNS = 3


class AppCard(QFrame):
    """Asks for changes through its signals; the page does them and builds the card again."""

    connect_requested = Signal(str, bool)
    """The app's id, and whether its own servers move into MCP Desk too."""
    disconnect_requested = Signal(str)
    undo_requested = Signal(str)
    grants_changed = Signal(str, tuple)
    """The app's id and every server it may use now."""

    def __init__(
        self,
        app: FoundApp,
        servers: Sequence[str],
        granted: Sequence[str],
        can_undo: bool,
        sharing: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.app = app
        self._sharing = sharing
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(app.label)
        self.title_label = heading(app.label, self, scale=1.1)
        self.state_label = QLabel(self)
        self.state_label.setWordWrap(True)
        self.state_label.setAccessibleName(self.tr("Connection"))
        self.own_label = hint(self._own_servers_sentence(), self)
        self.problem = InlineMessage(self)
        self.connect_button = QPushButton(
            self.tr("Disconnect…") if app.connected else self.tr("Connect…"), self
        )
        self.connect_button.setToolTip(
            self.tr("Take MCP Desk out of %1's settings") if app.connected else self._connect_tip()
        )
        self.move_button = QPushButton(self.tr("Move these servers into MCP Desk…"), self)
        self.move_button.setToolTip(
            self.tr("MCP Desk runs them from now on, and %1 uses them through MCP Desk").replace(
                "%1", app.label
            )
        )
        self.move_button.setVisible(bool(set(app.servers) - set(app.in_desk)) and app.problem is None)
        self.undo_button = QPushButton(self.tr("Put %1's settings back").replace("%1", app.label), self)
        self.undo_button.setToolTip(
            self.tr("Put %1's settings back as they were before MCP Desk's last change").replace(
                "%1", app.label
            )
        )
        self.undo_button.setVisible(can_undo)
        self.show_file_button = QPushButton(self.tr("Show the file"), self)
        self.show_file_button.setToolTip(str(app.config_path))
        self.show_file_button.setVisible(app.problem is not None)
        self.grant_boxes: list[QCheckBox] = []
        self.grants_label = hint(parent=self)
        self._lay_out(self._grants(servers, granted) if app.connected else None)
        self._say_state()
        if app.problem is not None:
            self.problem.show_problem(app.problem)
            self.problem.setToolTip(app.problem_details)
            self.own_label.hide()
            self.connect_button.setEnabled(False)
        self.connect_button.clicked.connect(self._on_connect_button_clicked)
        self.show_file_button.clicked.connect(self._on_show_file_button_clicked)
        self.move_button.clicked.connect(lambda: self.connect_requested.emit(self.app.app, True))
        self.undo_button.clicked.connect(lambda: self.undo_requested.emit(self.app.app))

    def _connect_tip(self) -> str:
        return self.tr("Add MCP Desk to %1's settings, after showing you the change").replace(
            "%1", self.app.label
        )

    def _own_servers_sentence(self) -> str:
        label, own = self.app.label, self.app.servers
        if self.app.problem is not None:
            return ""
        if not own:
            return self.tr("%1 has no servers of its own.").replace("%1", label)
        also = self.tr("%1 (also in MCP Desk)")
        names = [also.replace("%1", name) if name in self.app.in_desk else name for name in own]
        return self.tr("%1's own servers: %2.").replace("%1", label).replace("%2", ", ".join(names))

    def _say_state(self) -> None:
        """Whether the app can use MCP Desk's servers now, and if not, what is missing."""
        if not self.app.connected:
            text, colour = self.tr("Not connected"), DOT_COLOURS["stopped"]
        elif not self._sharing:
            text = self.tr("Connected, but sharing is off: tick “Share my servers” at the top to let it in")
            colour = DOT_COLOURS["busy"]
        elif not self.granted():
            text, colour = self.tr("Connected, no servers chosen yet"), DOT_COLOURS["busy"]
        else:
            text, colour = self.tr("Working"), DOT_COLOURS["running"]
        self.state_label.setText(text)
        self.state_label.setStyleSheet(f"font-weight: bold; color: {colour};")

    def _grants(self, servers: Sequence[str], granted: Sequence[str]) -> QWidget:
        holder = QWidget(self)
        grid = QGridLayout(holder)
        grid.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("Which of your servers %1 may use:").replace("%1", self.app.label), holder)
        grid.addWidget(title, 0, 0, 1, GRANT_COLUMNS)
        for index, name in enumerate(servers):
            box = QCheckBox(name, holder)
            box.setChecked(name in granted)
            box.setToolTip(self.tr("Let %1 use “%2”").replace("%1", self.app.label).replace("%2", name))
            box.toggled.connect(self._on_grant_box_toggled)
            self.grant_boxes.append(box)
            grid.addWidget(box, 1 + index // GRANT_COLUMNS, index % GRANT_COLUMNS)
        grid.addWidget(self.grants_label, 2 + len(servers) // GRANT_COLUMNS, 0, 1, GRANT_COLUMNS)
        self._say_grants()
        return holder

    def _say_grants(self) -> None:
        label = self.app.label
        if not self.grant_boxes:
            text = self.tr("You have no servers in MCP Desk yet. Add some on the Servers page.")
        elif not any(box.isChecked() for box in self.grant_boxes):
            text = self.tr("None yet: %1 can't use any of your servers until you tick them.").replace(
                "%1", label
            )
        else:
            text = self.tr("MCP Desk still asks you before %1 uses a tool.").replace("%1", label)
        self.grants_label.setText(text)

    def _lay_out(self, grants: QWidget | None) -> None:
        top = QHBoxLayout()
        top.addWidget(self.title_label)
        top.addWidget(self.state_label, 1)
        actions = QHBoxLayout()  # under the name, so a narrow window never cuts a button off
        for button in (self.connect_button, self.move_button, self.undo_button, self.show_file_button):
            actions.addWidget(button)
        actions.addStretch()
        layout = QVBoxLayout(self)
        layout.setSpacing(SPACING // 2)
        layout.addLayout(top)
        layout.addWidget(self.own_label)
        layout.addWidget(self.problem)
        if grants is not None:
            layout.addWidget(grants)
        layout.addLayout(actions)

    def granted(self) -> tuple[str, ...]:
        return tuple(box.text() for box in self.grant_boxes if box.isChecked())

    def _on_connect_button_clicked(self) -> None:
        if self.app.connected:
            self.disconnect_requested.emit(self.app.app)
        else:
            self.connect_requested.emit(self.app.app, False)

    def _on_show_file_button_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.app.config_path.parent)))

    def _on_grant_box_toggled(self, _checked: bool) -> None:
        self._say_grants()
        self._say_state()
        self.grants_changed.emit(self.app.app, self.granted())
