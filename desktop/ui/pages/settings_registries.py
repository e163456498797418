"""Settings' “Where servers come from”: the registries Browse servers lists, added and removed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.config import OFFICIAL_REGISTRY, check_registry_url
from desktop.core.problem import Problem
from desktop.ui.bridge import Bridge
from desktop.ui.style import SPACING, heading, hint
from desktop.ui.widgets.inline_message import InlineMessage

VISIBLE_ROWS = 2
"""Most people have one or two; more scroll."""


class RegistriesSection(QWidget):
    """The list of registries, first one first; each change is checked as the setting checks it
    (an https:// address) and saved at once, a refusal said in a sentence beside it."""

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self.list = QListWidget(self)
        self.list.setAccessibleName(self.tr("Registries"))
        self.list.setToolTip(self.tr("The registries whose servers Browse servers lists"))
        self.list.setMaximumHeight(self.list.fontMetrics().height() * (VISIBLE_ROWS + 1) + SPACING)
        self.address_edit = QLineEdit(self)
        self.address_edit.setPlaceholderText(self.tr("https://registry.example.com"))
        self.address_edit.setAccessibleName(self.tr("Address of a registry to add"))
        self.address_edit.setToolTip(self.tr("A registry's address, starting with https://"))
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setToolTip(self.tr("Add this registry to the list Browse servers shows"))
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setToolTip(self.tr("Stop listing the servers of the selected registry"))
        self.message = InlineMessage(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading(self.tr("Where servers come from"), self, scale=1.0))
        layout.addWidget(
            hint(
                self.tr(
                    "Browse servers lists the servers of these registries, the first one first. "
                    "Add your organisation's own registry here."
                ),
                self,
            )
        )
        layout.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(self.address_edit, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self._enable(False)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.address_edit.returnPressed.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.list.currentRowChanged.connect(lambda _row: self._enable(True))
        bridge.when_ready(self._on_bridge_ready)

    def registries(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def _enable(self, ready: bool) -> None:
        self.address_edit.setEnabled(ready)
        self.add_button.setEnabled(ready)
        self.remove_button.setEnabled(ready and self.list.currentRow() >= 0 and self.list.count() > 1)

    def _on_bridge_ready(self) -> None:
        self._show(self._saved())
        self._enable(True)

    def _saved(self) -> list[str]:
        assert self._bridge.settings is not None
        return list(self._bridge.settings.app_settings().registry_urls)

    def _show(self, urls: list[str]) -> None:
        self.list.clear()
        for url in urls:
            self.list.addItem(url)
            if url == OFFICIAL_REGISTRY:
                self.list.item(self.list.count() - 1).setToolTip(self.tr("The official MCP Registry"))
        self._enable(True)

    def _on_add_button_clicked(self) -> None:
        typed = self.address_edit.text().strip()
        if not typed:
            self.message.show_problem(
                self.tr("Type the registry's address first, like https://registry.example.com.")
            )
            return
        try:
            url = check_registry_url(typed)
        except ValueError as refused:
            self.message.show_problem(str(refused))
            return
        if url in self.registries():
            self.message.show_problem(self.tr("That registry is in the list already."))
            return
        self._save(
            [*self.registries(), url], self.tr("Added. Browse servers lists its servers after Refresh.")
        )

    def _on_remove_button_clicked(self) -> None:
        row = self.list.currentRow()
        if row < 0 or self.list.count() < 2:
            return
        kept = [url for n, url in enumerate(self.registries()) if n != row]
        self._save(kept, self.tr("Removed. Browse servers no longer lists its servers."))

    def _save(self, urls: list[str], done: str) -> None:
        assert self._bridge.settings is not None
        self._enable(False)
        self._bridge.call(
            self._bridge.settings.change_app_settings({"registry_urls": urls}),
            lambda _none: self._on_saved(urls, done),
            self._on_save_failed,
        )

    def _on_saved(self, urls: list[str], done: str) -> None:
        self.address_edit.clear()
        self._show(urls)
        self.message.show_info(done)

    def _on_save_failed(self, problem: Problem) -> None:
        self._show(self._saved())
        self.message.show_problem(problem.message)
