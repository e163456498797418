"""Install -> tools listed for server-everything on MCP Desk's own Node.js vs the computer's npx.

Ours is the server as a catalogue install makes it (`npx -y pkg@version`, runtime="mcp-desk", the
runtime already installed); the baseline is the same command typed by hand, run by the computer's
own npx. Both through the same ServerManager, the same warm npm cache, in alternating rounds: a
round adds the server, starts it until its tools are listed, then stops and removes it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time

from common import quick_rounds, report, services_in_fresh_home

from desktop.core.config import ServerConfig
from desktop.servers.runtime_control import RuntimeName
from desktop.services import RUNTIME_WHEELS_ENV, Services
from tests.fixtures.node_servers import EVERYTHING, network_env
from tests.fixtures.real_model import cache_dir

ROUNDS = quick_rounds(6, 2)


async def install_to_tools(services: Services, name: str, config: ServerConfig) -> float:
    """Milliseconds from adding the server to its tools being listed; it is stopped and removed after."""
    manager = services.manager
    start = time.perf_counter()
    await manager.add(name, config.model_copy(update={"trusted_launch": config.launch_hash()}))
    status = await manager.start(name)
    assert manager.tools(name), status.reason
    elapsed = time.perf_counter() - start
    await manager.stop(name)
    await manager.remove(name)
    return elapsed * 1000


async def measure() -> float:
    if shutil.which("npx") is None:
        raise SystemExit("this benchmark needs the computer's own npx for its baseline")
    os.environ.setdefault(RUNTIME_WHEELS_ENV, str(cache_dir() / "runtimes"))
    services = services_in_fresh_home()
    await services.runtimes.install(RuntimeName.NODE)
    warm = {**network_env(), "npm_config_cache": str(services.paths.cache_dir / "bench-npm-cache")}
    by_hand = ServerConfig(command="npx", args=["-y", EVERYTHING], env=warm, init_timeout=300)
    catalogue = by_hand.model_copy(update={"runtime": "mcp-desk"})
    await install_to_tools(services, "warm-up", catalogue)  # fills the npm cache both use
    await install_to_tools(services, "warm-up", by_hand)
    mine, base = [], []
    for round_ in range(ROUNDS):
        base.append(await install_to_tools(services, f"by-hand-{round_}", by_hand))
        mine.append(await install_to_tools(services, f"catalogue-{round_}", catalogue))
    await services.close()
    return report("install -> tools listed (own Node.js)", mine, base, "ms", "<= 1.1")


def main() -> float:
    return asyncio.run(measure())


if __name__ == "__main__":
    main()
