"""Realistic history for the Log and Audit pages: numbered, timed, paired messages and records."""

from __future__ import annotations

import json
from typing import Any

from desktop.core.audit_records import AuditKind
from desktop.core.rpc_log import Direction, EntryKind, Flag, RpcEntry
from tests.ui.fakes import FakeAudit


class Wire:
    """Builds realistic log entries: numbered, timed, requests paired with their answers."""

    def __init__(self, start: float = 1_750_000_000.0, first_seq: int = 1) -> None:
        self.now = start
        self._seq = first_seq
        self._pending: dict[tuple[str, str], RpcEntry] = {}

    def _add(self, server: str, direction: Direction, kind: EntryKind, text: str, **fields: Any) -> RpcEntry:
        self.now += fields.pop("after_ms", 3.0) / 1000
        size = 0 if kind is EntryKind.LIFECYCLE else len(text.encode())
        entry = RpcEntry(self._seq, self.now, server, direction, kind, text, size, **fields)
        self._seq += 1
        return entry

    def request(
        self, server: str, rpc_id: int, method: str, params: dict[str, Any] | None = None
    ) -> RpcEntry:
        message = {"jsonrpc": "2.0", "id": rpc_id, "method": method, "params": params or {}}
        entry = self._add(
            server, Direction.OUT, EntryKind.REQUEST, json.dumps(message), rpc_id=str(rpc_id), method=method
        )
        self._pending[(server, str(rpc_id))] = entry
        return entry

    def response(
        self, server: str, rpc_id: int, result: Any, after_ms: float = 12.0, flags: tuple[Flag, ...] = ()
    ) -> RpcEntry:
        request = self._pending.pop((server, str(rpc_id)))
        message = {"jsonrpc": "2.0", "id": rpc_id, "result": result}
        return self._add(
            server,
            Direction.IN,
            EntryKind.RESPONSE,
            json.dumps(message),
            rpc_id=str(rpc_id),
            method=request.method,
            pair=request.seq,
            latency_ms=after_ms,
            flags=flags,
            after_ms=after_ms,
        )

    def timeout(self, server: str, rpc_id: int, after_ms: float = 30_000.0) -> RpcEntry:
        request = self._pending[(server, str(rpc_id))]
        params = {"requestId": rpc_id, "reason": "timed out after 30 s"}
        message = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": params}
        return self._add(
            server,
            Direction.OUT,
            EntryKind.NOTIFICATION,
            json.dumps(message),
            method="notifications/cancelled",
            pair=request.seq,
            flags=(Flag.TIMEOUT,),
            after_ms=after_ms,
        )

    def stderr(self, server: str, line: str) -> RpcEntry:
        return self._add(server, Direction.IN, EntryKind.STDERR, line)

    def lifecycle(self, server: str, text: str) -> RpcEntry:
        return self._add(server, Direction.EVENT, EntryKind.LIFECYCLE, text)

    def many(self, count: int, server: str = "flood") -> list[RpcEntry]:
        """`count` small notifications, as a chatty server sends them."""
        return [
            self._add(
                server, Direction.IN, EntryKind.NOTIFICATION, f'{{"n":{n}}}', method="ping", after_ms=0.05
            )
            for n in range(count)
        ]


def sample_traffic(wire: Wire) -> list[RpcEntry]:
    """Two servers starting, listing and calling tools: answers, a tool error, a time-out, stderr."""
    read = {"name": "read_file", "arguments": {"path": "notes/todo.txt"}}
    forecast = {"name": "forecast", "arguments": {"city": "Lisbon", "days": 3}}
    return [
        wire.lifecycle("files", "Started (process 4242)"),
        wire.request("files", 0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}}),
        wire.stderr("files", "files server ready, serving /home/me"),
        wire.response("files", 0, {"serverInfo": {"name": "files", "version": "1.2.0"}}, after_ms=84),
        wire.request("files", 1, "tools/list"),
        wire.response("files", 1, {"tools": [{"name": "read_file"}, {"name": "list_folder"}]}, after_ms=6),
        wire.lifecycle("weather", "Started (process 4250)"),
        wire.request("weather", 0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}}),
        wire.response("weather", 0, {"serverInfo": {"name": "weather", "version": "0.4.1"}}, after_ms=410),
        wire.request("files", 2, "tools/call", read),
        wire.response(
            "files", 2, {"content": [{"type": "text", "text": "- buy milk\n- call Ana"}], "isError": False}
        ),
        wire.request("weather", 1, "tools/call", forecast),
        wire.stderr("weather", "warning: upstream API slow, retrying"),
        wire.timeout("weather", 1),
        wire.request("files", 3, "tools/call", {"name": "read_file", "arguments": {"path": "/etc/shadow"}}),
        wire.response(
            "files",
            3,
            {"content": [{"type": "text", "text": "Outside the shared folder"}], "isError": True},
            after_ms=2,
            flags=(Flag.TOOL_ERROR,),
        ),
    ]


def sample_trail(audit: FakeAudit, call_at: float) -> None:
    """Servers added and approved, a call allowed at `call_at` (request id 2 of `files`) and one denied."""
    builtin = "python -m desktop.builtin_servers.files"
    audit.add(AuditKind.SERVER_ADDED, call_at - 60, server="files", command=builtin)
    audit.add(AuditKind.TRUST, call_at - 55, server="files", launch_hash="9f2c41d07a")
    audit.add(AuditKind.SERVER_ADDED, call_at - 51, server="weather", command="npx -y weather-mcp")
    asked = {"server": "files", "how": "asked", "chat": "Groceries"}
    read = {"tool": "read_file", "tool_hash": "c0ffee12", "arguments": {"path": "notes/todo.txt"}}
    call = audit.add(AuditKind.TOOL_CALL, call_at - 0.001, **asked, **read, decision="allowed", reason="")
    outcome = {"status": "ok", "result_sha256": "5e8f3a", "preview": "- buy milk", "duration_ms": 12.0}
    audit.add(
        AuditKind.TOOL_RESULT,
        call_at + 0.02,
        call=call.seq,
        server="files",
        tool="read_file",
        **outcome,
        error="",
        rpc_id=2,
        started=call_at,
    )
    write = {
        "tool": "write_file",
        "tool_hash": "beefcafe",
        "arguments": {"path": "notes/todo.txt", "text": ""},
    }
    audit.add(AuditKind.TOOL_CALL, call_at + 30, **asked, **write, decision="denied", reason="You said no.")
