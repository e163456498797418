"""After MCP Desk itself is killed, its next start ends the servers it left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from desktop.cli.asker import TerminalAsker
from desktop.core.events import EventBus, Notice
from desktop.core.paths import AppPaths
from desktop.services import build_services
from tests.fixtures.servers.paths import server_path

ROOT = Path(__file__).resolve().parents[2]

APP_THAT_GETS_KILLED = textwrap.dedent(
    """
    import asyncio, sys
    from desktop.services import build_services
    from desktop.cli.asker import TerminalAsker
    from desktop.core.config import ServerConfig
    from desktop.core.events import EventBus
    from desktop.core.paths import AppPaths

    async def main():
        manager = build_services(AppPaths.from_environment(), EventBus(), TerminalAsker(False)).manager
        config = ServerConfig(command=sys.executable, args=[sys.argv[1]])
        await manager.add("stubborn", config.model_copy(update={"trusted_launch": config.launch_hash()}))
        status = await manager.start("stubborn")
        print(status.pid, flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_next_start_ends_servers_left_by_a_killed_app() -> None:
    app = subprocess.Popen(
        [sys.executable, "-c", APP_THAT_GETS_KILLED, str(server_path("ignore_sigterm"))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert app.stdout is not None
    server_pid = int(app.stdout.readline())
    server = psutil.Process(server_pid)
    try:
        app.send_signal(signal.SIGKILL)
        app.wait(10)
        assert server.is_running(), "the fixture should outlive the app that started it"

        events = EventBus()
        notices: list[Notice] = []
        events.subscribe(lambda e: notices.append(e) if isinstance(e, Notice) else None)
        services = build_services(AppPaths.from_environment(), events, TerminalAsker(allow_all=False))
        services.announce_startup_problems()

        assert [leftover.server for leftover in services.leftovers_ended] == ["stubborn"]
        server.wait(10)
        assert any("still running after it last closed unexpectedly" in n.message for n in notices)
    finally:
        if server.is_running():
            server.kill()
