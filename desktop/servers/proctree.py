"""A server's whole process tree: what it costs and how to end all of it.

`npx` starts `node`, `uvx` starts `python`, and servers start helpers of their own, so
the program MCP Desk launched is only the root. Every descendant ever seen is
remembered, because a child whose parent died is no longer in the parent's tree.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class TreeUsage:
    cpu_percent: float
    memory_bytes: int
    processes: int


class ProcessTree:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._known: dict[int, psutil.Process] = {}
        self._group: int | None = None
        with contextlib.suppress(psutil.Error, OSError):
            self._known[pid] = psutil.Process(pid)
            if sys.platform != "win32":
                self._group = os.getpgid(pid)

    def alive(self) -> list[psutil.Process]:
        """Every known or newly found process of the tree that still runs."""
        for proc in list(self._known.values()):
            with contextlib.suppress(psutil.Error):
                for child in proc.children(recursive=True):
                    self._known.setdefault(child.pid, child)
        return [p for p in self._known.values() if _running(p)]

    def usage(self) -> TreeUsage:
        cpu, memory, count = 0.0, 0, 0
        for proc in self.alive():
            with contextlib.suppress(psutil.Error):
                cpu += proc.cpu_percent(None)
                memory += proc.memory_info().rss
                count += 1
        return TreeUsage(cpu_percent=cpu, memory_bytes=memory, processes=count)

    def end(self, grace: float) -> list[int]:
        """SIGTERM everything, SIGKILL what is still there after `grace` seconds.

        Blocking; returns the pids that had to be killed.
        """
        procs = self.alive()
        self._signal_group(signal.SIGTERM)
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.terminate()
        _, survivors = psutil.wait_procs(procs, timeout=grace)
        self._signal_group(signal.SIGKILL if sys.platform != "win32" else signal.SIGTERM)
        for proc in survivors:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(survivors, timeout=grace)
        return [p.pid for p in survivors]

    def _signal_group(self, sig: int) -> None:
        if self._group is not None and self._group != os.getpgid(0):
            with contextlib.suppress(OSError):
                os.killpg(self._group, sig)


def _running(proc: psutil.Process) -> bool:
    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False
