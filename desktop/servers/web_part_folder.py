"""Where MCP Desk keeps the web view part it downloads itself, and what makes it importable.

The part is what Qt WebEngine needs of the `PySide6-Addons` wheel of exactly the running PySide6
version, unpacked into `<data>/parts/webengine/<version>/PySide6/` (the wheel's own layout, cut
down). It is never put into MCP Desk's own install folder: that may not be writable, and an update
of MCP Desk replaces it. A folder exists only once complete (the install renames it into place).
Nothing here imports Qt: the window's side adds the folder to `PySide6.__path__` itself.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

VIEW_SCHEME = "mcp-app"
"""The scheme MCP Desk serves a view's HTML from: its own, so the page can reach no file or other page.
Here, with nothing heavy beside it, because the window registers it before its first paint."""
PARTS = "parts"
WEBENGINE = "webengine"
PACKAGE = "PySide6-Addons"
DOWNLOAD_MB = 175
"""About how big its download is (the Linux x86_64 wheel of 6.11; the others are close)."""

_KEPT = re.compile(r"WebEngineCore|WebEngineWidgets|WebChannel|Positioning|QtWebEngineProcess")
_LEFT_OUT = re.compile(r"Quick|/qml/|/include/|/metatypes/|/typesystems/|/glue/|\.pyi$|/Headers/")
_DATA = ("/resources/", "/qtwebengine_locales/")

PRELOADED = (
    "Core", "Gui", "Widgets", "Network", "OpenGL", "PrintSupport",
    "Qml", "QmlMeta", "QmlModels", "QmlWorkerScript", "Quick", "QuickWidgets",
)  # fmt: skip
"""The Qt libraries of MCP Desk's own PySide6 that the part's libraries need (Linux): their search
path names only the part's folder, so they are loaded first, by path, and then found by name."""


@dataclass(frozen=True)
class WebPartFolder:
    """The part for one PySide6 version, installed there or not."""

    root: Path
    version: str

    @classmethod
    def of(cls, data_dir: Path, version: str) -> WebPartFolder:
        return cls(data_dir / PARTS / WEBENGINE / version, version)

    @property
    def package(self) -> Path:
        """What is added to `PySide6.__path__`."""
        return self.root / "PySide6"

    def installed(self) -> bool:
        return any(self.package.glob("QtWebEngineWidgets.*"))

    def others(self) -> list[Path]:
        """Parts installed for other PySide6 versions (an MCP Desk from before an update)."""
        return [path for path in self.root.parent.glob("*") if path.is_dir() and path != self.root]

    def environment(self, qt_package: Path) -> dict[str, str]:
        """What Qt WebEngine is told of where its helper process, resources and locales are, and (on
        Linux) where that process finds the rest of Qt: `qt_package` is PySide6's own folder."""
        qt = self.package / "Qt"
        if sys.platform == "win32":
            helper, resources = self.package / "QtWebEngineProcess.exe", self.package / "resources"
            locales = self.package / "translations" / "qtwebengine_locales"
        elif sys.platform == "darwin":
            resources = qt / "lib" / "QtWebEngineCore.framework" / "Resources"
            helper = resources.parent / "Helpers/QtWebEngineProcess.app/Contents/MacOS/QtWebEngineProcess"
            locales = resources / "qtwebengine_locales"
        else:
            helper, resources = qt / "libexec" / "QtWebEngineProcess", qt / "resources"
            locales = qt / "translations" / "qtwebengine_locales"
        env = {
            "QTWEBENGINEPROCESS_PATH": str(helper),
            "QTWEBENGINE_RESOURCES_PATH": str(resources),
            "QTWEBENGINE_LOCALES_PATH": str(locales),
        }
        if sys.platform.startswith("linux"):
            env["LD_LIBRARY_PATH"] = str(qt_package / "Qt" / "lib")
        return env


def preloaded_libraries(qt_package: Path) -> list[Path]:
    """Linux only: PySide6's own Qt libraries to load before the part's (those that are there)."""
    if not sys.platform.startswith("linux"):
        return []
    found = (qt_package / "Qt" / "lib" / f"libQt6{name}.so.6" for name in PRELOADED)
    return [path for path in found if path.is_file()]


def place(member: str) -> str | None:
    """Where one of the wheel's files goes inside the part's folder; None for what WebEngine does
    not need (its Qt Quick side, headers, type stubs, the other add-ons, a `PySide6/__init__.py`)."""
    if member.endswith("/") or ".." in member.split("/") or not member.startswith("PySide6/"):
        return None
    if _LEFT_OUT.search(member):
        return None
    if _KEPT.search(member) or any(data in member for data in _DATA):
        return member
    return None
