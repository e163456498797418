"""A stand-in for the server manager that speaks `ServerControl` and publishes events like it.

Its coroutines run on a real `ServiceLoop` thread and its events reach the UI through
`Bridge.deliver` from that thread, so the UI sees the same thread hops as in the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop.core.config import AppSettings, ServerConfig
from desktop.core.events import (
    Event,
    Notice,
    ServerOutput,
    ServersChanged,
    ServerState,
    ServerStatus,
    ServerStatusChanged,
    ServerToolsChanged,
    ToolInfo,
)
from desktop.servers.control import ServerProblem, ToolCallOutcome, TrustRequest, TrustRequired
from desktop.servers.importers import ImportEntry, ImportPlan, ImportSource


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
        )

    def app_settings(self) -> AppSettings:
        return self.settings

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

    async def trust(self, name: str, launch_hash: str) -> None:
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

    async def preview_import(self, source: ImportSource, path: Path | None) -> ImportPlan:
        self.calls.append(("preview_import", source, path))
        assert self.plan is not None
        return self.plan

    async def apply_import(self, plan: ImportPlan) -> list[str]:
        self.calls.append(("apply_import", plan))
        added = [entry.name for entry in plan.to_import]
        for entry in plan.to_import:
            assert entry.config is not None
            self.put(entry.name, entry.config)
        self._list_changed()
        return added

    async def call_tool(self, qualified_name: str, arguments: dict[str, Any]) -> ToolCallOutcome:
        raise NotImplementedError


def import_plan(path: Path) -> ImportPlan:
    """What Claude Desktop's settings file might yield: one new, one renamed, one already there."""
    time_config = ServerConfig(command="uvx", args=["mcp-server-time"])
    return ImportPlan(
        ImportSource.CLAUDE,
        path,
        (
            ImportEntry("weather", "weather", ServerConfig(command="npx", args=["-y", "weather-mcp"]), "add"),
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
