"""A server's start waiting for MCP Desk's own runtime to be installed, and Stop cancelling that."""

from __future__ import annotations

import asyncio

import anyio

from desktop.core.config import ServerConfig
from desktop.servers.runtime_control import RuntimePreparer, RuntimeProgress


async def prepare_until_stopped(
    preparer: RuntimePreparer, config: ServerConfig, progress: RuntimeProgress, stop: anyio.Event
) -> None:
    """`preparer.prepare(config)`, cancelled (leaving nothing half-installed) once `stop` is set;
    what it raises is raised as it is."""
    work = asyncio.ensure_future(preparer.prepare(config, progress))
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        work.cancel()
        await asyncio.wait({work, stopped})
    if not work.cancelled():
        work.result()
