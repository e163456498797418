"""Restarting MCP Desk: the window is asked to quit as Quit does, and the new one starts at exit."""

from __future__ import annotations

import atexit
import sys
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop.ui.relaunch import relaunch_command, restart_app


class Window(QWidget):
    quit_requested = Signal()


def test_the_window_is_asked_to_quit_and_the_new_start_waits_for_the_exit(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    at_exit: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
    monkeypatch.setattr(atexit, "register", lambda function, *args: at_exit.append((function, args)))
    window = Window()
    qtbot.addWidget(window)
    button = QPushButton(window)
    with qtbot.waitSignal(window.quit_requested):
        restart_app(button)
    ((_, args),) = at_exit
    assert args == (sys.executable, ["-m", "desktop"])


def test_the_frozen_app_starts_itself_again_without_the_file_it_was_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "argv", ["/opt/mcp-desk/mcp-desk", "/tmp/server.mcpb"])
    assert relaunch_command() == (sys.executable, [])
