"""What the audit trail holds, and what the UI and the CLI may ask of it.

Kept apart from `core/audit.py` (which owns the SQLite file) so the UI can use these
types without importing `sqlite3`.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

CSV_COLUMNS = ("seq", "time", "kind", "server", "tool", "summary", "data", "prev_hash", "hash")


class AuditKind(StrEnum):
    TOOL_CALL = "tool call"
    """A decision about a tool call, written before the call goes out."""
    TOOL_RESULT = "tool result"
    """How an allowed call ended; `data["call"]` is the seq of its `TOOL_CALL` record."""
    TRUST = "server approved"
    SERVER_ADDED = "server added"
    SERVER_CHANGED = "server changed"
    SERVER_REMOVED = "server removed"
    SECRET_ADDED = "secret added"
    SECRET_REMOVED = "secret removed"
    RULE_ADDED = "permission remembered"
    RULE_REVOKED = "permission revoked"
    POLICY_CHANGED = "server permissions changed"
    ELICITATION = "server asked the user"
    SAMPLING = "server asked the model"
    MODEL_LOADED = "model loaded"
    MODEL_UNLOADED = "model unloaded"
    RESOURCE_READ = "resource read"
    """A server's resource read: by the user by hand, or by the model (then its decision first)."""
    TRAIL_SEALED = "trail sealed"
    """From here on every record is sealed with `data["key"]` (this install's key; see `audit_keys`)."""


class ConsentHow(StrEnum):
    """How a tool call's decision was reached."""

    ASKED = "asked"
    RULE = "remembered rule"
    COMMAND_LINE = "command line --yes"
    READ_ONLY = "read-only tools of this server trusted"
    STOPPED = "stopped before an answer"


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    time: float
    kind: AuditKind
    data: dict[str, Any]
    """Kind-specific fields (for tool calls: server, tool, arguments, decision, how, ...)."""
    prev_hash: str
    hash: str

    @property
    def server(self) -> str:
        return str(self.data.get("server", ""))

    def summary(self) -> str:
        """One plain line for a table row."""
        data = self.data
        match self.kind:
            case AuditKind.TOOL_CALL:
                verb = "Allowed" if data.get("decision") == "allowed" else "Denied"
                asked_by = f", asked by {data['app']}" if data.get("app") else ""
                return f"{verb} {data.get('server')} → {data.get('tool')} ({data.get('how')}{asked_by})"
            case AuditKind.TOOL_RESULT:
                took = f"{data.get('duration_ms', 0):.0f} ms"
                return f"{data.get('server')} → {data.get('tool')} {data.get('status', '')} in {took}"
            case AuditKind.RESOURCE_READ:
                what = f"{data.get('server')} → {data.get('uri')}"
                if data.get("status") == "decided":
                    verb = "Allowed" if data.get("decision") == "allowed" else "Denied"
                    return f"{verb} the model to read {what} ({data.get('how')})"
                return f"Read {what} by {data.get('by')}: {data.get('status')}"
            case AuditKind.RULE_ADDED | AuditKind.RULE_REVOKED if data.get("tool"):
                what = f"{data.get('server')} → {data.get('tool')}"
                return f"{self.kind.value.capitalize()}: {what} ({data.get('scope')})"
            case _:
                name = data.get("server") or data.get("name") or data.get("model") or ""
                return f"{self.kind.value.capitalize()}: {name}".rstrip(": ")

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "kind": self.kind.value,
            "data": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def csv_row(self) -> list[str | int]:
        """The values for `CSV_COLUMNS`, the time in local ISO-8601."""
        stamp = datetime.fromtimestamp(self.time).astimezone().isoformat(timespec="milliseconds")
        data = json.dumps(self.data, ensure_ascii=False, sort_keys=True)
        tool = str(self.data.get("tool", ""))
        return [
            self.seq,
            stamp,
            self.kind.value,
            self.server,
            tool,
            self.summary(),
            data,
            self.prev_hash,
            self.hash,
        ]


@dataclass(frozen=True)
class AuditFilter:
    kind: AuditKind | None = None
    server: str = ""
    text: str = ""
    """Case-insensitive, anywhere in the record's data."""
    since: float | None = None


class Finding(StrEnum):
    """What a check of the trail found, first thing first."""

    INTACT = "intact"
    NOT_SEALED = "not sealed"
    """No usable keyring: only the records' order and links could be checked."""
    KEY_MISSING = "key missing"
    """Some records are sealed with a key this computer's keyring does not hold (a new computer)."""
    CHANGED = "changed"
    ADDED = "added"
    CUT = "cut"
    REPLACED = "replaced"
    DAMAGED = "damaged"


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    first_bad: int | None = None
    """The seq of the first record that was changed, removed or moved (or where the gap is)."""
    message: str = ""
    """Plain sentences for the user: what was found, then what could still be checked."""
    finding: Finding = Finding.INTACT
    key: str = ""
    """The fingerprint of this computer's audit key, where there is one (to compare with an export's)."""


class AuditWriter(Protocol):
    async def record(self, kind: AuditKind, data: dict[str, Any]) -> AuditRecord:
        """Append one record; returns once it is durable on disk."""
        ...

    def append(self, kind: AuditKind, data: dict[str, Any]) -> Future[AuditRecord]:
        """Queue one record and go on; it is written in the background, in order, and synced soon after."""
        ...


class AuditControl(Protocol):
    """What the Audit page and the CLI may ask of the trail (coroutines run on the service loop)."""

    async def query(self, where: AuditFilter, limit: int = 5000) -> list[AuditRecord]:
        """Newest last."""
        ...

    async def verify(self) -> VerifyReport: ...

    async def export(self, path: Path, fmt: str, since: float | None = None) -> int:
        """Write jsonl or csv to `path`; returns how many records."""
        ...
