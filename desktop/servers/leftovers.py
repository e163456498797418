"""Bookkeeping that lets MCP Desk end servers left behind by a crash of its own.

Each running server has a small file in the run folder naming its process (with its
start time, so a recycled pid is never mistaken for it). A clean stop removes the
file; at the next start, whatever is still listed and still running is ended.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import psutil

from desktop.servers.proctree import ProcessTree

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leftover:
    server: str
    pid: int


class LeftoverRegistry:
    def __init__(self, run_dir: Path) -> None:
        self._dir = run_dir

    def record(self, server: str, pid: int) -> None:
        try:
            created = psutil.Process(pid).create_time()
        except psutil.Error:
            return
        self._dir.mkdir(parents=True, exist_ok=True)
        entry = {"server": server, "pid": pid, "create_time": created}
        tmp = self._dir / f".{pid}.tmp"
        tmp.write_text(json.dumps(entry), encoding="utf-8")
        tmp.replace(self._dir / f"server-{pid}.json")

    def forget(self, pid: int) -> None:
        (self._dir / f"server-{pid}.json").unlink(missing_ok=True)

    def sweep(self, grace: float = 2.0) -> list[Leftover]:
        """End every recorded server process that is still running; returns what was ended."""
        ended: list[Leftover] = []
        for path in sorted(self._dir.glob("server-*.json")):
            leftover = _still_running(path)
            if leftover is not None:
                ProcessTree(leftover.pid).end(grace)
                ended.append(leftover)
            path.unlink(missing_ok=True)
        return ended


def _still_running(path: Path) -> Leftover | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        pid, created, server = int(entry["pid"]), float(entry["create_time"]), str(entry["server"])
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring unreadable leftover record %s", path)
        return None
    with contextlib.suppress(psutil.Error):
        if abs(psutil.Process(pid).create_time() - created) < 0.01:
            return Leftover(server, pid)
    return None
