"""What a tool sent besides its text, on its card: images drawn, sounds to save, resources to open.

Nothing here is fetched from anywhere: an image is drawn from the bytes the server sent, and a
link to a resource is shown with its address and type (reading it needs the resources support).
Names, addresses and text came from a server, so every label is plain text.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, Qt, Signal
from PySide6.QtGui import QImageReader, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from desktop.servers.result_parts import (
    MAX_PART_BYTES,
    EmbeddedPart,
    LinkPart,
    MediaPart,
    ResultPart,
    TextPart,
    size_words,
)
from desktop.ui.dialogs.part_dialog import PartDialog, save_bytes
from desktop.ui.style import hint, selectable
from desktop.ui.widgets.markdown_view import plain

MAX_PIXELS = 40_000_000
"""A 5 MB file can unpack into gigabytes; a picture bigger than 40 megapixels is not drawn."""
IMAGE_HEIGHT = 240
"""The tallest an image is drawn on its card; a click shows it whole."""


def not_kept(part: MediaPart | EmbeddedPart) -> str:
    if part.size > MAX_PART_BYTES:
        return (
            QCoreApplication.translate(
                "ResultParts", "It is %1, more than MCP Desk keeps (%2), so it is not shown."
            )
            .replace("%1", size_words(part.size))
            .replace("%2", size_words(MAX_PART_BYTES))
        )
    return QCoreApplication.translate(
        "ResultParts", "The server sent it in a form MCP Desk could not read, so it is not shown."
    )


def drawn(data: bytes) -> QPixmap | None:
    """The picture in `data`; None for what can't be drawn or would unpack too big to hold."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    reader = QImageReader(buffer)
    size = reader.size()
    if not size.isValid() or size.width() * size.height() > MAX_PIXELS:
        return None
    image = reader.read()
    return None if image.isNull() else QPixmap.fromImage(image)


class ImageLabel(QLabel):
    """An image scaled to fit the card; a click opens it at full size.

    Signals:
        clicked(): the user wants to see it whole.
    """

    clicked = Signal()

    def __init__(self, pixmap: QPixmap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full = pixmap
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(QCoreApplication.translate("ResultParts", "Click to see the image at full size"))
        self.setAccessibleName(QCoreApplication.translate("ResultParts", "Image from the tool"))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._fit(self.width())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() is Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit(event.size().width())

    def _fit(self, width: int) -> None:
        """Never wider than the card or taller than IMAGE_HEIGHT, never blown up past its own size."""
        w = min(max(width, 1), self.full.width())
        scaled = self.full.scaledToWidth(w, Qt.TransformationMode.SmoothTransformation)
        if scaled.height() > IMAGE_HEIGHT:
            scaled = self.full.scaledToHeight(IMAGE_HEIGHT, Qt.TransformationMode.SmoothTransformation)
        self.setPixmap(scaled)
        self.setFixedHeight(scaled.height())


class ResultPartsView(QWidget):
    """The non-text parts of a result, one row each, in the order the server sent them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._shown: tuple[ResultPart, ...] = ()
        self.opened: PartDialog | None = None
        """The last image or file opened in its own window."""

    def show_parts(self, parts: tuple[ResultPart, ...]) -> None:
        shown = tuple(part for part in parts if not isinstance(part, TextPart))
        if shown == self._shown:
            return
        self._shown = shown
        while (item := self._layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        for part in shown:
            self._layout.addWidget(self._row(part))
        self.setVisible(bool(shown))

    def _row(self, part: ResultPart) -> QWidget:
        if isinstance(part, MediaPart):
            return self._image(part) if part.kind == "image" else self._sound(part)
        if isinstance(part, LinkPart):
            return self._link(part)
        assert isinstance(part, EmbeddedPart)
        return self._embedded(part)

    def _image(self, part: MediaPart) -> QWidget:
        pixmap = drawn(part.data) if part.kept else None
        if pixmap is not None:
            return self._picture(part, pixmap)
        why = (
            not_kept(part)
            if not part.kept
            else QCoreApplication.translate(
                "ResultParts", "MCP Desk cannot draw this image. You can save it."
            )
        )
        return self._item(
            QCoreApplication.translate("ResultParts", "Image (%1)").replace("%1", part.mime_type),
            why,
            part,
            QCoreApplication.translate("ResultParts", "Save image…"),
        )

    def _picture(self, part: MediaPart, pixmap: QPixmap) -> QWidget:
        """The image, and under it what it is and that a click shows it whole."""
        box = QWidget(self)
        image = ImageLabel(pixmap, box)
        about = f"{part.mime_type}, {pixmap.width()} × {pixmap.height()}, {size_words(part.size)}"
        data, mime = part.data, part.mime_type
        saving = partial(save_bytes, self, data, mime, "image")
        image.clicked.connect(
            lambda: self._open(
                PartDialog(
                    QCoreApplication.translate("ResultParts", "Image"),
                    about,
                    self,
                    pixmap=pixmap,
                    save=saving,
                )
            )
        )
        caption = plain(
            hint(
                QCoreApplication.translate(
                    "ResultParts", "Image (%1). Click it to see it at full size."
                ).replace("%1", about),
                box,
            )
        )
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(image)
        layout.addWidget(caption)
        return box

    def _sound(self, part: MediaPart) -> QWidget:
        about = f"{part.mime_type}, {size_words(part.size)}"
        why = (
            QCoreApplication.translate("ResultParts", "Save it to play it in your music or video player.")
            if part.kept
            else not_kept(part)
        )
        return self._item(
            QCoreApplication.translate("ResultParts", "Sound recording (%1)").replace("%1", about),
            why,
            part,
            QCoreApplication.translate("ResultParts", "Save sound…"),
        )

    def _link(self, part: LinkPart) -> QWidget:
        name = part.title or part.name
        kind = f" · {part.mime_type}" if part.mime_type else ""
        about = (
            QCoreApplication.translate("ResultParts", "A link to “%1” on the server%2")
            .replace("%1", name)
            .replace("%2", kind)
        )
        where = QCoreApplication.translate("ResultParts", "Its address on the server: %1").replace(
            "%1", part.uri
        )
        return self._item(about, where + (f"\n{part.description}" if part.description else ""))

    def _embedded(self, part: EmbeddedPart) -> QWidget:
        about = QCoreApplication.translate("ResultParts", "A file from the server: %1").replace(
            "%1", f"{part.mime_type}, {size_words(part.size)}"
        )
        if part.text is None:
            detail = part.uri if part.data else f"{part.uri}\n{not_kept(part)}"
            return self._item(about, detail, part, QCoreApplication.translate("ResultParts", "Save file…"))
        text = part.text
        button = QPushButton(QCoreApplication.translate("ResultParts", "Open"))
        button.setToolTip(QCoreApplication.translate("ResultParts", "Show what the server sent"))
        saving = partial(save_bytes, self, text.encode(), part.mime_type, part.uri.rsplit("/", 1)[-1])
        button.clicked.connect(lambda: self._open(PartDialog(part.uri, about, self, text=text, save=saving)))
        return self._item(about, part.uri, opens=button)

    def _item(
        self,
        about: str,
        detail: str,
        saved: MediaPart | EmbeddedPart | None = None,
        save: str = "",
        opens: QPushButton | None = None,
    ) -> QWidget:
        """A row: what it is, in words, under it its address or why it isn't shown; Open or Save."""
        row = QWidget(self)
        words = QVBoxLayout()
        words.setSpacing(0)
        words.addWidget(plain(selectable(QLabel(about, row))))
        detail_label = plain(selectable(hint(detail, row)))
        detail_label.setWordWrap(True)
        words.addWidget(detail_label)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(words, 1)
        if saved is not None and saved.data:
            data, mime, name = saved.data, saved.mime_type, getattr(saved, "uri", "")
            button = QPushButton(save, row)
            button.clicked.connect(lambda: save_bytes(self, data, mime, name.rsplit("/", 1)[-1]))
            layout.addWidget(button)
        if opens is not None:
            layout.addWidget(opens)
        return row

    def _open(self, dialog: PartDialog) -> None:
        self.opened = dialog
        dialog.open()
