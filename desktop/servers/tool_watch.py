"""A running server's tools, kept current: read at the start, and again whenever the server
says they changed (a notification on 2025 revisions, a `subscriptions/listen` stream on 2026-07-28).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import anyio
import anyio.abc
import mcp_types as types
from mcp import Client, MCPError
from mcp.client.session import IncomingMessage
from mcp.client.subscriptions import ListenNotSupportedError, SubscriptionLost
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from desktop.core.events import ToolInfo
from desktop.servers.catalogue import tool_info

LISTEN_FIRST_PAUSE = 1.0
LISTEN_MAX_PAUSE = 60.0
"""Seconds before a dropped `subscriptions/listen` stream is opened again (doubling while it drops)."""
MAX_PAGES = 100


class ToolWatch:
    """One server's tools catalogue; `on_change` hears every new catalogue."""

    def __init__(self, server: str, on_change: Callable[[tuple[ToolInfo, ...]], None]) -> None:
        self._server = server
        self._on_change = on_change
        self._dirty = anyio.Event()
        self.tools: tuple[ToolInfo, ...] = ()

    def clear(self) -> None:
        self._set(())

    async def on_message(self, message: IncomingMessage) -> None:
        """The SDK's message handler: a 2025-revision server's list-changed notification."""
        if isinstance(message, types.ToolListChangedNotification):
            self._dirty.set()

    async def refresh(self, client: Client) -> None:
        collected: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await client.list_tools(cursor=cursor)
            collected.extend(page.tools)
            cursor = page.next_cursor
            if cursor is None:
                break
        self._set(tuple(tool_info(self._server, tool) for tool in collected))

    async def keep_fresh(self, client: Client) -> None:
        """Forever: read the tools again after each announced change."""
        while True:
            await self._dirty.wait()
            self._dirty = anyio.Event()
            with contextlib.suppress(MCPError, TimeoutError):
                await self.refresh(client)

    async def listen(
        self, client: Client, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """2026-07-28 servers announce list changes only on a `subscriptions/listen` stream.

        Ready (for `TaskGroup.start`) once the server acknowledged the stream, so no change
        made right after the start is missed. A stream that ends or drops later is opened
        again, and the tools read again, since nothing missed meanwhile is replayed.
        """
        tools = client.server_capabilities.tools
        if tools is None or not tools.list_changed or client.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS:
            task_status.started()
            return
        ready: anyio.abc.TaskStatus[None] = task_status
        pause = LISTEN_FIRST_PAUSE
        while True:
            try:
                async with client.listen(tools_list_changed=True) as changes:
                    if ready is not task_status:
                        self._dirty.set()
                    ready.started()
                    ready = anyio.TASK_STATUS_IGNORED
                    pause = LISTEN_FIRST_PAUSE
                    async for _ in changes:
                        self._dirty.set()
            except (ListenNotSupportedError, SubscriptionLost, MCPError, TimeoutError):
                if ready is task_status:  # never acknowledged: this server does not offer it
                    task_status.started()
                    return
            await anyio.sleep(pause)
            pause = min(pause * 2, LISTEN_MAX_PAUSE)

    def _set(self, tools: tuple[ToolInfo, ...]) -> None:
        if tools != self.tools:
            self.tools = tools
            self._on_change(tools)
