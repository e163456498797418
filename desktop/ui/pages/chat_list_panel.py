"""The left side of the Chat page: New chat, search, the chats, and renaming or deleting one."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMessageBox, QPushButton, QVBoxLayout, QWidget

from desktop.core.problem import Problem
from desktop.llm.chat.control import ChatControl, ChatSummary
from desktop.ui.bridge import Bridge
from desktop.ui.models.chat_list_model import ChatListModel
from desktop.ui.style import SPACING, labelled_button
from desktop.ui.widgets.chat_list_view import ChatListView


class ChatListPanel(QWidget):
    """Lists the chats matching the search, newest first, and follows `bridge.chat_list_changed`.

    Signals:
        chat_chosen(str): the user picked a chat (its id).
        new_chat_requested(): the user pressed New chat.
        chat_deleting(str): the user confirmed deleting this chat; the delete is on its way.
        call_failed(Problem): asking the chat side failed.
    """

    chat_chosen = Signal(str)
    new_chat_requested = Signal()
    chat_deleting = Signal(str)
    call_failed = Signal(object)

    def __init__(self, bridge: Bridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._query = 0
        self._chosen: str | None = None
        self._deleting = ""
        self.delete_box: QMessageBox | None = None
        self._confirm_button: QPushButton | None = None
        self.model = ChatListModel(self)
        self.view = ChatListView(self.model, self)
        self.view.setAccessibleName(self.tr("Chats"))
        self.view.setToolTip(self.tr("Your chats, newest first. Select one to open it."))
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("Search chats"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName(self.tr("Search chats"))
        self.search_edit.setToolTip(self.tr("Show only chats whose title or messages contain this text"))
        self.new_button = self._button(self.tr("New chat"), self.tr("Start a new conversation"))
        self.rename_button = self._button(self.tr("Rename"), self.tr("Give the chosen chat another title"))
        self.delete_button = self._button(self.tr("Delete…"), self.tr("Delete the chosen chat"))
        self._layout()
        bridge.chat_list_changed.connect(self.reload)
        self.search_edit.textChanged.connect(self.reload)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection_changed)
        self.model.title_edited.connect(self._on_model_title_edited)
        self.model.modelReset.connect(self._on_model_reset)
        self.new_button.clicked.connect(self.new_chat_requested)
        self.rename_button.clicked.connect(self._on_rename_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.update_enabled()

    def _button(self, text: str, tip: str) -> QPushButton:
        return labelled_button(text, tip, self)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, SPACING // 2, 0)
        layout.addWidget(self.new_button)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def _chats(self) -> ChatControl:
        assert self._bridge.chats is not None, "services are not attached yet"
        return self._bridge.chats

    def reload(self) -> None:
        """Ask for the chats again; only the answer to the newest question is shown."""
        if self._bridge.chats is None:
            return
        self._query += 1
        query = self._query
        self._bridge.call(
            self._chats().chats(self.search_edit.text().strip()),
            lambda chats: self._on_chats_listed(query, chats),
            self.call_failed.emit,
        )

    def _on_chats_listed(self, query: int, chats: list[ChatSummary]) -> None:
        if query == self._query:
            self.model.set_chats(chats)

    def choose(self, chat_id: str | None) -> None:
        """Mark `chat_id` as the open chat, in the list when it is there."""
        self._chosen = chat_id
        row = self.model.row_of(chat_id)
        if row >= 0:
            self.view.select(row)
        else:
            self.view.clearSelection()
        self.update_enabled()

    def add(self, chat: ChatSummary) -> None:
        """Show a chat just made at the top, before the list is asked for again."""
        others = (self.model.summary_at(row) for row in range(self.model.rowCount()))
        self.model.set_chats([chat, *(other for other in others if other.id != chat.id)])

    def title_of(self, chat_id: str | None) -> str:
        row = self.model.row_of(chat_id)
        return self.model.summary_at(row).title if row >= 0 else ""

    def update_enabled(self) -> None:
        ready = self._bridge.chats is not None
        chosen = self.view.selected_row() >= 0
        self.new_button.setEnabled(ready)
        self.search_edit.setEnabled(ready)
        self.rename_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def _on_model_reset(self) -> None:
        self.choose(self._chosen)

    def _on_view_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        row = self.view.selected_row()
        self.update_enabled()
        if row >= 0 and self.model.summary_at(row).id != self._chosen:
            self._chosen = self.model.summary_at(row).id
            self.chat_chosen.emit(self._chosen)

    def _on_rename_button_clicked(self) -> None:
        row = self.view.selected_row()
        if row >= 0:
            self.view.edit(self.model.index(row, 0))

    def _on_model_title_edited(self, chat_id: str, title: str) -> None:
        self._bridge.call(self._chats().rename(chat_id, title), None, self.call_failed.emit)

    def _on_delete_button_clicked(self) -> None:
        row = self.view.selected_row()
        if row < 0:
            return
        chat = self.model.summary_at(row)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete chat"),
            self.tr("Delete “%1” and all its messages?").replace("%1", chat.title),
            QMessageBox.StandardButton.NoButton,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(
            self.tr("This can't be undone. The audit trail keeps its record of the tool calls.")
        )
        self._confirm_button = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._on_delete_box_finished)
        self._deleting = chat.id
        self.delete_box = box
        box.open()

    def _on_delete_box_finished(self, _result: int) -> None:
        box, self.delete_box = self.delete_box, None
        if box is None or box.clickedButton() is not self._confirm_button:
            return
        self.chat_deleting.emit(self._deleting)
        self._bridge.call(self._chats().delete(self._deleting), None, self._on_delete_failed)

    def _on_delete_failed(self, problem: Problem) -> None:
        self.reload()
        self.call_failed.emit(problem)
