"""A server's page, Resources tab: what the running server offers to read, each row one a person can
drag onto the chat's message box, or attach with “Attach to chat”."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.servers.resources import ResourceInfo, size_words
from desktop.ui.bridge import Bridge
from desktop.ui.resource_drag import RESOURCE_MIME, resource_mime
from desktop.ui.style import hint, pad

ADDRESS = Qt.ItemDataRole.UserRole


class ResourceList(QListWidget):
    """Rows that can be dragged out as a resource (server and address), never moved."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = ""
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setStyleSheet("QListWidget::item { padding: 5px 6px; }")

    def mimeTypes(self) -> list[str]:
        return [RESOURCE_MIME]

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        super().startDrag(Qt.DropAction.CopyAction)  # a move would take the row out of the list

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        return resource_mime(self.server, str(items[0].data(ADDRESS)) if items else "")


class ResourcesTab(QWidget):
    """Follows `show_server`; asks a running server for its resources.

    Signals:
        attach_requested(str, str): attach this resource (server, address) to the chat's next message.
    """

    attach_requested = Signal(str, str)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._asking = 0
        self.running = False
        self._stale = False
        """The shown server's resources have not been asked for since it was chosen or started."""
        self.count_label = hint(parent=self)
        self.list = ResourceList(self)
        self.list.setAccessibleName(self.tr("Resources"))
        self.list.setToolTip(self.tr("Drag one onto the chat's message box to attach it to your message"))
        self.attach_button = QPushButton(self.tr("Attach to chat"), self)
        self.attach_button.setToolTip(self.tr("Open the chat with this attached to your next message"))
        self.attach_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.attach_button)
        layout = QVBoxLayout(self)
        pad(layout)
        layout.addWidget(self.count_label)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.list.currentItemChanged.connect(lambda item, _before: self.attach_button.setEnabled(bool(item)))
        self.list.itemDoubleClicked.connect(lambda _item: self._on_attach_button_clicked())
        self.attach_button.clicked.connect(self._on_attach_button_clicked)

    def follow(self, name: str, running: bool) -> None:
        """The shown server's state changed: ask again when it started or stopped."""
        if running != self.running:
            self.show_server(name, running)

    def show_server(self, name: str | None, running: bool) -> None:
        """Show server `name`'s resources; they are asked for when this tab is in view."""
        self._asking += 1
        self.running = running
        self.list.clear()
        self.list.server = name or ""
        self._stale = running and name is not None
        self.count_label.setText(self.tr("Resources appear here while the server is running."))
        if self.isVisible():
            self._load()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load()

    def _load(self) -> None:
        control = self._bridge.control
        if not self._stale or control is None:
            return
        self._stale = False
        self.count_label.setText(self.tr("Asking the server what it offers…"))
        asking = self._asking
        self._bridge.call(
            control.resources(self.list.server),
            lambda found: self._show(asking, found),
            lambda problem: self._failed(asking, problem),
        )

    def _show(self, asking: int, resources: list[ResourceInfo]) -> None:
        if asking != self._asking:
            return
        for resource in resources:
            item = QListWidgetItem(resource.label, self.list)
            item.setData(ADDRESS, resource.uri)
            about = [resource.uri, resource.mime_type]
            if resource.size is not None:
                about.append(size_words(resource.size))
            item.setToolTip("\n".join(part for part in [*about, resource.description] if part))
        if not resources:
            self.count_label.setText(self.tr("This server offers nothing to read."))
        else:
            many = self.tr("1 resource") if len(resources) == 1 else f"{len(resources)} resources"
            self.count_label.setText(
                self.tr(
                    "%1 to read. Drag one onto the chat's message box, or choose one and press "
                    "“Attach to chat”."
                ).replace("%1", many)
            )

    def _failed(self, asking: int, problem: Problem) -> None:
        if asking == self._asking:
            self.count_label.setText(problem.message)

    def _on_attach_button_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.attach_requested.emit(self.list.server, str(item.data(ADDRESS)))
