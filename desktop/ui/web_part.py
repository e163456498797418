"""Whether MCP Desk's web view part (Qt WebEngine, from `PySide6-Addons`) is installed, and what it
needs before the QApplication exists: the part MCP Desk downloaded itself made importable, its URL
scheme registered, and shared OpenGL contexts.

The part is optional: without it, an app view's card offers to download it (`servers/web_part_install`)
and shows the text result. Nothing of WebEngine loads here unless it is installed.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import os
import sys
from enum import Enum
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, Qt

from desktop.core.paths import AppPaths
from desktop.servers.web_part_folder import PRELOADED, VIEW_SCHEME, WebPartFolder, preloaded_libraries

MISSING_ENV = "MCP_DESK_NO_WEB_PART"
"""Set to 1 to behave as if the part were not installed (how the fallback is tested)."""


class PartState(Enum):
    READY = "ready"
    MISSING = "missing"
    """Not installed: it can be downloaded."""
    RESTART = "restart"
    """Downloaded after this MCP Desk started: Qt takes its scheme only before the QApplication."""
    NOT_IN_BUNDLE = "not in bundle"
    """A frozen download without the Qt Quick libraries the part needs (built before they were kept,
    or for Windows or macOS, whose bundles are not ready for it yet)."""


def web_part_available() -> bool:
    if os.environ.get(MISSING_ENV) == "1":
        return False
    return importlib.util.find_spec("PySide6.QtWebEngineWidgets") is not None


def part_state(data_dir: Path) -> PartState:
    if web_part_available():
        return PartState.READY
    if not _takes_part():
        return PartState.NOT_IN_BUNDLE
    if WebPartFolder.of(data_dir, PySide6.__version__).installed():
        return PartState.RESTART
    return PartState.MISSING


def use_downloaded_part(data_dir: Path) -> bool:
    """Make the part MCP Desk downloaded for this PySide6 version importable (before the QApplication:
    its helper process is told where things are through the environment); False where it is not there,
    or not needed (installed with PySide6 itself)."""
    if not _takes_part() or os.environ.get(MISSING_ENV) == "1" or web_part_available():
        return False
    folder = WebPartFolder.of(data_dir, PySide6.__version__)
    if not folder.installed():
        return False
    qt_package = Path(PySide6.__file__).parent
    try:
        for library in preloaded_libraries(qt_package):
            ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return False
    for name, value in folder.environment(qt_package).items():
        kept = os.environ.get(name) if name == "LD_LIBRARY_PATH" else None
        os.environ[name] = os.pathsep.join([value, kept]) if kept else value
    PySide6.__path__.append(str(folder.package))
    importlib.invalidate_caches()
    return web_part_available()


def prepare_web_part(data_dir: Path | None = None) -> None:
    """Call once, before the QApplication: afterwards, Qt no longer takes this attribute.

    WebEngine itself (some 200 MB of library) loads only for the first view (`register_view_scheme`),
    not before the first paint; a downloaded part is tried at once, so a damaged one is known."""
    if QCoreApplication.instance() is not None:
        return
    downloaded = use_downloaded_part(data_dir or AppPaths.from_environment().data_dir)
    if not web_part_available():
        return
    if downloaded:
        try:
            register_view_scheme()
        except ImportError:
            # A part that does not load (damaged on disk, say) must not keep MCP Desk from starting:
            # views are shown as text instead.
            os.environ[MISSING_ENV] = "1"
            return
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    if _is_root():
        # Chromium will not start its sandbox as root (containers, CI): only there, it runs without it.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def register_view_scheme() -> None:
    """Tell WebEngine about the views' own scheme, once, before its first page exists."""
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme

    if QWebEngineUrlScheme.schemeByName(VIEW_SCHEME.encode()).name():
        return
    scheme = QWebEngineUrlScheme(VIEW_SCHEME.encode())
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme)
    QWebEngineUrlScheme.registerScheme(scheme)


def _takes_part() -> bool:
    """Whether this MCP Desk can use a downloaded part: always from Python; a frozen bundle only
    where it carries every Qt library of its own that the part needs (Linux)."""
    if not getattr(sys, "frozen", False):
        return True
    return len(preloaded_libraries(Path(PySide6.__file__).parent)) == len(PRELOADED)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
