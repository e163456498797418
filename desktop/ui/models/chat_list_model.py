"""The chats, newest first, for the list on the Chat page; titles are edited in place."""

from __future__ import annotations

import time

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, Signal

from desktop.llm.chat.control import ChatSummary
from desktop.ui.models.titled_table import Index
from desktop.ui.widgets.markdown_view import plain_tip

PREVIEW_ROLE = Qt.ItemDataRole.UserRole + 1
WHEN_ROLE = Qt.ItemDataRole.UserRole + 2


def when_text(updated: float, now: float | None = None) -> str:
    """“14:05” for today, “3 Mar” for an earlier day, “3 Mar 2023” for an earlier year."""
    local, today = time.localtime(updated), time.localtime(now)
    if local[:3] == today[:3]:
        return time.strftime("%H:%M", local)
    if local.tm_year == today.tm_year:
        return time.strftime("%d %b", local).lstrip("0")
    return time.strftime("%d %b %Y", local).lstrip("0")


class ChatListModel(QAbstractListModel):
    """One row per `ChatSummary`, in the order the chat side gave them.

    Signals:
        title_edited(str, str): the user typed a new title in the list (chat id, title).
    """

    title_edited = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._chats: list[ChatSummary] = []

    def set_chats(self, chats: list[ChatSummary]) -> None:
        self.beginResetModel()
        self._chats = list(chats)
        self.endResetModel()

    def summary_at(self, row: int) -> ChatSummary:
        return self._chats[row]

    def row_of(self, chat_id: str | None) -> int:
        return next((row for row, chat in enumerate(self._chats) if chat.id == chat_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._chats)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        chat = self._chats[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return chat.title
        if role == PREVIEW_ROLE:
            return " ".join(chat.preview.split())
        if role == WHEN_ROLE:
            return when_text(chat.updated)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(chat.preview or chat.title)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        title = " ".join(str(value).split())
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not title:
            return False
        chat = self._chats[index.row()]
        if title != chat.title:
            self._chats[index.row()] = ChatSummary(chat.id, title, chat.created, chat.updated, chat.preview)
            self.dataChanged.emit(index, index)
            self.title_edited.emit(chat.id, title)
        return True
