"""Spawn to tools listed: the same server in its sandbox (bubblewrap on Linux) vs unsandboxed.

Both go through MCP Desk's own ServerManager, in turns, in the same run; the goal is ≤ 1.1×.
"""

from __future__ import annotations

import asyncio
import shutil
import sys

from common import ECHO_SERVER, quick_rounds, report, services_in_fresh_home, spawn_to_tools

from desktop.core.config import ServerConfig
from desktop.core.sandbox_policy import Sandbox

ROUNDS = quick_rounds(10, 3)


async def measure() -> float:
    services = services_in_fresh_home()
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
