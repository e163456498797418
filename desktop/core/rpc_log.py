"""The live JSON-RPC log: every message on every server connection, as it crossed the wire.

Transports report what they sent and received (`servers/wire_tap.py`); `RpcLog` numbers
each entry, pairs responses with their requests (latency, timeouts, cancellations, late
answers), masks secrets, keeps a bounded ring in memory and hands batches to the files
and to listeners. Everything but `recent()` runs on the service loop.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol

from desktop.core.redact import Redactor

MAX_TEXT_CHARS = 1024 * 1024
"""Longer messages are kept in part (the size column still says how big they were)."""
RING_ENTRIES = 20_000
MAX_PENDING = 10_000
"""Unanswered requests remembered per server, for pairing."""


class Direction(StrEnum):
    OUT = "out"
    """From MCP Desk to the server."""
    IN = "in"
    """From the server to MCP Desk (messages, stderr, junk)."""
    EVENT = "event"
    """Something that happened to the server (started, crashed, restarted)."""


class EntryKind(StrEnum):
    REQUEST = "request"
    RESPONSE = "response"
    ERROR = "error"
    NOTIFICATION = "notification"
    STDERR = "stderr"
    JUNK = "junk"
    """Output on the message channel that is not a JSON-RPC message."""
    HTTP = "http"
    """A remote server's HTTP error answer instead of a message: its status, sign-in challenge and body."""
    LIFECYCLE = "lifecycle"


class Flag(StrEnum):
    TIMEOUT = "timeout"
    """A cancellation sent because the request took too long."""
    CANCELLED = "cancelled"
    LATE = "late"
    """A response to a request that had already been cancelled."""
    UNMATCHED = "unmatched"
    """A response to no request MCP Desk knows of."""
    TOOL_ERROR = "tool error"
    """A `tools/call` result with `isError: true`."""
    TRUNCATED = "truncated"
    HTTP_ERROR = "http error"
    """An HTTP error other than 401, which only asks to sign in (MCP Desk then does)."""


PROBLEM_FLAGS = frozenset(
    {Flag.TIMEOUT, Flag.CANCELLED, Flag.LATE, Flag.UNMATCHED, Flag.TOOL_ERROR, Flag.HTTP_ERROR}
)


@dataclass(frozen=True, slots=True)
class RpcEntry:
    seq: int
    """Unique across sessions of one data folder; `pair` refers to it."""
    time: float
    server: str
    direction: Direction
    kind: EntryKind
    text: str
    """The message exactly as sent or received (secrets masked), or the line, or the event."""
    size: int
    """Bytes on the wire."""
    rpc_id: str | None = None
    method: str | None = None
    """For responses, the method of the request they answer."""
    pair: int | None = None
    """For responses and cancellations, the `seq` of their request."""
    latency_ms: float | None = None
    flags: tuple[Flag, ...] = ()

    @property
    def is_problem(self) -> bool:
        return self.kind in (EntryKind.ERROR, EntryKind.JUNK) or any(f in PROBLEM_FLAGS for f in self.flags)

    def to_json(self) -> str:
        """One line of the log files: what `json.dumps` makes of the fields, written out by hand
        because a flood writes tens of thousands a second and this takes a fifth of the time."""
        return (
            f'{{"seq": {self.seq}, "time": {self.time!r}, "server": {_string(self.server)}, '
            f'"direction": "{self.direction.value}", "kind": "{self.kind.value}", '
            f'"id": {_optional(self.rpc_id)}, "method": {_optional(self.method)}, "size": {self.size}, '
            f'"pair": {"null" if self.pair is None else self.pair}, '
            f'"latency_ms": {"null" if self.latency_ms is None else repr(self.latency_ms)}, '
            f'"flags": [{", ".join(_string(flag.value) for flag in self.flags)}], '
            f'"text": {_string(self.text)}}}'
        )

    @classmethod
    def from_json(cls, line: str) -> RpcEntry:
        """Raises ValueError (or KeyError/TypeError) for a line that is not an entry."""
        data: dict[str, Any] = json.loads(line)
        return cls(
            seq=_typed(data["seq"], int),
            time=float(_typed(data["time"], int | float)),
            server=_typed(data["server"], str),
            direction=Direction(data["direction"]),
            kind=EntryKind(data["kind"]),
            text=_typed(data["text"], str),
            size=_typed(data["size"], int),
            rpc_id=_typed(data.get("id"), str | None),
            method=_typed(data.get("method"), str | None),
            pair=_typed(data.get("pair"), int | None),
            latency_ms=_typed(data.get("latency_ms"), int | float | None),
            flags=tuple(Flag(f) for f in _typed(data.get("flags", []), list)),
        )


_string: Callable[[str], str] = json.encoder.encode_basestring
"""A JSON string with only what must be escaped escaped (json.dumps with ensure_ascii=False)."""


def _optional(text: str | None) -> str:
    return "null" if text is None else _string(text)


def _typed(value: Any, kind: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{value!r} is not {kind}")
    return value


@dataclass(frozen=True)
class LogFilter:
    """What the Log page and `mcp-desk log export` narrow the log to; empty fields match all."""

    server: str = ""
    direction: Direction | None = None
    kind: EntryKind | None = None
    method: str = ""
    problems_only: bool = False
    text: str = ""
    since: float | None = None
    rpc_id: str | None = None

    def matches(self, entry: RpcEntry) -> bool:
        if self.server and entry.server != self.server:
            return False
        if self.direction is not None and entry.direction is not self.direction:
            return False
        if self.kind is not None and entry.kind is not self.kind:
            return False
        if self.method and self.method not in (entry.method or ""):
            return False
        if self.problems_only and not entry.is_problem:
            return False
        if self.since is not None and entry.time < self.since:
            return False
        if self.rpc_id is not None and entry.rpc_id != self.rpc_id:
            return False
        return not self.text or self.text.lower() in entry.text.lower()

    def apply(self, entries: Sequence[RpcEntry]) -> list[RpcEntry]:
        return [entry for entry in entries if self.matches(entry)]


class RpcLogControl(Protocol):
    """What the Log page may ask of the log (coroutines run on the service loop)."""

    def recent(self) -> list[RpcEntry]:
        """What is in memory now, oldest first; safe to call from any thread."""
        ...

    async def days(self) -> list[str]:
        """Days (YYYY-MM-DD, newest first) with a log on disk."""
        ...

    async def read_day(self, day: str) -> list[RpcEntry]: ...

    async def export(self, entries: Sequence[RpcEntry], path: Path) -> int:
        """Write `entries` as JSONL to `path` (secrets masked); returns how many."""
        ...


class EntrySink(Protocol):
    def __call__(self, entries: tuple[RpcEntry, ...]) -> None: ...


@dataclass
class _Pending:
    seq: int
    time: float
    method: str
    cancelled: bool = False


class RpcLog:
    """Numbers, pairs and masks entries; `flush()` hands the new ones to `sinks` in one batch."""

    def __init__(self, redactor: Redactor, first_seq: int = 1, ring: int = RING_ENTRIES) -> None:
        self._redactor = redactor
        self._next_seq = first_seq
        self._ring: deque[RpcEntry] = deque(maxlen=ring)
        self._batch: list[RpcEntry] = []
        self._waiting: defaultdict[str, dict[tuple[Direction, str], _Pending]] = defaultdict(dict)
        """Per server, the current run's requests still waiting for an answer, by (direction, id)."""
        self._lock = threading.Lock()
        self.sinks: list[EntrySink] = []
        self.clock: Callable[[], float] = time.time

    def recent(self) -> list[RpcEntry]:
        with self._lock:
            return list(self._ring)

    def message(
        self,
        server: str,
        direction: Direction,
        kind: EntryKind,
        text: str,
        size: int,
        rpc_id: str | None = None,
        method: str | None = None,
        *,
        cancels: tuple[str, str] | None = None,
        tool_error: bool = False,
    ) -> RpcEntry:
        """One JSON-RPC message; `cancels` is (request id, reason) of a `notifications/cancelled`."""
        now = self.clock()
        waiting = self._waiting[server]
        pair = latency = None
        flags: list[Flag] = [Flag.TOOL_ERROR] if tool_error else []
        if kind is EntryKind.REQUEST and rpc_id is not None:
            if len(waiting) >= MAX_PENDING:
                waiting.pop(next(iter(waiting)))
            waiting[(direction, rpc_id)] = _Pending(self._next_seq, now, method or "")
        elif kind in (EntryKind.RESPONSE, EntryKind.ERROR) and rpc_id is not None:
            origin = Direction.IN if direction is Direction.OUT else Direction.OUT
            request = waiting.pop((origin, rpc_id), None)
            if request is None:
                flags.append(Flag.UNMATCHED)
            else:
                pair, method = request.seq, request.method
                latency = (now - request.time) * 1000
                if request.cancelled:
                    flags.append(Flag.LATE)
        elif cancels is not None:
            request = waiting.get((direction, cancels[0]))
            flags.append(Flag.TIMEOUT if cancels[1].startswith("timed out") else Flag.CANCELLED)
            if request is not None:
                request.cancelled = True
                pair = request.seq
        return self._add(server, direction, kind, text, size, rpc_id, method, pair, latency, flags, now)

    def line(self, server: str, kind: EntryKind, text: str) -> RpcEntry:
        """A stderr line, or junk on the message channel."""
        return self._add(
            server, Direction.IN, kind, text, len(text.encode()), None, None, None, None, [], None
        )

    def http(self, server: str, status: int, text: str, size: int) -> RpcEntry:
        """A remote server's HTTP error answer; `text` begins "HTTP <status> <reason>"."""
        flags = [] if status == HTTPStatus.UNAUTHORIZED else [Flag.HTTP_ERROR]
        return self._add(
            server, Direction.IN, EntryKind.HTTP, text, size, None, None, None, None, flags, None
        )

    def lifecycle(self, server: str, text: str, *, new_run: bool = False) -> RpcEntry:
        """An event in a server's life; `new_run` forgets the old run's unanswered requests."""
        if new_run:
            self._waiting.pop(server, None)
        return self._add(
            server, Direction.EVENT, EntryKind.LIFECYCLE, text, 0, None, None, None, None, [], None
        )

    def flush(self) -> None:
        """Hand what arrived since the last flush to every sink (called a few times a second)."""
        with self._lock:
            batch, self._batch = tuple(self._batch), []
        if batch:
            for sink in self.sinks:
                sink(batch)

    def _add(
        self,
        server: str,
        direction: Direction,
        kind: EntryKind,
        text: str,
        size: int,
        rpc_id: str | None,
        method: str | None,
        pair: int | None,
        latency: float | None,
        flags: list[Flag],
        now: float | None,
    ) -> RpcEntry:
        text = self._redactor.mask(text)
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
            flags.append(Flag.TRUNCATED)
        entry = RpcEntry(
            self._next_seq,
            self.clock() if now is None else now,
            server,
            direction,
            kind,
            text,
            size,
            rpc_id,
            method,
            pair,
            latency,
            tuple(flags),
        )
        self._next_seq += 1
        with self._lock:
            self._ring.append(entry)
            self._batch.append(entry)
        return entry
