"""Starting MCP Desk for an app that needs its endpoint: in the background, in the tray, on its own.

Imports nothing heavy: `desktop/main.py` reads `HIDDEN_FLAG` from here before the window loads.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HIDDEN_FLAG = "--hidden"
"""`mcp-desk --hidden`: the window starts hidden, in the tray (shown where there is no tray)."""

HOST = "127.0.0.1"
START_WAIT_SECONDS = 20.0
"""How long the bridge waits for a freshly started MCP Desk to open its endpoint."""
_POLL_SECONDS = 0.2


def endpoint_answers(port: int) -> bool:
    """Something accepts connections on `port` on this computer."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def start_detached(command: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start `command` outside this process's group and console, so it outlives the app that started
    the bridge; its output goes nowhere (the bridge's stdout carries protocol only)."""
    flags = 0
    if sys.platform == "win32":
        flags = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
    return subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
        creationflags=flags,
        start_new_session=sys.platform != "win32",
    )


@dataclass(frozen=True)
class StartOutcome:
    answering: bool
    """The endpoint accepts connections now."""
    exit_code: int | None = None
    """The started program ended with this code (non-zero) before the endpoint answered."""


def start_and_wait(
    command: Sequence[str], port: int, claim: Path, wait_seconds: float = START_WAIT_SECONDS
) -> StartOutcome:
    """Start MCP Desk with `command` and wait, at most `wait_seconds`, until `port` answers.

    Another bridge that began starting it less than `wait_seconds` ago holds `claim`: then this one
    only waits, so two apps starting at once don't start MCP Desk twice. Stops waiting early when
    the program ends with an error: it will not open the endpoint.
    """
    process = start_detached(command) if _claimed(claim, wait_seconds) else None
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if endpoint_answers(port):
            return StartOutcome(True)
        code = process.poll() if process is not None else None
        if code is not None and code != 0:
            return StartOutcome(False, code)
        time.sleep(_POLL_SECONDS)
    return StartOutcome(endpoint_answers(port))


def _claimed(claim: Path, fresh_for: float) -> bool:
    """This bridge may start MCP Desk: nobody else claimed it in the last `fresh_for` seconds."""
    claim.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if time.time() - claim.stat().st_mtime < fresh_for:
            return False
        claim.unlink()
    try:
        os.close(os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:  # another bridge claimed it between the two lines above
        return False
    return True
