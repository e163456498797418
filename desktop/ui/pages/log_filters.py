"""The Log page's filters: server, direction, kind, method, problems only, text, one request."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop.core.rpc_log import Direction, EntryKind, LogFilter
from desktop.ui.bridge import Bridge
from desktop.ui.style import SPACING
from desktop.ui.widgets.filter_controls import SearchBox, ServerCombo

CHIP_STYLE = """
QWidget#requestChip {
    border: 1px solid palette(highlight);
    border-radius: 10px;
    background: palette(alternate-base);
}
"""


class LogFilterBar(QWidget):
    """Every control narrows the table at once; `set_filter` sets them all together.

    Signals:
        filter_changed(LogFilter): the user (or `set_filter`) changed what to show.
    """

    filter_changed = Signal(object)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._request: tuple[str, float | None] | None = None
        self.server_combo = ServerCombo(bridge, self)
        self.direction_combo = self._combo(
            self.tr("Show only what was sent, received, or what happened to a server"),
            self.tr("Direction"),
            [
                (self.tr("All directions"), ""),
                (self.tr("Sent"), Direction.OUT.value),
                (self.tr("Received"), Direction.IN.value),
                (self.tr("Events"), Direction.EVENT.value),
            ],
        )
        self.kind_combo = self._combo(
            self.tr("Show only one kind of message"), self.tr("Kind"), self._kinds()
        )
        self.method_box = SearchBox(
            self.tr("Method"),
            self.tr("Show only messages whose method (what was asked for, such as tools/call) contains this"),
        )
        self.text_box = SearchBox(
            self.tr("Search messages"), self.tr("Show only messages that contain this text")
        )
        self.problems_box = QCheckBox(self.tr("Problems only"), self)
        self.problems_box.setToolTip(
            self.tr("Show only errors, time-outs, cancellations and answers nobody asked for")
        )
        self.request_label = QLabel(self)
        self.request_chip = self._chip()
        self._layout()
        self._connect()

    def _combo(self, tip: str, name: str, items: list[tuple[str, str]]) -> QComboBox:
        """A choice among `items` (label, value); the value "" means all."""
        combo = QComboBox(self)
        for label, value in items:
            combo.addItem(label, value)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setToolTip(tip)
        combo.setAccessibleName(name)
        return combo

    def _kinds(self) -> list[tuple[str, str]]:
        return [
            (self.tr("All kinds"), ""),
            (self.tr("Requests"), EntryKind.REQUEST.value),
            (self.tr("Responses"), EntryKind.RESPONSE.value),
            (self.tr("Errors"), EntryKind.ERROR.value),
            (self.tr("Notifications"), EntryKind.NOTIFICATION.value),
            (self.tr("Server output (stderr)"), EntryKind.STDERR.value),
            (self.tr("Not a message (junk)"), EntryKind.JUNK.value),
            (self.tr("Web errors (HTTP)"), EntryKind.HTTP.value),
            (self.tr("Start and stop"), EntryKind.LIFECYCLE.value),
        ]

    def _chip(self) -> QWidget:
        chip = QWidget(self)
        chip.setObjectName("requestChip")
        chip.setStyleSheet(CHIP_STYLE)
        chip.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.request_clear = QToolButton(chip)
        self.request_clear.setText("×")
        self.request_clear.setAutoRaise(True)
        self.request_clear.setToolTip(self.tr("Show all messages again"))
        self.request_clear.setAccessibleName(self.tr("Stop showing only this request"))
        layout = QHBoxLayout(chip)
        layout.setContentsMargins(10, 0, 2, 0)
        layout.addWidget(self.request_label)
        layout.addWidget(self.request_clear)
        chip.hide()
        return chip

    def _layout(self) -> None:
        controls = QHBoxLayout()
        controls.setSpacing(SPACING // 2)
        for widget in (self.server_combo, self.direction_combo, self.kind_combo):
            controls.addWidget(widget)
        controls.addWidget(self.method_box, 1)
        controls.addWidget(self.text_box, 2)
        controls.addWidget(self.problems_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACING // 2)
        layout.addLayout(controls)
        layout.addWidget(self.request_chip, 0, Qt.AlignmentFlag.AlignLeft)

    def _connect(self) -> None:
        self.server_combo.server_changed.connect(self._on_control_changed)
        for combo in (self.direction_combo, self.kind_combo):
            combo.currentIndexChanged.connect(self._on_control_changed)
        self.method_box.text_settled.connect(self._on_control_changed)
        self.text_box.text_settled.connect(self._on_control_changed)
        self.problems_box.toggled.connect(self._on_control_changed)
        self.request_clear.clicked.connect(self._on_request_clear_clicked)

    def current(self) -> LogFilter:
        rpc_id, since = self._request if self._request is not None else (None, None)
        direction, kind = self.direction_combo.currentData(), self.kind_combo.currentData()
        return LogFilter(
            server=self.server_combo.current_server(),
            direction=Direction(direction) if direction else None,
            kind=EntryKind(kind) if kind else None,
            method=self.method_box.text().strip(),
            problems_only=self.problems_box.isChecked(),
            text=self.text_box.text(),
            since=since,
            rpc_id=rpc_id,
        )

    def set_filter(self, where: LogFilter) -> None:
        """Show `where` in the controls, then report it once."""
        controls = (self.direction_combo, self.kind_combo, self.problems_box)
        for control in controls:
            control.blockSignals(True)
        self.server_combo.set_server(where.server)
        self.direction_combo.setCurrentIndex(self.direction_combo.findData(where.direction or ""))
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(where.kind or ""))
        self.problems_box.setChecked(where.problems_only)
        for control in controls:
            control.blockSignals(False)
        self.method_box.set_quietly(where.method)
        self.text_box.set_quietly(where.text)
        self._show_request(None if where.rpc_id is None else (where.rpc_id, where.since))
        self.filter_changed.emit(self.current())

    def _show_request(self, request: tuple[str, float | None] | None) -> None:
        self._request = request
        if request is not None:
            self.request_label.setText(self.tr("Only messages of request %1").replace("%1", request[0]))
        self.request_chip.setVisible(request is not None)

    def _on_control_changed(self) -> None:
        self.filter_changed.emit(self.current())

    def _on_request_clear_clicked(self) -> None:
        self._show_request(None)
        self.filter_changed.emit(self.current())
