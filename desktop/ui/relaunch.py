"""Restarting MCP Desk: this one quits the way the user's Quit does (servers stopped first), and the
new one starts once this process has ended, so that it does not find this one still running and
hand itself over to it (`single_instance`)."""

from __future__ import annotations

import atexit
import sys

from PySide6.QtCore import QCoreApplication, QProcess
from PySide6.QtWidgets import QWidget


def relaunch_command() -> tuple[str, list[str]]:
    """The program and arguments that start this MCP Desk's window again (not a file it was started
    with: that was taken care of already)."""
    if getattr(sys, "frozen", False):
        return sys.executable, []
    return sys.executable, ["-m", "desktop"]


def restart_app(widget: QWidget) -> None:
    """Quit through `widget`'s window (its `quit_requested`, where it has one), then start again."""
    program, arguments = relaunch_command()
    atexit.register(QProcess.startDetached, program, arguments)
    quit_requested = getattr(widget.window(), "quit_requested", None)
    if quit_requested is not None:
        quit_requested.emit()
    else:
        QCoreApplication.quit()
