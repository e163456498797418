"""Spawn to tools listed: ServerManager.start vs the bare SDK Client, same server."""

from __future__ import annotations

import asyncio
import sys
import time

from common import ECHO_SERVER, quick_rounds, report, services_in_fresh_home, spawn_to_tools

from desktop.core.config import ServerConfig

ROUNDS = quick_rounds(8, 3)


async def bare_sdk() -> float:
    from mcp import Client, StdioServerParameters

    start = time.perf_counter()
    async with Client(StdioServerParameters(command=sys.executable, args=[str(ECHO_SERVER)])) as client:
        await client.list_tools()
        elapsed = time.perf_counter() - start
    return elapsed * 1000


async def measure() -> float:
    services = services_in_fresh_home()
    manager = services.manager
    config = ServerConfig(command=sys.executable, args=[str(ECHO_SERVER)])
    await manager.add("echo", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await bare_sdk()
    mine, base = [], []
    for _ in range(ROUNDS):
        base.append(await bare_sdk())
        mine.append(await spawn_to_tools(manager, "echo"))
    await services.close()
    return report("spawn -> tools listed", mine, base, "ms", "<= 1.05")


def main() -> float:
    return asyncio.run(measure())


if __name__ == "__main__":
    main()
