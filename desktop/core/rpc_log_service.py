"""The JSON-RPC log as the app runs it: live entries to listeners, batches to disk.

`RpcLogService` implements `RpcLogControl` for the Log page. `run()` (on the service
loop) flushes a few times a second: listeners get each batch first, then the batch is
written to the day's file off the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop.core.events import EventSink, RpcTraffic
from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcEntry, RpcLog
from desktop.core.rpc_log_files import Retention, RpcLogFiles, export_entries

FLUSH_EVERY = 0.1


class RpcLogService:
    def __init__(
        self, folder: Path, redactor: Redactor, events: EventSink, retention: Callable[[], Retention]
    ) -> None:
        self.files = RpcLogFiles(folder, retention)
        self.log = RpcLog(redactor, first_seq=self.files.last_seq() + 1)
        self._events = events
        self._unwritten: list[RpcEntry] = []
        self._writing = asyncio.Lock()
        self.log.sinks.append(self._on_batch)

    def recent(self) -> list[RpcEntry]:
        return self.log.recent()

    async def days(self) -> list[str]:
        return await asyncio.to_thread(self.files.days)

    async def read_day(self, day: str) -> list[RpcEntry]:
        return await asyncio.to_thread(self.files.read_day, day)

    async def export(self, entries: Sequence[RpcEntry], path: Path) -> int:
        return await asyncio.to_thread(export_entries, list(entries), path)

    async def run(self) -> None:
        """Forever: hand new entries to listeners and to disk."""
        await asyncio.to_thread(self.files.prune)
        while True:
            await self.flush()
            await asyncio.sleep(FLUSH_EVERY)

    async def flush(self) -> None:
        self.log.flush()
        async with self._writing:
            batch, self._unwritten = self._unwritten, []
            if batch:
                await asyncio.to_thread(self.files.write, batch)

    def close(self) -> None:
        """Write what is left (synchronously: the loop may be going away)."""
        self.log.flush()
        with contextlib.suppress(OSError):
            self.files.write(self._unwritten)
        self._unwritten = []
        self.files.close()

    def _on_batch(self, entries: tuple[RpcEntry, ...]) -> None:
        self._events.publish(RpcTraffic(entries))
        self._unwritten.extend(entries)
