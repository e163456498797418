"""“A newer version is available (1.2.0 → 1.3.0)” with Update, for a server installed from the catalogue."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.catalogue.control import Installed, Update
from desktop.core.config import ServerConfig
from desktop.core.problem import Problem
from desktop.ui.bridge import Bridge
from desktop.ui.style import selectable


class UpdateLine(QWidget):
    """Hidden unless the shown server's registry entry has a newer version; Update installs it,
    keeping the values the user gave, and the server then asks for approval again."""

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._name: str | None = None
        self.label = selectable(QLabel(self))
        self.label.setWordWrap(True)
        self.update_button = QPushButton(self.tr("Update"), self)
        self.update_button.setToolTip(
            self.tr("Install the newer version with the same settings; you approve it again before it runs")
        )
        self.update_button.clicked.connect(self._on_update_button_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.update_button)
        self.hide()

    def show_server(self, name: str | None, config: ServerConfig | None) -> None:
        """Follow the shown server: ask the catalogue whether its entry has a newer version."""
        if name == self._name:
            return  # the same server again (its status or output changed): the line stands
        self._name = name
        self.hide()
        catalogue = self._bridge.catalogue
        if name is None or config is None or config.origin is None or catalogue is None:
            return
        if not config.origin.registry:  # a bundle file: no registry to ask
            return
        self._bridge.call(catalogue.updates(), lambda found: self._on_updates(name, found), _ignored)

    def _on_updates(self, name: str, found: list[Update]) -> None:
        update = next((item for item in found if item.server == name), None)
        if name != self._name or update is None:
            return
        self.label.setText(
            self.tr("A newer version is available (%1 → %2).")
            .replace("%1", update.installed)
            .replace("%2", update.available)
        )
        self.label.setToolTip(update.message)
        self.update_button.setVisible(True)
        self.update_button.setEnabled(True)
        self.show()

    def _on_update_button_clicked(self) -> None:
        catalogue, name = self._bridge.catalogue, self._name
        if catalogue is None or name is None:
            return
        self.update_button.setEnabled(False)
        self.label.setText(self.tr("Updating “%1”…").replace("%1", name))
        self._bridge.call(catalogue.update(name), self._on_updated, self._on_update_failed)

    def _on_updated(self, installed: Installed) -> None:
        self.label.setText(installed.message)
        self.label.setToolTip("")
        self.update_button.hide()

    def _on_update_failed(self, problem: Problem) -> None:
        self.label.setText(problem.message)
        self.label.setToolTip(problem.details)
        self.update_button.setEnabled(True)


def _ignored(_problem: Problem) -> None:
    """No line is the right answer when the catalogue can't say (no connection, no list yet)."""
