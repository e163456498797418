"""Icons shipped with MCP Desk.

They live in `desktop/resources/icons/`, inside the package, so the same path works in a
source checkout, an installed wheel (package-data) and a frozen app. Page icons are drawn
with `currentColor`, which is replaced by the palette's text colour so they follow the
OS theme (light or dark).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICON_SIZES = (16, 20, 24, 32, 48, 64, 128, 256)


def icon_path(name: str) -> Path:
    """The SVG file of icon `name` (without the extension)."""
    return ICONS_DIR / f"{name}.svg"


def app_icon() -> QIcon:
    return _rendered(icon_path("mcp-desk").read_bytes())


def page_icon(name: str, color: QColor) -> QIcon:
    """A monochrome icon drawn in `color` (usually the palette's text colour)."""
    svg = icon_path(name).read_bytes().replace(b"currentColor", color.name().encode())
    return _rendered(svg)


def _rendered(svg: bytes) -> QIcon:
    renderer = QSvgRenderer(QByteArray(svg))
    icon = QIcon()
    for size in ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon
