"""Icons shipped with MCP Desk.

They live in `desktop/resources/icons/`, inside the package, so the same path works in a
source checkout, an installed wheel (package-data) and a frozen app. Page icons are drawn
with `currentColor`, which is replaced by a colour of the application's palette each time
they are painted, so they follow the OS theme (light or dark) even when it changes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICON_SIZES = (16, 20, 24, 32, 48, 64, 128, 256)


def icon_path(name: str) -> Path:
    """The SVG file of icon `name` (without the extension)."""
    return ICONS_DIR / f"{name}.svg"


def app_icon() -> QIcon:
    return _rendered(icon_path("mcp-desk").read_bytes())


def page_icon(name: str, role: QPalette.ColorRole = QPalette.ColorRole.WindowText) -> QIcon:
    """A monochrome icon drawn in the palette's `role` colour (greyed out when disabled)."""
    return QIcon(PaletteIconEngine(icon_path(name).read_bytes(), role))


class PaletteIconEngine(QIconEngine):
    """Renders an SVG in the application palette's colour of the moment; pixmaps are cached per colour."""

    def __init__(self, svg: bytes, role: QPalette.ColorRole) -> None:
        super().__init__()
        self._svg = svg
        self._role = role
        self._cache: dict[tuple[str, int, int], QPixmap] = {}

    def clone(self) -> QIconEngine:
        return PaletteIconEngine(self._svg, self._role)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.drawPixmap(rect, self.pixmap(rect.size(), mode, state))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        group = QPalette.ColorGroup.Disabled if mode is QIcon.Mode.Disabled else QPalette.ColorGroup.Active
        colour = QGuiApplication.palette().color(group, self._role).name()
        width, height = round(size.width() * scale), round(size.height() * scale)
        key = (colour, width, height)
        if key not in self._cache:
            svg = self._svg.replace(b"currentColor", colour.encode())
            self._cache[key] = _drawn(QSvgRenderer(QByteArray(svg)), width, height)
        pixmap = QPixmap(self._cache[key])
        pixmap.setDevicePixelRatio(scale)
        return pixmap


def _rendered(svg: bytes) -> QIcon:
    renderer = QSvgRenderer(QByteArray(svg))
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(_drawn(renderer, size, size))
    return icon


def _drawn(renderer: QSvgRenderer, width: int, height: int) -> QPixmap:
    pixmap = QPixmap(width, height)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, width, height))
    painter.end()
    return pixmap
