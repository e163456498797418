"""Controls shared by the Log and Audit filters: a server picker and a search box."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from desktop.ui.bridge import Bridge

SETTLE_MS = 200
"""How long typing must pause before a search runs."""


class ServerCombo(QComboBox):
    """“All servers” and every server name known: configured ones, and any seen in records.

    The current server is `current_server()`; "" means all of them.

    Signals:
        server_changed(str): another server (or "" for all) was chosen.
    """

    server_changed = Signal(str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._chosen = ""
        self.addItem(self.tr("All servers"), "")
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setToolTip(self.tr("Show only what concerns this server"))
        self.setAccessibleName(self.tr("Server"))
        bridge.services_ready.connect(self._on_bridge_services_ready)
        bridge.servers_changed.connect(self.add_names)
        self.currentIndexChanged.connect(self._on_current_index_changed)

    def current_server(self) -> str:
        return str(self.currentData())

    def add_names(self, names: Iterable[str]) -> None:
        """Offer these names too (names already offered are kept, in alphabetical order)."""
        known = {str(self.itemData(row)) for row in range(1, self.count())}
        for name in sorted(set(names) - known):
            row = next((r for r in range(1, self.count()) if str(self.itemData(r)) > name), self.count())
            self.insertItem(row, name, name)

    def set_server(self, name: str) -> None:
        """Choose `name` ("" for all) without reporting it, offering it first if it is new."""
        if name:
            self.add_names((name,))
        self._chosen = name
        self.setCurrentIndex(self.findData(name))

    def _on_current_index_changed(self, _index: int) -> None:
        if self.current_server() != self._chosen:  # not just moved down by a new name above it
            self._chosen = self.current_server()
            self.server_changed.emit(self._chosen)

    def _on_bridge_services_ready(self) -> None:
        assert self._bridge.control is not None
        self.add_names(status.name for status in self._bridge.control.statuses())


class SearchBox(QLineEdit):
    """A search field that reports its text once typing pauses.

    Signals:
        text_settled(str): the text, ~200 ms after the last keystroke (or at once on Enter).
    """

    text_settled = Signal(str)

    def __init__(self, placeholder: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setToolTip(tip)
        self.setAccessibleName(placeholder)
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.textEdited.connect(self._timer.start)
        self.returnPressed.connect(self._on_timer_timeout)

    def set_quietly(self, text: str) -> None:
        """Show `text` without reporting it."""
        self._timer.stop()
        self.setText(text)

    def _on_timer_timeout(self) -> None:
        self._timer.stop()
        self.text_settled.emit(self.text())
