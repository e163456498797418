"""Tool call round trip: through the ServerManager vs the bare SDK Client.

Both talk to the same echo server over stdio. The manager is driven the way the UI
and chat drive it: from another thread, onto the service loop. The baseline is the
SDK's `Client` on a plain asyncio loop. Rounds alternate so drift hits both equally.
"""

from __future__ import annotations

import asyncio
import sys
import time

from common import ECHO_SERVER, fresh_home, report

from desktop.app import build_services
from desktop.core.config import ServerConfig
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.service_loop import ServiceLoop

CALLS = 300
ROUNDS = 5


async def bare_sdk_round() -> float:
    from mcp import Client, StdioServerParameters

    async with Client(StdioServerParameters(command=sys.executable, args=[str(ECHO_SERVER)])) as client:
        await client.call_tool("echo", {"text": "warm"})
        start = time.perf_counter()
        for _ in range(CALLS):
            await client.call_tool("echo", {"text": "hello"})
        return (time.perf_counter() - start) / CALLS * 1000


def manager_round(loop: ServiceLoop, manager) -> float:  # type: ignore[no-untyped-def]
    loop.run(manager.call_tool("echo__echo", {"text": "warm"}))
    start = time.perf_counter()
    for _ in range(CALLS):
        loop.run(manager.call_tool("echo__echo", {"text": "hello"}))
    return (time.perf_counter() - start) / CALLS * 1000


def main() -> float:
    import os

    os.environ["MCP_DESK_HOME"] = str(fresh_home())
    loop = ServiceLoop()
    loop.start()
    services = loop.run(_build())
    manager = services.manager
    config = ServerConfig(command=sys.executable, args=[str(ECHO_SERVER)])
    loop.run(manager.add("echo", config.model_copy(update={"trusted_launch": config.launch_hash()})))
    loop.run(manager.start("echo"))
    ours, base = [], []
    try:
        for _ in range(ROUNDS):
            base.append(asyncio.run(bare_sdk_round()))
            ours.append(manager_round(loop, manager))
    finally:
        loop.run(manager.shutdown())
        loop.stop()
    return report("tool call round trip", ours, base, "ms", "<= 1.15")


async def _build():  # type: ignore[no-untyped-def]
    return build_services(AppPaths.from_environment(), EventBus())


if __name__ == "__main__":
    main()
