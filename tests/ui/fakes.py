"""Stand-ins for the service side that speak its Protocols and publish events like it.

`FakeControl` plays the server manager, `FakeRpcLog` the JSON-RPC log and `FakeAudit` the
audit trail. Their coroutines run on a real `ServiceLoop` thread and their events reach the
UI through `Bridge.deliver`, so the UI sees the same thread hops as in the app.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord, VerifyReport
from desktop.core.config import AppSettings, ServerConfig
from desktop.core.consent import CallContext
from desktop.core.events import (
    AuditRecorded,
    Event,
    Notice,
    RpcTraffic,
    ServerOutput,
    ServersChanged,
    ServerState,
    ServerStatus,
    ServerStatusChanged,
    ServerToolsChanged,
    ToolInfo,
)
from desktop.core.rpc_log import RpcEntry
from desktop.servers.control import Approver, ServerProblem, ToolCallOutcome, TrustRequest, TrustRequired
from desktop.servers.importers import ImportEntry, ImportPlan, ImportSource
from desktop.servers.token_finder import FoundSecret


class FakeControl:
    """Servers in memory; every call is recorded in `calls` as (method, *args)."""

    def __init__(self, publish: Callable[[Event], None]) -> None:
        self._publish = publish
        self.configs: dict[str, ServerConfig] = {}
        self._statuses: dict[str, ServerStatus] = {}
        self._tools: dict[str, tuple[ToolInfo, ...]] = {}
        self._output: dict[str, list[str]] = {}
        self.settings = AppSettings()
        self.calls: list[tuple[Any, ...]] = []
        self.plan: ImportPlan | None = None
        self.fail_settings: ServerProblem | None = None

    # -- set-up helpers (test thread, before the bridge is attached) -------------

    def put(self, name: str, config: ServerConfig, **status: Any) -> None:
        self.configs[name] = config
        self._statuses[name] = ServerStatus(
            name,
            status.pop("state", ServerState.STOPPED),
            config.display_command(),
            needs_trust=not config.is_trusted,
            remote=config.is_remote,
            enabled=config.enabled,
            **status,
        )

    def set_tools(self, name: str, *tools: tuple[str, str]) -> None:
        self._tools[name] = tuple(ToolInfo(name, tool, description) for tool, description in tools)

    def set_output(self, name: str, *lines: str) -> None:
        self._output[name] = list(lines)

    # -- events, as the service side would publish them --------------------------

    def change(self, name: str, **changes: Any) -> ServerStatus:
        status = replace(self._statuses[name], **changes)
        self._statuses[name] = status
        self._publish(ServerStatusChanged(status))
        return status

    def emit_output(self, name: str, *lines: str) -> None:
        self._output.setdefault(name, []).extend(lines)
        self._publish(ServerOutput(name, lines))

    def emit_tools(self, name: str, *tools: tuple[str, str]) -> None:
        self.set_tools(name, *tools)
        self._publish(ServerToolsChanged(name, self._tools[name]))

    def emit_notice(self, title: str, message: str, details: str = "") -> None:
        self._publish(Notice(title, message, details))

    def _list_changed(self) -> None:
        self._publish(ServersChanged(tuple(self.configs)))

    # -- ServerControl: reading ---------------------------------------------------

    def statuses(self) -> list[ServerStatus]:
        return list(self._statuses.values())

    def config_of(self, name: str) -> ServerConfig:
        return self.configs[name]

    def tools(self, server: str | None = None) -> list[ToolInfo]:
        return list(self._tools.get(server or "", ()))

    def output_of(self, name: str) -> list[str]:
        return list(self._output.get(name, []))

    def trust_request(self, name: str) -> TrustRequest:
        config = self.configs[name]
        return TrustRequest(
            server=name,
            command_line=config.display_command(),
            env_names=tuple(sorted(config.env)),
            header_names=tuple(sorted(config.headers)),
            cwd=config.cwd,
            launch_hash=config.launch_hash(),
            changed=config.trusted_launch is not None and not config.is_trusted,
            origin=config.origin,
        )

    def app_settings(self) -> AppSettings:
        return self.settings

    def keeping(self) -> FakeControl:
        """Nothing lost here; tests/ui/test_settings_keeping.py drives the real settings keeper."""
        return self

    def lost_servers(self) -> None:
        return None

    # -- ServerControl: acting ----------------------------------------------------

    async def start(self, name: str) -> ServerStatus:
        self.calls.append(("start", name))
        if not self.configs[name].is_trusted:
            raise TrustRequired(self.trust_request(name))
        return self.change(name, state=ServerState.RUNNING, started_at=time.time(), needs_trust=False)

    async def stop(self, name: str) -> None:
        self.calls.append(("stop", name))
        self.change(name, state=ServerState.STOPPED, started_at=None)

    async def restart(self, name: str) -> None:
        self.calls.append(("restart", name))
        await self.start(name)

    async def trust(self, name: str, launch_hash: str, by: Approver = Approver.USER) -> None:
        self.calls.append(("trust", name, launch_hash))
        config = self.configs[name]
        self.configs[name] = config.model_copy(update={"trusted_launch": launch_hash})
        self.change(name, needs_trust=False)

    async def add(self, name: str, config: ServerConfig) -> None:
        self.calls.append(("add", name, config))
        self.put(name, config)
        self._list_changed()

    async def update(self, name: str, config: ServerConfig, new_name: str | None = None) -> None:
        self.calls.append(("update", name, config, new_name))
        del self.configs[name], self._statuses[name]
        self.put(new_name or name, config)
        self._list_changed()

    async def remove(self, name: str) -> None:
        self.calls.append(("remove", name))
        del self.configs[name], self._statuses[name]
        self._list_changed()

    async def save_app_settings(self, settings: AppSettings) -> None:
        self.calls.append(("save_app_settings", settings))
        if self.fail_settings is not None:
            raise self.fail_settings
        self.settings = settings

    async def change_app_settings(self, changes: Mapping[str, Any]) -> AppSettings:
        settings = self.settings.model_copy(update=dict(changes))
        await self.save_app_settings(settings)
        return settings

    async def preview_import(self, source: ImportSource, path: Path | None) -> ImportPlan:
        self.calls.append(("preview_import", source, path))
        assert self.plan is not None
        return self.plan

    async def apply_import(self, plan: ImportPlan, move_secrets: bool = True) -> list[str]:
        self.calls.append(("apply_import", plan, move_secrets))
        added = [entry.name for entry in plan.to_import]
        for entry in plan.to_import:
            assert entry.config is not None
            self.put(entry.name, entry.config)
        self._list_changed()
        return added

    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome:
        raise NotImplementedError


def import_plan(path: Path) -> ImportPlan:
    """What Claude Desktop's settings file might yield: one new, one renamed, one already there."""
    time_config = ServerConfig(command="uvx", args=["mcp-server-time"])
    return ImportPlan(
        ImportSource.CLAUDE,
        path,
        (
            ImportEntry(
                "weather",
                "weather",
                ServerConfig(command="npx", args=["-y", "weather-mcp"], env={"WEATHER_KEY": "wk-123456789"}),
                "add",
                found_secrets=(FoundSecret("env", "WEATHER_KEY", "wk-123456789", "WEATHER_KEY"),),
            ),
            ImportEntry(
                "my files",
                "my-files",
                ServerConfig(command="npx", args=["@modelcontextprotocol/server-filesystem", "/home/me"]),
                "rename",
                ("“my files” can't be a server name in MCP Desk, so it is added as “my-files”.",),
                ("github-token",),
            ),
            ImportEntry("time", "time", time_config, "skip", ("It is already in MCP Desk.",)),
        ),
    )


class FakeRpcLog:
    """`RpcLogControl` in memory; `export` really writes the file."""

    def __init__(self, publish: Callable[[Event], None]) -> None:
        self._publish = publish
        self.ring: list[RpcEntry] = []
        self.day_files: dict[str, list[RpcEntry]] = {}
        self.calls: list[tuple[Any, ...]] = []
        self.fail_export: ServerProblem | None = None

    def publish(self, entries: Sequence[RpcEntry]) -> None:
        """One batch, as `RpcLog.flush()` hands it out."""
        self.ring.extend(entries)
        self._publish(RpcTraffic(tuple(entries)))

    def recent(self) -> list[RpcEntry]:
        return list(self.ring)

    async def days(self) -> list[str]:
        self.calls.append(("days",))
        return sorted(self.day_files, reverse=True)

    async def read_day(self, day: str) -> list[RpcEntry]:
        self.calls.append(("read_day", day))
        return list(self.day_files[day])

    async def export(self, entries: Sequence[RpcEntry], path: Path) -> int:
        self.calls.append(("export", len(entries), path))
        if self.fail_export is not None:
            raise self.fail_export
        await asyncio.to_thread(_write_lines, path, [entry.to_json() for entry in entries])
        return len(entries)


class FakeAudit:
    """`AuditControl` in memory, hash-chained like the real trail; `export` really writes the file."""

    def __init__(self, publish: Callable[[Event], None]) -> None:
        self._publish = publish
        self.records: list[AuditRecord] = []
        self.calls: list[tuple[Any, ...]] = []
        self.report = VerifyReport(True, 0, message="The audit trail is intact.")

    def add(self, kind: AuditKind, when: float, **data: Any) -> AuditRecord:
        """Append a record (before the bridge is attached, or to be published)."""
        prev_hash = self.records[-1].hash if self.records else ""
        body = json.dumps([len(self.records) + 1, when, kind.value, data, prev_hash], sort_keys=True)
        record = AuditRecord(
            len(self.records) + 1, when, kind, data, prev_hash, hashlib.sha256(body.encode()).hexdigest()
        )
        self.records.append(record)
        return record

    def emit(self, kind: AuditKind, when: float, **data: Any) -> AuditRecord:
        record = self.add(kind, when, **data)
        self._publish(AuditRecorded(record))
        return record

    async def query(self, where: AuditFilter, limit: int = 5000) -> list[AuditRecord]:
        self.calls.append(("query", where, limit))
        return [record for record in self.records if _audit_matches(where, record)][-limit:]

    async def verify(self) -> VerifyReport:
        self.calls.append(("verify",))
        return self.report

    async def export(self, path: Path, fmt: str, since: float | None = None) -> int:
        self.calls.append(("export", path, fmt, since))
        if fmt == "jsonl":
            await asyncio.to_thread(_write_lines, path, [record.to_json() for record in self.records])
        else:
            await asyncio.to_thread(_write_csv, path, self.records)
        return len(self.records)


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _write_csv(path: Path, records: list[AuditRecord]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["seq", "time", "kind", "data", "prev_hash", "hash"])
        for r in records:
            writer.writerow([r.seq, r.time, r.kind.value, json.dumps(r.data), r.prev_hash, r.hash])


def _audit_matches(where: AuditFilter, record: AuditRecord) -> bool:
    return (
        (where.kind is None or record.kind is where.kind)
        and (not where.server or record.server == where.server)
        and (where.since is None or record.time >= where.since)
        and where.text.lower() in json.dumps(record.data, ensure_ascii=False).lower()
    )


DIAGNOSIS = "mcp desk: 0.1.0\nkeyring: a test keyring\nserver files: ok — /usr/bin/python3"


async def fake_diagnosis() -> str:
    return DIAGNOSIS
