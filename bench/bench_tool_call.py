"""Tool call round trip: through the ServerManager vs the bare SDK Client.

Both talk to the same echo server over stdio; the baseline is the SDK's `Client` on a
plain asyncio loop. The manager is measured where its callers (the chat loop, the
CLI) run: on the service loop. The extra cost of reaching it from the Qt thread, one
call at a time, is printed beside it. Rounds alternate so drift hits both equally.
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

CALLS = 500
ROUNDS = 7


async def bare_sdk_round() -> float:
    from mcp import Client, StdioServerParameters

    async with Client(StdioServerParameters(command=sys.executable, args=[str(ECHO_SERVER)])) as client:
        await client.call_tool("echo", {"text": "warm"})
        start = time.perf_counter()
        for _ in range(CALLS):
            await client.call_tool("echo", {"text": "hello"})
        return (time.perf_counter() - start) / CALLS * 1000


async def manager_round(manager) -> float:  # type: ignore[no-untyped-def]
    await manager.call_tool("echo__echo", {"text": "warm"})
    start = time.perf_counter()
    for _ in range(CALLS):
        await manager.call_tool("echo__echo", {"text": "hello"})
    return (time.perf_counter() - start) / CALLS * 1000


def cross_thread_round(loop: ServiceLoop, manager) -> float:  # type: ignore[no-untyped-def]
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
    ours, base, hops = [], [], []
    try:
        for round_ in range(ROUNDS):
            if round_ % 2:
                base.append(asyncio.run(bare_sdk_round()))
            ours.append(loop.run(manager_round(manager)))
            hops.append(cross_thread_round(loop, manager))
            if not round_ % 2:
                base.append(asyncio.run(bare_sdk_round()))
    finally:
        loop.run(manager.shutdown())
        loop.stop()
    ratio = report("tool call round trip", ours, base, "ms", "<= 1.15")
    report("  the same, called one at a time from another thread", hops, base, "ms", "informational")
    return ratio


async def _build():  # type: ignore[no-untyped-def]
    return build_services(AppPaths.from_environment(), EventBus())


if __name__ == "__main__":
    main()
