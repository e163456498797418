"""A tool result's image at full size, or a resource the server sent, in a window of its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.style import hint
from desktop.ui.widgets.markdown_view import plain

EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "text/plain": ".txt",
}


class PartDialog(QDialog):
    """Shows `pixmap` at full size, or `text` in a read-only box; its Save button calls `save`."""

    def __init__(
        self,
        title: str,
        about: str,
        parent: QWidget | None = None,
        *,
        pixmap: QPixmap | None = None,
        text: str | None = None,
        save: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        layout.addWidget(plain(hint(about, self)))
        if pixmap is not None:
            self.image = QLabel(self)
            self.image.setPixmap(pixmap)
            scroll = QScrollArea(self)
            scroll.setWidget(self.image)
            scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(scroll, 1)
            self.resize(min(pixmap.width() + 60, 1000), min(pixmap.height() + 120, 800))
        if text is not None:
            self.text_box = QPlainTextEdit(self)
            self.text_box.setReadOnly(True)
            self.text_box.setPlainText(text)
            layout.addWidget(self.text_box, 1)
            self.resize(640, 480)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.addButton(self.tr("Save…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setToolTip(self.tr("Save it as a file on this computer"))
        self.save_button.setVisible(save is not None)
        if save is not None:
            self.save_button.clicked.connect(save)
        layout.addWidget(buttons)


def save_bytes(parent: QWidget, data: bytes, mime_type: str, name: str) -> None:
    """Ask where, then write `data` there (what a server sent, so the user picks the place)."""
    suggested = Path(name).name or "result"
    if not Path(suggested).suffix:
        suggested += EXTENSIONS.get(mime_type, "")
    path, _ = QFileDialog.getSaveFileName(parent, parent.tr("Save as"), suggested)
    if not path:
        return
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            parent.tr("Not saved"),
            parent.tr(
                "MCP Desk could not save the file there. "
                "Choose another folder, or check there is room on the disk."
            ),
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.setDetailedText(str(exc))
        box.open()
