"""A server's captured output: bounded, and handed to listeners in batches."""

from __future__ import annotations

from collections import deque

from desktop.core.events import EventSink, ServerOutput
from desktop.core.redact import Redactor

MAX_LINES = 2000


class OutputLog:
    """Lines are masked (`Redactor`) before they are kept."""

    def __init__(self, redactor: Redactor, max_lines: int = MAX_LINES) -> None:
        self._redactor = redactor
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._pending: deque[str] = deque(maxlen=max_lines)

    def append(self, line: str) -> None:
        line = self._redactor.mask(line)
        self._lines.append(line)
        self._pending.append(line)

    def lines(self) -> list[str]:
        return list(self._lines)

    def flush_pending_into(self, events: EventSink, server: str) -> None:
        """Publish what arrived since the last flush as one event (called a few times a second)."""
        if self._pending:
            batch = tuple(self._pending)
            self._pending.clear()
            events.publish(ServerOutput(server, batch))
