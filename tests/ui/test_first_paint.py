"""The first paint needs nothing but Qt, and it changes no answer PySide6 gives about modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.ui import first_paint

ROOT = Path(__file__).resolve().parents[2]

PAINT_ONLY = """
import sys
from desktop.ui.first_paint import open_window
window = open_window(["mcp-desk"])
assert window.isVisible()
loaded = set(sys.modules)
heavy = {"asyncio", "pydantic", "qasync", "mcp", "llama_cpp", "desktop.ui.bridge", "desktop.services"}
print(sorted(heavy & loaded))
"""

SCAN = """
import linecache, sys
from desktop.ui.first_paint import open_window
open_window(["mcp-desk"])
from desktop.ui.style import SPACING
from json.tool import main
feature = sys.modules["shibokensupport.feature"]
print(feature.pyside_feature_dict["desktop.ui.style"], feature.pyside_feature_dict["json.tool"])
print(any(name.endswith(("ui/style.py", "json/tool.py")) for name in linecache.cache))
"""


def run(code: str, tmp_path: Path) -> list[str]:
    env = dict(os.environ, MCP_DESK_HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()


def test_the_window_paints_before_the_services_pydantic_or_asyncio_load(tmp_path: Path) -> None:
    assert run(PAINT_ONLY, tmp_path) == ["[]"]


def test_pyside_still_tells_qt_modules_from_others_without_keeping_their_sources(tmp_path: Path) -> None:
    answers, cached = run(SCAN, tmp_path)
    assert answers == "0 -1"  # style.py uses PySide6 (features switchable); json.tool does not
    assert cached == "False"  # their sources were read, not kept


class _Tray:
    """What `first_paint` asks of QSystemTrayIcon, answered as this test says (offscreen has no tray)."""

    available = True

    @classmethod
    def isSystemTrayAvailable(cls) -> bool:
        return cls.available


@pytest.mark.parametrize(("tray", "shown"), [(True, False), (False, True)])
def test_a_hidden_start_stays_in_the_tray_but_shows_the_window_where_there_is_no_tray(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tray: bool, shown: bool
) -> None:
    monkeypatch.setattr(_Tray, "available", tray)
    monkeypatch.setattr(first_paint, "QSystemTrayIcon", _Tray)
    window = first_paint.open_window(["mcp-desk"], tmp_path / "window.ini", hidden=True)
    qtbot.addWidget(window)
    assert window.isVisible() is shown


def test_a_plain_start_shows_the_window_even_with_a_tray(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(first_paint, "QSystemTrayIcon", _Tray)
    window = first_paint.open_window(["mcp-desk"], tmp_path / "window.ini")
    qtbot.addWidget(window)
    assert window.isVisible()
