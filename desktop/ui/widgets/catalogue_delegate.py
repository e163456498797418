"""One catalogue entry in the Browse list: icon, title and version, description, who and what it needs."""

from __future__ import annotations

import base64
import binascii

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop.catalogue.control import CatalogueEntry
from desktop.ui.catalogue_words import meta_line, version_words
from desktop.ui.models.catalogue_model import ENTRY_ROLE
from desktop.ui.resources import page_icon
from desktop.ui.widgets.chat_list_view import elided

PADDING = 8
LINE_GAP = 3
ICON = 36
LINES = 3

Index = QModelIndex | QPersistentModelIndex


def data_url_icon(url: str | None) -> QIcon | None:
    """The picture inside a `data:image/…;base64,` address, or None (web addresses are never fetched here)."""
    if url is None or not url.startswith("data:image/"):
        return None
    head, _, body = url.partition(",")
    if not head.endswith(";base64"):
        return None
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    pixmap = QPixmap()
    return QIcon(pixmap) if pixmap.loadFromData(raw) else None


class EntryIcons:
    """Each entry's own icon when the catalogue gave it inline, else one generic icon; made once per entry."""

    def __init__(self) -> None:
        self._generic = page_icon("servers")
        self._made: dict[str, QIcon] = {}

    def of(self, entry: CatalogueEntry) -> QIcon:
        icon = self._made.get(entry.name)
        if icon is None:
            icon = self._made[entry.name] = data_url_icon(entry.icon_url) or self._generic
        return icon


class CatalogueDelegate(QStyledItemDelegate):
    """Paints only what is on screen; every row has the same height."""

    def __init__(self, icons: EntryIcons, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._icons = icons

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = QFontMetrics(option.font).height()
        return QSize(200, LINES * line + (LINES - 1) * LINE_GAP + 2 * PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        entry = index.data(ENTRY_ROLE)
        if not isinstance(entry, CatalogueEntry):
            return
        self.initStyleOption(option, index)
        option.text = ""
        option.icon = QIcon()
        widget = option.widget
        if widget is not None:
            widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette: QPalette = option.palette
        strong = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        )
        painter.save()
        rect: QRect = option.rect
        inner = rect.adjusted(PADDING, PADDING, -PADDING, -PADDING)
        self._icons.of(entry).paint(painter, QRect(inner.left(), inner.top(), ICON, ICON))
        text = inner.adjusted(ICON + PADDING, 0, 0, 0)
        self._paint_lines(painter, option.font, text, entry, (strong, muted))
        painter.restore()

    def _paint_lines(
        self,
        painter: QPainter,
        font: QFont,
        rect: QRect,
        entry: CatalogueEntry,
        colours: tuple[QColor, QColor],
    ) -> None:
        """Bold title and the version on the right; the description; who, where and what it needs, quieter."""
        strong, muted = colours
        line = QFontMetrics(font).height()
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        version = version_words(entry.version)
        version_width = QFontMetrics(font).horizontalAdvance(version)
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(strong)
        title_rect = QRect(rect.left(), rect.top(), rect.width() - version_width - PADDING, line)
        painter.drawText(title_rect, left, elided(bold, entry.title or entry.name, title_rect.width()))
        painter.setFont(font)
        painter.setPen(muted)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRect(rect.right() - version_width, rect.top(), version_width, line), right, version)
        painter.setPen(strong)
        second = QRect(rect.left(), rect.top() + line + LINE_GAP, rect.width(), line)
        painter.drawText(second, left, elided(font, entry.description, rect.width()))
        painter.setPen(muted)
        third = second.translated(0, line + LINE_GAP)
        painter.drawText(third, left, elided(font, meta_line(entry), rect.width()))
