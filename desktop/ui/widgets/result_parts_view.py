"""What a tool sent besides its text, on its card: images drawn, sounds to save, resources to open.

Nothing is fetched unasked: an image is drawn from the bytes the server sent, and a link to a resource
is read from its server only when the user presses its Open. Kinds are said in words (“Picture”, “PDF
document”); the server's addresses and types are only in tooltips. Names, addresses and text came from a
server, so every label is plain text.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, Qt, Signal
from PySide6.QtGui import QImageReader, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from desktop.servers.resources import ResourceRead
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
from desktop.ui.resource_opener import ResourceOpener
from desktop.ui.style import hint, selectable
from desktop.ui.widgets.markdown_view import plain, plain_tip

MAX_PIXELS = 40_000_000
"""A 5 MB file can unpack into gigabytes; a picture bigger than 40 megapixels is not drawn."""
IMAGE_HEIGHT = 240
"""The tallest an image is drawn on its card; a click shows it whole."""


def not_kept(part: MediaPart | EmbeddedPart) -> str:
    if part.size > MAX_PART_BYTES:
        return (
            QCoreApplication.translate(
                "ResultParts",
                "Too big to show here (%1). MCP Desk keeps up to %2 of each result, so it was not kept.",
            )
            .replace("%1", size_words(part.size))
            .replace("%2", size_words(MAX_PART_BYTES))
        )
    return QCoreApplication.translate(
        "ResultParts", "The server sent it in a form MCP Desk could not read, so it is not shown."
    )


def kind_words(mime_type: str) -> str:
    """What a person calls a thing of `mime_type`: “Picture”, “Sound”, “PDF document”, “Text file”."""
    named = {
        "application/pdf": QCoreApplication.translate("ResultParts", "PDF document"),
        "application/json": QCoreApplication.translate("ResultParts", "Data file"),
    }
    if mime_type in named:
        return named[mime_type]
    kinds = {
        "image": QCoreApplication.translate("ResultParts", "Picture"),
        "audio": QCoreApplication.translate("ResultParts", "Sound"),
        "video": QCoreApplication.translate("ResultParts", "Video"),
        "text": QCoreApplication.translate("ResultParts", "Text file"),
    }
    return kinds.get(mime_type.partition("/")[0], QCoreApplication.translate("ResultParts", "File"))


def counted(count: int, one: str, many: str) -> str:
    """“a picture”, “2 pictures”."""
    return one if count == 1 else many.replace("%n", f"{count:,}")


def parts_words(parts: tuple[ResultPart, ...]) -> list[str]:
    """What a result holds besides its text, counted: “2 pictures”, “a sound”, “3 files”."""
    pictures = sum(isinstance(p, MediaPart) and p.kind == "image" for p in parts)
    sounds = sum(isinstance(p, MediaPart) and p.kind != "image" for p in parts)
    files = sum(isinstance(p, LinkPart | EmbeddedPart) for p in parts)
    words = [
        (
            pictures,
            QCoreApplication.translate("ResultParts", "a picture"),
            QCoreApplication.translate("ResultParts", "%n pictures"),
        ),
        (
            sounds,
            QCoreApplication.translate("ResultParts", "a sound"),
            QCoreApplication.translate("ResultParts", "%n sounds"),
        ),
        (
            files,
            QCoreApplication.translate("ResultParts", "a file"),
            QCoreApplication.translate("ResultParts", "%n files"),
        ),
    ]
    return [counted(count, one, many) for count, one, many in words if count]


def _tip(uri: str, mime_type: str) -> str:
    """The server's own words for a part (its address and type), for a tooltip only."""
    return "\n".join(filter(None, (uri, mime_type)))


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

    def __init__(self, parent: QWidget | None = None, opener: ResourceOpener | None = None) -> None:
        super().__init__(parent)
        self._opener = opener
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._shown: tuple[ResultPart, ...] = ()
        self._source = ""
        self._server = ""
        self.opened: PartDialog | None = None
        """The last image or file opened in its own window."""

    def show_parts(self, parts: tuple[ResultPart, ...], source: str = "", server: str = "") -> None:
        """`parts` of a result from the tool called `source` (its title) on `server`."""
        shown = tuple(part for part in parts if not isinstance(part, TextPart))
        self._source, self._server = source, server
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
                "ResultParts", "MCP Desk cannot draw this picture. You can save it."
            )
        )
        return self._item(
            kind_words(part.mime_type),
            why,
            part.mime_type,
            part,
            QCoreApplication.translate("ResultParts", "Save picture…"),
        )

    def _picture(self, part: MediaPart, pixmap: QPixmap) -> QWidget:
        """The picture, and under it what it is and that a click shows it whole."""
        box = QWidget(self)
        image = ImageLabel(pixmap, box)
        measure = f"{pixmap.width()} × {pixmap.height()}"
        about = f"{kind_words(part.mime_type)}, {measure}, {size_words(part.size)}"
        title = (
            QCoreApplication.translate("ResultParts", "Picture from %1 (%2)")
            .replace("%1", self._source or QCoreApplication.translate("ResultParts", "the tool"))
            .replace("%2", measure)
        )
        data, mime = part.data, part.mime_type
        saving = partial(save_bytes, self, data, mime, "picture")
        image.clicked.connect(lambda: self._open(PartDialog(title, about, self, pixmap=pixmap, save=saving)))
        caption = plain(
            hint(
                QCoreApplication.translate("ResultParts", "%1. Click it to see it at full size.").replace(
                    "%1", about
                ),
                box,
            )
        )
        caption.setToolTip(plain_tip(part.mime_type))
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(image)
        layout.addWidget(caption)
        return box

    def _sound(self, part: MediaPart) -> QWidget:
        why = (
            QCoreApplication.translate("ResultParts", "Save it to play it in your music or video player.")
            if part.kept
            else not_kept(part)
        )
        return self._item(
            f"{kind_words(part.mime_type)}, {size_words(part.size)}",
            why,
            part.mime_type,
            part,
            QCoreApplication.translate("ResultParts", "Save sound…"),
        )

    def _link(self, part: LinkPart) -> QWidget:
        about = f"“{part.title or part.name}”"
        if part.mime_type:
            about += f" · {kind_words(part.mime_type)}"
        detail = part.description or QCoreApplication.translate("ResultParts", "Kept on the server")
        opens = None
        if self._opener is not None and self._opener.available():
            opens = QPushButton(QCoreApplication.translate("ResultParts", "Open"))
            opens.setToolTip(QCoreApplication.translate("ResultParts", "Ask the server for it and show it"))
            opens.clicked.connect(partial(self._read, part, about))
        return self._item(about, detail, _tip(part.uri, part.mime_type), opens=opens)

    def _read(self, part: LinkPart, about: str) -> None:
        assert self._opener is not None
        self._opener.read(
            self._server,
            part.uri,
            lambda read: self._open(PartDialog(about, plain_about(read), self, text=read.text)),
            lambda problem: self._open(PartDialog(about, problem.message, self)),
        )

    def _embedded(self, part: EmbeddedPart) -> QWidget:
        about = f"{kind_words(part.mime_type)}, {size_words(part.size)}"
        tip = _tip(part.uri, part.mime_type)
        if part.text is None:
            detail = (
                QCoreApplication.translate("ResultParts", "You can save it.") if part.data else not_kept(part)
            )
            return self._item(
                about, detail, tip, part, QCoreApplication.translate("ResultParts", "Save file…")
            )
        text = part.text
        button = QPushButton(QCoreApplication.translate("ResultParts", "Open"))
        button.setToolTip(QCoreApplication.translate("ResultParts", "Show what the server sent"))
        saving = partial(save_bytes, self, text.encode(), part.mime_type, part.uri.rsplit("/", 1)[-1])
        title = QCoreApplication.translate("ResultParts", "%1 from %2").replace(
            "%1", kind_words(part.mime_type)
        )
        title = title.replace("%2", self._source or QCoreApplication.translate("ResultParts", "the tool"))
        button.clicked.connect(lambda: self._open(PartDialog(title, about, self, text=text, save=saving)))
        detail = QCoreApplication.translate("ResultParts", "Open it to read it.")
        return self._item(about, detail, tip, opens=button)

    def _item(
        self,
        about: str,
        detail: str,
        tip: str,
        saved: MediaPart | EmbeddedPart | None = None,
        save: str = "",
        opens: QPushButton | None = None,
    ) -> QWidget:
        """A row: what it is, in words, under it what to do or why it isn't shown; Open or Save. The
        server's own words (its address, its type) only in the tooltip."""
        row = QWidget(self)
        row.setToolTip(plain_tip(tip))
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


def plain_about(read: ResourceRead) -> str:
    """What a read brought, for the viewer's line above it: its kind and size."""
    kinds = dict.fromkeys(kind_words(content.mime_type) for content in read.contents)
    return f"{', '.join(kinds)}, {size_words(read.size)}"
