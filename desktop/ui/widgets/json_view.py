"""A read-only view of a JSON message or record, pretty-printed and coloured."""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QPalette, QSyntaxHighlighter, QTextCharFormat, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from desktop.ui.style import monospace_font

HIGHLIGHT_LIMIT = 256 * 1024
"""Longer texts are shown without colours, so a huge message never stalls the window."""

LIGHT = {"key": "#1f5fbf", "string": "#2e7d32", "number": "#a85400", "literal": "#8e24aa"}
DARK = {"key": "#82b4ff", "string": "#8fd694", "number": "#f2ab62", "literal": "#d9a0f2"}

TOKENS = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<number>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)"
    r"|(?P<literal>\b(?:true|false|null)\b)"
)


def pretty(text: str) -> tuple[str, bool]:
    """`text` indented if it is JSON (and True), or as it is (and False)."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False), True
    except ValueError:
        return text, False


class JsonHighlighter(QSyntaxHighlighter):
    """Keys, strings, numbers and true/false/null, each in its own colour."""

    def __init__(self, parent: QObject, dark: bool) -> None:
        super().__init__(parent)
        self._formats: dict[str, QTextCharFormat] = {}
        for name, colour in (DARK if dark else LIGHT).items():
            char_format = QTextCharFormat()
            char_format.setForeground(QColor(colour))
            self._formats[name] = char_format

    def highlightBlock(self, text: str) -> None:
        for match in TOKENS.finditer(text):
            kind = match.lastgroup or ""
            if match.group("string") is not None:
                kind = "key" if match.group("colon") else "string"
                self.setFormat(match.start(), len(match.group("string")), self._formats[kind])
            else:
                self.setFormat(match.start(), match.end() - match.start(), self._formats[kind])


class JsonView(QPlainTextEdit):
    """Shows `show_text` / `show_value` content; text that is not JSON is shown as it is.

    Long values wrap at the view's width, so nothing runs off to the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(monospace_font())
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(True)
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        self.highlighter = JsonHighlighter(self, dark)

    def show_text(self, text: str) -> None:
        shown, is_json = pretty(text)
        self._show(shown, is_json)

    def show_value(self, value: Any) -> None:
        """A Python value (a record's data) as indented JSON."""
        self._show(json.dumps(value, indent=2, ensure_ascii=False, default=str), True)

    def _show(self, text: str, is_json: bool) -> None:
        wanted = self.document() if is_json and len(text) <= HIGHLIGHT_LIMIT else None
        if self.highlighter.document() is not wanted:
            self.highlighter.setDocument(wanted)
        self.setPlainText(text)
