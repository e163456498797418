"""Tool call round trip: through the ServerManager vs the bare SDK Client, audit on and off.

All talk to the same echo server over stdio; the baseline is the SDK's `Client` on a
plain asyncio loop. The manager is measured where its callers (the chat loop, the
CLI) run: on the service loop, with every call audited (decision before, result after,
each durable) and tapped into the JSON-RPC log. A second manager whose audit writes
nothing gives the cost of the audit alone. The extra cost of reaching the manager from
the Qt thread, one call at a time, is printed beside it. Rounds alternate so drift hits
all equally.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from concurrent.futures import Future
from typing import Any

from common import ECHO_SERVER, fresh_home, report
from keyring.backends import null

from desktop.app import Services, build_services
from desktop.core.audit_records import Approval, AuditKind, AuditRecord, ConsentHow
from desktop.core.autostart import Autostart
from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_store import ConfigStore
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.rpc_log import RpcLog
from desktop.core.secrets import SecretStore
from desktop.core.service_loop import ServiceLoop
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.oauth import SystemBrowser
from desktop.servers.supervisor import Credentials

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


ALLOWED = Approval(ConsentHow.RULE)


class NoAudit:
    """An audit writer that writes nothing: the same call, unaudited."""

    async def record(self, kind: AuditKind, data: dict[str, Any]) -> AuditRecord:
        return AuditRecord(0, 0.0, kind, data, "", "")

    def append(self, kind: AuditKind, data: dict[str, Any]) -> Future[AuditRecord]:
        done: Future[AuditRecord] = Future()
        done.set_result(AuditRecord(0, 0.0, kind, data, "", ""))
        return done


async def manager_round(manager: ServerManager) -> float:
    await manager.call_tool("echo__echo", {"text": "warm"}, ALLOWED)
    start = time.perf_counter()
    for _ in range(CALLS):
        await manager.call_tool("echo__echo", {"text": "hello"}, ALLOWED)
    return (time.perf_counter() - start) / CALLS * 1000


def cross_thread_round(loop: ServiceLoop, manager: ServerManager) -> float:
    start = time.perf_counter()
    for _ in range(CALLS):
        loop.run(manager.call_tool("echo__echo", {"text": "hello"}, ALLOWED))
    return (time.perf_counter() - start) / CALLS * 1000


def main() -> float:
    os.environ["MCP_DESK_HOME"] = str(fresh_home())
    loop = ServiceLoop()
    loop.start()
    services = loop.run(_build())
    unaudited = loop.run(_unaudited_manager(services))
    for manager in (services.manager, unaudited):
        loop.run(_add_echo(manager))
    ours, base, hops, plain = [], [], [], []
    try:
        for round_ in range(ROUNDS):
            if round_ % 2:
                base.append(asyncio.run(bare_sdk_round()))
            ours.append(loop.run(manager_round(services.manager)))
            plain.append(loop.run(manager_round(unaudited)))
            hops.append(cross_thread_round(loop, services.manager))
            if not round_ % 2:
                base.append(asyncio.run(bare_sdk_round()))
    finally:
        loop.run(unaudited.shutdown())
        loop.run(services.close())
        loop.stop()
    ratio = report("tool call round trip, audited and logged", ours, base, "ms", "<= 1.15")
    report("  audited vs the same call unaudited", ours, plain, "ms", "informational")
    report("  the same, called one at a time from another thread", hops, base, "ms", "informational")
    return ratio


async def _build() -> Services:
    return build_services(AppPaths.from_environment(), EventBus())


async def _unaudited_manager(services: Services) -> ServerManager:
    home = fresh_home()
    recording = Recording(RpcLog(services.redactor), NoAudit(), services.redactor)
    return ServerManager(
        ConfigStore(home / "config.json", AppConfig),
        AppConfig(),
        EventBus(),
        LeftoverRegistry(home / "run"),
        Autostart(home=home, environ={}),
        [sys.executable],
        recording,
        Credentials(SecretStore(null.Keyring()), SystemBrowser()),
    )


async def _add_echo(manager: ServerManager) -> None:
    config = ServerConfig(command=sys.executable, args=[str(ECHO_SERVER)])
    await manager.add("echo", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await manager.start("echo")


if __name__ == "__main__":
    main()
