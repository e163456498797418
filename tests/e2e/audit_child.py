"""Makes real tool calls without pause, printing each call's audit seq once its result is on disk.

Run as `python audit_child.py HOME`: MCP Desk's services live in HOME (as MCP_DESK_HOME)
and call the well-behaved fixture server's `echo` from many tasks at once, each allowed
as `mcp-desk servers call --yes` allows it. It never stops by itself (the durability test kills it).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from pathlib import Path

from desktop.cli.asker import TerminalAsker
from desktop.core.config import ServerConfig
from desktop.core.consent import CallContext
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.servers.manager import ServerManager
from desktop.services import build_services
from tests.fixtures.servers.paths import server_path

WORKERS = 16
"""Calls in flight at once, so the kill lands while records are being written."""
FROM_HERE = CallContext(origin="command line")


async def worker(manager: ServerManager, first: int) -> None:
    for n in itertools.count(first, WORKERS):
        outcome = await manager.call_tool("echo__echo", {"text": f"call {n}"}, FROM_HERE)
        print(outcome.audit_seq, flush=True)


async def main(home: Path) -> None:
    os.environ["MCP_DESK_HOME"] = str(home)
    manager = build_services(AppPaths.from_environment(), EventBus(), TerminalAsker(allow_all=True)).manager
    config = ServerConfig(command=sys.executable, args=[str(server_path("well_behaved"))])
    await manager.add("echo", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await manager.start("echo")
    await asyncio.gather(*(worker(manager, w) for w in range(WORKERS)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
