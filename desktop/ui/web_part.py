"""Whether MCP Desk's web view part (Qt WebEngine, from `PySide6-Addons`) is installed, and what it
needs before the QApplication exists: its URL scheme registered, and shared OpenGL contexts.

The part is optional (`pip install "mcp-desk[apps]"`): without it, an app view's card says so
and shows the text result. Nothing of WebEngine loads here unless it is installed.
"""

from __future__ import annotations

import importlib.util
import os

from PySide6.QtCore import QCoreApplication, Qt

from desktop.servers.app_views import VIEW_SCHEME

MISSING_ENV = "MCP_DESK_NO_WEB_PART"
"""Set to 1 to behave as if the part were not installed (how the fallback is tested)."""


def web_part_available() -> bool:
    if os.environ.get(MISSING_ENV) == "1":
        return False
    return importlib.util.find_spec("PySide6.QtWebEngineWidgets") is not None


def prepare_web_part() -> None:
    """Call once, before the QApplication: afterwards, Qt no longer takes a scheme or this attribute."""
    if not web_part_available() or QCoreApplication.instance() is not None:
        return
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme

    if QWebEngineUrlScheme.schemeByName(VIEW_SCHEME.encode()).name():
        return
    scheme = QWebEngineUrlScheme(VIEW_SCHEME.encode())
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme)
    QWebEngineUrlScheme.registerScheme(scheme)
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    if _is_root():
        # Chromium will not start its sandbox as root (containers, CI): only there, it runs without it.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
