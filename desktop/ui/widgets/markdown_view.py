"""Text the model wrote, shown as Markdown without ever acting on it.

Qt's own Markdown reader with HTML turned off: a `<script>` or `<img>` in the text stays text.
Images are never fetched, not from the network and not from disk; each is replaced by its
description. Links are not followed; clicking one asks the page first.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QSizeF, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QTextCursor, QTextDocument, QTextFormat, QTextOption, QWheelEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QTextBrowser, QWidget

CODE_GROUND = QColor(128, 128, 128, 40)
"""Readable on light and dark palettes alike."""
MARKDOWN = QTextDocument.MarkdownFeature.MarkdownDialectGitHub | QTextDocument.MarkdownFeature.MarkdownNoHTML


def plain(label: QLabel) -> QLabel:
    """A label that never reads its text as HTML."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def plain_tip(text: str) -> str:
    """`text` as a tooltip that shows it as it is (tooltips read anything tag-like as HTML)."""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>" if text else ""


class SafeDocument(QTextDocument):
    """A document that loads nothing it is pointed at."""

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        return None

    def set_markdown(self, text: str) -> None:
        self.setMarkdown(text, MARKDOWN)
        self._replace_images()
        self._shade_code()

    def _shade_code(self) -> None:
        """Code blocks on a grey ground, wrapped like the rest (the view never scrolls sideways)."""
        block = self.begin()
        while block.isValid():
            block_format = block.blockFormat()
            if block_format.hasProperty(QTextFormat.Property.BlockCodeLanguage):
                block_format.setNonBreakableLines(False)
                block_format.setBackground(CODE_GROUND)
                QTextCursor(block).setBlockFormat(block_format)
            block = block.next()

    def _replace_images(self) -> None:
        found: list[tuple[int, str]] = []
        block = self.begin()
        while block.isValid():
            fragments = block.begin()
            while not fragments.atEnd():
                fragment = fragments.fragment()
                if fragment.charFormat().isImageFormat():
                    found.append((fragment.position(), image_text(fragment.charFormat())))
                fragments += 1
            block = block.next()
        for position, text in reversed(found):
            cursor = QTextCursor(self)
            cursor.setPosition(position)
            cursor.setPosition(position + 1, QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(text)


def image_text(char_format: QTextFormat) -> str:
    """“[image: a cat]”: what stands in for a picture that is not loaded."""
    image = char_format.toImageFormat()
    alt = str(image.property(QTextFormat.Property.ImageAltText) or "").strip()
    return f"[image: {alt}]" if alt else "[image]"


class MarkdownView(QTextBrowser):
    """A read-only text as tall as its content, for one message in a scrolling transcript.

    Signals:
        link_clicked(QUrl): the user clicked a link; nothing was opened.
    """

    link_clicked = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocument(SafeDocument(self))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.setTabChangesFocus(True)
        self.document().setDocumentMargin(2)
        self.document().documentLayout().documentSizeChanged.connect(self._on_layout_size_changed)
        self.anchorClicked.connect(self.link_clicked)
        self.setFixedHeight(self._height_for(self.document().size()))

    def safe_document(self) -> SafeDocument:
        document = self.document()
        assert isinstance(document, SafeDocument)
        return document

    def show_markdown(self, text: str) -> None:
        self.safe_document().set_markdown(text)

    def show_plain(self, text: str) -> None:
        self.setPlainText(text)

    def _height_for(self, size: QSizeF) -> int:
        return int(size.height() + 0.999) + 2 * self.frameWidth()

    def _on_layout_size_changed(self, size: QSizeF) -> None:
        self.setFixedHeight(self._height_for(size))

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()
