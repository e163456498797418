"""Attach from a server: the running servers' resources, a preview of the one chosen, and Attach.

A template (an address with blanks) gets a form with the server's suggestions; Preview reads what
the filled-in address gives. Each preview is a read by the user: logged and audited.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.problem import Problem
from desktop.servers.prompts import CompletionRef, RefKind
from desktop.servers.resources import ResourceInfo, ResourceRead, ResourceTemplateInfo, size_words
from desktop.ui.bridge import Bridge
from desktop.ui.style import hint
from desktop.ui.widgets.argument_form import ArgumentForm, Blank
from desktop.ui.widgets.inline_message import InlineMessage
from desktop.ui.widgets.markdown_view import SafeDocument

LIST_STYLE = "QListWidget::item { padding: 5px 6px; }"
"""Rows with room around them, easy to read and to click."""
PREVIEW_CHARS = 200_000
"""A preview shows this much of a long text; the attachment itself is cut to fit the model."""


class AttachDialog(QDialog):
    """Pick one resource of a running server. After `accept()`, `chosen` is (server, address)."""

    def __init__(self, bridge: Bridge, servers: dict[str, str], parent: QWidget | None = None) -> None:
        """`servers`: the running servers' names, each with what the user calls it."""
        super().__init__(parent)
        self._bridge = bridge
        self.chosen: tuple[str, str] | None = None
        self.form: ArgumentForm | None = None
        self.setWindowTitle(self.tr("Attach from a server"))
        self.resize(820, 520)
        self.server_box = QComboBox(self)
        for name, title in servers.items():
            self.server_box.addItem(f"“{title}”", name)
        self.server_box.setAccessibleName(self.tr("Server"))
        self.items = QListWidget(self)
        self.items.setAccessibleName(self.tr("What the server offers"))
        self.items.setStyleSheet(LIST_STYLE)
        self.form_holder = QVBoxLayout()
        self.show_button = QPushButton(self.tr("Preview"), self)
        self.show_button.setToolTip(self.tr("Read what this address gives, to see it before attaching"))
        self.show_button.hide()
        self.preview = QTextBrowser(self)
        self.preview.setDocument(SafeDocument(self.preview))
        self.image = QLabel(self)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.preview)
        self.pages.addWidget(self.image)
        self.about = hint(self.tr("Choose something on the left to see it here."), self)
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(self)
        self.attach_button = self.buttons.addButton(self.tr("Attach"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.attach_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._layout(bool(servers))
        self.server_box.currentIndexChanged.connect(lambda _index: self._load(self._server()))
        self.items.currentItemChanged.connect(self._on_items_current_changed)
        self.show_button.clicked.connect(self._on_show_button_clicked)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._load(self._server())

    def _server(self) -> str:
        """The chosen server's name ("" for none)."""
        return str(self.server_box.currentData() or "")

    def _layout(self, any_server: bool) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Server:"), self))
        top.addWidget(self.server_box, 1)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(self.form_holder)
        right_layout.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(self.about)
        right_layout.addWidget(self.pages, 1)
        splitter = QSplitter(self)
        splitter.addWidget(self.items)
        splitter.addWidget(right)
        splitter.setSizes([340, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                self.tr(
                    "Choose what to attach. You see it here first; it goes with your next message, "
                    "for the assistant to read."
                ),
                self,
            )
        )
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)
        if not any_server:
            self.message.show_info(self.tr("No server is running. Start one on the Servers page first."))

    def _load(self, server: str) -> None:
        self.items.clear()
        control = self._bridge.control
        if not server or control is None:
            return
        self._bridge.call(control.resources(server), self._show_resources, self._on_failed)
        self._bridge.call(control.resource_templates(server), self._show_templates, self._on_failed)

    def _show_resources(self, resources: list[ResourceInfo]) -> None:
        for resource in resources:
            item = QListWidgetItem(resource.label, self.items)
            item.setToolTip(f"{resource.uri}\n{resource.description}".strip())
            item.setData(Qt.ItemDataRole.UserRole, resource)
        self._say_if_empty()

    def _show_templates(self, templates: list[ResourceTemplateInfo]) -> None:
        for template in templates:
            blanks = ", ".join(f"“{name}”" for name in template.variables)
            words = self.tr("%1: type its %2").replace("%1", template.label).replace("%2", blanks)
            item = QListWidgetItem(words, self.items)
            item.setToolTip(f"{template.uri_template}\n{template.description}".strip())
            item.setData(Qt.ItemDataRole.UserRole, template)
        self._say_if_empty()

    def _say_if_empty(self) -> None:
        if self.items.count() == 0:
            self.about.setText(self.tr("This server offers nothing to attach. Choose another server."))

    def _on_items_current_changed(self, item: QListWidgetItem | None) -> None:
        self.chosen = None
        self.attach_button.setEnabled(False)
        self._set_form(None)
        picked = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(picked, ResourceInfo):
            self._read(picked.uri)
        elif isinstance(picked, ResourceTemplateInfo):
            self._set_form(picked)
            self.preview.clear()
            self.about.setText(self.tr("Fill in the blanks above, then press Preview."))

    def _set_form(self, template: ResourceTemplateInfo | None) -> None:
        if self.form is not None:
            self.form.deleteLater()
            self.form = None
        self.show_button.setVisible(template is not None)
        if template is None:
            return
        blanks = tuple(Blank(name, name) for name in template.variables)
        ref = CompletionRef(RefKind.TEMPLATE, template.uri_template)
        self.form = ArgumentForm(self._bridge, template.server, ref, blanks, self)
        self.form_holder.addWidget(self.form)

    def _on_show_button_clicked(self) -> None:
        item = self.items.currentItem()
        template = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(template, ResourceTemplateInfo) and self.form is not None:
            self._read(template.filled(self.form.values()))

    def _read(self, uri: str) -> None:
        control = self._bridge.control
        if control is None:
            return
        self.about.setText(self.tr("Reading…"))
        server = self._server()
        self._bridge.call(control.read_resource(server, uri, by_user=True), self._show_read, self._on_failed)

    def _show_read(self, read: ResourceRead) -> None:
        self.message.clear()
        self.chosen = (read.server, read.uri)
        self.attach_button.setEnabled(True)
        first = read.contents[0] if read.contents else None
        if first is not None and first.image is not None:
            pixmap = QPixmap()
            pixmap.loadFromData(first.image)
            self.image.setPixmap(pixmap.scaled(480, 360, Qt.AspectRatioMode.KeepAspectRatio))
            self.pages.setCurrentWidget(self.image)
        else:
            self.pages.setCurrentWidget(self.preview)
            self._show_text(read)
        size = size_words(read.size) if read.contents else self.tr("empty")
        self.about.setText(self.tr("%1, %2").replace("%1", self._label_of(read.uri)).replace("%2", size))
        self.about.setToolTip(read.uri)

    def _label_of(self, uri: str) -> str:
        """What the user calls the resource at `uri`: its title or name where the list has it."""
        item = self.items.currentItem()
        picked = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(picked, ResourceInfo) and picked.uri == uri:
            return picked.label
        return uri.rstrip("/").rsplit("/", 1)[-1] or uri

    def _show_text(self, read: ResourceRead) -> None:
        text = read.text[:PREVIEW_CHARS]
        if all(part.mime_type == "text/markdown" for part in read.contents):
            document = self.preview.document()
            assert isinstance(document, SafeDocument)
            document.set_markdown(text)
        else:
            self.preview.setPlainText(text)

    def _on_failed(self, problem: Problem) -> None:
        self.about.setText("")
        self.message.show_problem(problem.message)
