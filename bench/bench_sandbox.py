"""Spawn to tools listed: the same server in its sandbox (bubblewrap on Linux) vs unsandboxed.

Both go through MCP Desk's own ServerManager, in turns, in the same run; the goal is ≤ 1.1×.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time

from common import ECHO_SERVER, fresh_home, quick_rounds, report

from desktop.cli.asker import TerminalAsker
from desktop.core.config import ServerConfig
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.sandbox_policy import Sandbox
from desktop.services import build_services

ROUNDS = quick_rounds(10, 3)


async def spawn_to_tools(manager, name: str) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    status = await manager.start(name)
    assert manager.tools(name), status.reason
    elapsed = time.perf_counter() - start
    await manager.stop(name)
    return elapsed * 1000


async def measure() -> float:
    os.environ["MCP_DESK_HOME"] = str(fresh_home())
    services = build_services(AppPaths.from_environment(), EventBus(), TerminalAsker(allow_all=False))
    manager = services.manager
    plain = ServerConfig(command=sys.executable, args=[str(ECHO_SERVER)])
    boxed = plain.model_copy(update={"sandbox": Sandbox()})
    for name, config in (("plain", plain), ("boxed", boxed)):
        await manager.add(name, config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await spawn_to_tools(manager, "plain")
    await spawn_to_tools(manager, "boxed")
    sandboxed, unsandboxed = [], []
    for _ in range(ROUNDS):
        unsandboxed.append(await spawn_to_tools(manager, "plain"))
        sandboxed.append(await spawn_to_tools(manager, "boxed"))
    await services.close()
    return report("sandboxed spawn -> tools listed", sandboxed, unsandboxed, "ms", "<= 1.1")


def main() -> float:
    if sys.platform == "linux" and shutil.which("bwrap") is None:
        print("bench_sandbox: bubblewrap is not installed here; nothing to measure.")
        return float("nan")
    return asyncio.run(measure())


if __name__ == "__main__":
    main()
