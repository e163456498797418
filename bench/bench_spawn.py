"""Spawn to tools listed: ServerManager.start vs the bare SDK Client, same server."""

from __future__ import annotations

import asyncio
import os
import sys
import time

from common import ECHO_SERVER, fresh_home, quick_rounds, report

from desktop.cli.asker import TerminalAsker
from desktop.core.config import ServerConfig
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.services import build_services

ROUNDS = quick_rounds(8, 3)


async def bare_sdk() -> float:
    from mcp import Client, StdioServerParameters

    start = time.perf_counter()
    async with Client(StdioServerParameters(command=sys.executable, args=[str(ECHO_SERVER)])) as client:
        await client.list_tools()
        elapsed = time.perf_counter() - start
    return elapsed * 1000


async def ours(manager) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    await manager.start("echo")
    assert manager.tools("echo")
    elapsed = time.perf_counter() - start
    await manager.stop("echo")
    return elapsed * 1000


async def measure() -> float:
    os.environ["MCP_DESK_HOME"] = str(fresh_home())
    services = build_services(AppPaths.from_environment(), EventBus(), TerminalAsker(allow_all=False))
    manager = services.manager
    config = ServerConfig(command=sys.executable, args=[str(ECHO_SERVER)])
    await manager.add("echo", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await bare_sdk()
    mine, base = [], []
    for _ in range(ROUNDS):
        base.append(await bare_sdk())
        mine.append(await ours(manager))
    await services.close()
    return report("spawn -> tools listed", mine, base, "ms", "<= 1.05")


def main() -> float:
    return asyncio.run(measure())


if __name__ == "__main__":
    main()
