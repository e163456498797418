"""The list of chats: each a title with its date, and the start of its last message below."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.ui.models.chat_list_model import PREVIEW_ROLE, WHEN_ROLE, ChatListModel

PADDING = 8
LINE_GAP = 2

Index = QModelIndex | QPersistentModelIndex


def elided(font: QFont, text: str, width: int) -> str:
    return QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, width)


class ChatListDelegate(QStyledItemDelegate):
    """Two lines per chat; the title is edited in a box over the first line."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(120, 2 * line + LINE_GAP + 2 * PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        option.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = option.palette
        strong = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        )
        painter.save()
        self._paint_lines(painter, option, index, strong, muted)
        painter.restore()

    def _paint_lines(
        self, painter: QPainter, option: QStyleOptionViewItem, index: Index, strong: QColor, muted: QColor
    ) -> None:
        """The title in bold and the date on the first line; the preview, quieter, on the second."""
        rect: QRect = option.rect
        metrics = QFontMetrics(option.font)
        line = metrics.height()
        inner = rect.adjusted(PADDING, PADDING, -PADDING, -PADDING)
        when = str(index.data(WHEN_ROLE) or "")
        when_width = metrics.horizontalAdvance(when)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(strong)
        title_rect = QRect(inner.left(), inner.top(), inner.width() - when_width - PADDING, line)
        title = str(index.data() or "")
        painter.drawText(title_rect, left, elided(bold, title, title_rect.width()))
        painter.setFont(option.font)
        painter.setPen(muted)
        when_rect = QRect(inner.right() - when_width, inner.top(), when_width, line)
        painter.drawText(when_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)
        preview_rect = QRect(inner.left(), inner.top() + line + LINE_GAP, inner.width(), line)
        preview = str(index.data(PREVIEW_ROLE) or "")
        painter.drawText(preview_rect, left, elided(option.font, preview, inner.width()))

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect
        height = editor.sizeHint().height()
        editor.setGeometry(QRect(rect.left() + 2, rect.top() + PADDING // 2, rect.width() - 4, height))


class ChatListView(QListView):
    """One chat at a time is chosen; double-click or F2 renames it."""

    def __init__(self, model: ChatListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setItemDelegate(ChatListDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

    def selected_row(self) -> int:
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def select(self, row: int) -> None:
        index = self.model().index(row, 0)
        self.selectionModel().setCurrentIndex(index, self.selectionModel().SelectionFlag.ClearAndSelect)
        self.scrollTo(index)
