"""Tool call round trip: through the ServerManager vs the bare SDK Client, gated, audited or not.

All talk to the same echo server over stdio; the baseline is the SDK's `Client` on a
plain asyncio loop. The manager is measured where its callers (the chat loop, the
CLI) run: on the service loop, with every call audited (decision before, result after,
each durable) and tapped into the JSON-RPC log. The app's own manager passes every
call through the consent gate, answered by a remembered "always allow" rule; a second
manager, sharing its log and audit trail, takes calls decided beforehand (the path
before the gate existed), so the gate's own cost is the difference. A third, whose
audit writes nothing, gives the cost of the audit alone. The extra cost of reaching the
manager from the Qt thread, one call at a time, is printed beside it. Rounds alternate
so drift hits all equally.

The floor for "the decision is durable before the request leaves" is one synced commit
(SQLite, WAL, synchronous=FULL, as the audit trail writes) on the same disk, measured raw
in the same run: MCP Desk's overhead over the bare SDK is reported as a multiple of it.
That commit is timed twice: back to back (the goal's floor), and where it sits in a call,
on the bare SDK's path before each request, where it costs more (the thread sleeps in
the sync between calls).
The app's trail here is sealed (a keyring that keeps the audit key in memory stands in for
the OS keyring, which is read only at start), so the seals' cost is in the figure.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import sys
import time
from concurrent.futures import Future
from contextlib import closing
from pathlib import Path
from typing import Any

import keyring
from common import ECHO_SERVER, fresh_home, quick_rounds, record, report
from keyring.backend import KeyringBackend
from keyring.backends import null

from desktop.core.audit_records import AuditKind, AuditRecord, ConsentHow
from desktop.core.autostart import Autostart
from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_store import ConfigStore
from desktop.core.consent import (
    CallContext,
    Choice,
    ConsentGate,
    ConsentRequest,
    Decision,
    ElicitationAnswer,
    ElicitationRequest,
    SamplingRequest,
    SamplingReview,
)
from desktop.core.consent_rules import ConsentRules, RuleScope
from desktop.core.events import EventBus, ToolInfo
from desktop.core.paths import AppPaths
from desktop.core.rpc_log import RpcLog
from desktop.core.secrets import SecretStore
from desktop.core.service_loop import ServiceLoop
from desktop.core.settings import Settings
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.oauth import SystemBrowser
from desktop.servers.supervisor import Credentials
from desktop.services import Services, build_services

CALLS = quick_rounds(500, 200)
ROUNDS = quick_rounds(7, 3)


async def bare_sdk_round() -> float:
    from mcp import Client, StdioServerParameters

    async with Client(StdioServerParameters(command=sys.executable, args=[str(ECHO_SERVER)])) as client:
        await client.call_tool("echo", {"text": "warm"})
        start = time.perf_counter()
        for _ in range(CALLS):
            await client.call_tool("echo", {"text": "hello"})
        return (time.perf_counter() - start) / CALLS * 1000


async def bare_sdk_durable_round(folder: Path) -> float:
    """The bare SDK with the floor on its path: one synced commit before each request leaves (ms)."""
    from mcp import Client, StdioServerParameters

    with closing(_floor_db(folder)) as conn:
        async with Client(StdioServerParameters(command=sys.executable, args=[str(ECHO_SERVER)])) as client:
            await client.call_tool("echo", {"text": "warm"})
            start = time.perf_counter()
            for _ in range(CALLS):
                _synced_commit(conn)
                await client.call_tool("echo", {"text": "hello"})
            return (time.perf_counter() - start) / CALLS * 1000


def _floor_db(folder: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, data TEXT, hash TEXT)")
    return conn


def _synced_commit(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO records (data, hash) VALUES (?, ?)", (_FLOOR_ROW, "0" * 64))
    conn.execute("COMMIT")


_FLOOR_ROW = '{"arguments":{"text":"hello"},"decision":"allowed","server":"echo","tool":"echo"}'


def synced_commit_round(folder: Path) -> float:
    """One small row per transaction, each synced, as the audit trail commits a decision (ms each)."""
    with closing(_floor_db(folder)) as conn:
        start = time.perf_counter()
        for _ in range(CALLS):
            _synced_commit(conn)
        return (time.perf_counter() - start) / CALLS * 1000


class MemoryKeyring(KeyringBackend):
    """Holds the audit key for the run; the OS keyring is only read at start and checkpoints."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._values.pop((service, username), None)


FROM_CHAT = CallContext("chat", "bench-chat", "Bench")


class NeverAsked:
    """The user, who is never asked: every call here is covered by a rule or decided beforehand."""

    async def ask(self, request: ConsentRequest) -> Decision:
        raise AssertionError(f"the bench asked about {request.tool.qualified_name}: the rule did not match")

    async def elicit(self, request: ElicitationRequest) -> ElicitationAnswer:
        raise AssertionError("the echo server does not elicit")

    async def review_sampling(self, request: SamplingRequest, answer: str | None) -> SamplingReview:
        raise AssertionError("the echo server does not sample")


class DecidedBeforehand(ConsentGate):
    """The path before the gate: the caller brought its decision, and nothing is looked up."""

    async def decide(self, tool: ToolInfo, arguments: dict[str, Any], context: CallContext) -> Decision:
        return Decision(Choice.ALLOW_ONCE, arguments, ConsentHow.COMMAND_LINE)


class NoAudit:
    """An audit writer that writes nothing: the same call, unaudited."""

    async def record(self, kind: AuditKind, data: dict[str, Any]) -> AuditRecord:
        return AuditRecord(0, 0.0, kind, data, "", "")

    def append(self, kind: AuditKind, data: dict[str, Any]) -> Future[AuditRecord]:
        done: Future[AuditRecord] = Future()
        done.set_result(AuditRecord(0, 0.0, kind, data, "", ""))
        return done


async def manager_round(manager: ServerManager) -> float:
    await manager.call_tool("echo__echo", {"text": "warm"}, FROM_CHAT)
    start = time.perf_counter()
    for _ in range(CALLS):
        await manager.call_tool("echo__echo", {"text": "hello"}, FROM_CHAT)
    return (time.perf_counter() - start) / CALLS * 1000


def cross_thread_round(loop: ServiceLoop, manager: ServerManager) -> float:
    start = time.perf_counter()
    for _ in range(CALLS):
        loop.run(manager.call_tool("echo__echo", {"text": "hello"}, FROM_CHAT))
    return (time.perf_counter() - start) / CALLS * 1000


def main() -> float:
    os.environ["MCP_DESK_HOME"] = str(fresh_home())
    keyring.set_keyring(MemoryKeyring())
    floor_folder = fresh_home()
    loop = ServiceLoop()
    loop.start()
    services = loop.run(_build())
    gated = services.manager
    shared = Recording(services.rpc_log.log, services.audit, services.redactor)
    decided = loop.run(_decided_manager(services, shared))
    unaudited = loop.run(
        _decided_manager(services, Recording(RpcLog(services.redactor), NoAudit(), services.redactor))
    )
    for manager in (gated, decided, unaudited):
        loop.run(_add_echo(manager))
    loop.run(_always_allow_echo(services))
    assert services.audit.verify_now().key, "the trail is sealed"
    names = ("base", "gated", "decided", "plain", "hops", "floor", "durable")
    times: dict[str, list[float]] = {name: [] for name in names}
    try:
        for round_ in range(ROUNDS):
            if round_ % 2:
                times["base"].append(asyncio.run(bare_sdk_round()))
            for name, manager in (("gated", gated), ("decided", decided), ("plain", unaudited)):
                times[name].append(loop.run(manager_round(manager)))
            times["hops"].append(cross_thread_round(loop, gated))
            times["floor"].append(synced_commit_round(floor_folder))
            times["durable"].append(asyncio.run(bare_sdk_durable_round(floor_folder)))
            if not round_ % 2:
                times["base"].append(asyncio.run(bare_sdk_round()))
    finally:
        loop.run(unaudited.shutdown())
        loop.run(decided.shutdown())
        loop.run(services.close())
        loop.stop()
    return _report(times)


def _report(times: dict[str, list[float]]) -> float:
    base = times["base"]
    ratio = report(
        "tool call round trip, consent gate (remembered rule), audited and logged",
        times["gated"],
        base,
        "ms",
        "<= 1.15",
    )
    report(
        "tool call round trip, decided beforehand (no gate), audited and logged",
        times["decided"],
        base,
        "ms",
        "<= 1.15",
    )
    report("  consent gate vs decided beforehand", times["gated"], times["decided"], "ms", "informational")
    report(
        "  decided beforehand, audited vs unaudited", times["decided"], times["plain"], "ms", "informational"
    )
    report("  gated, called one at a time from another thread", times["hops"], base, "ms", "informational")
    overhead = statistics.median(times["gated"]) - statistics.median(base)
    floor = statistics.median(times["floor"])
    print(
        f"  MCP Desk's overhead over the bare SDK {overhead:.3f} ms vs one synced commit on this disk "
        f"{floor:.3f} ms -> {overhead / floor:.2f}x the floor (goal <= 1.5)"
    )
    record("tool call overhead over the bare SDK, in synced commits", overhead / floor, "x", "<= 1.5")
    in_path = statistics.median(times["durable"]) - statistics.median(base)
    print(
        f"  the same commit on the bare SDK's path (one before each call) costs it {in_path:.3f} ms -> "
        f"MCP Desk's overhead is {overhead / in_path:.2f}x that"
    )
    record(
        "tool call overhead over the bare SDK, in synced commits on the call's path",
        overhead / in_path,
        "x",
        "informational",
    )
    return ratio


async def _build() -> Services:
    return build_services(AppPaths.from_environment(), EventBus(), NeverAsked())


async def _decided_manager(services: Services, recording: Recording) -> ServerManager:
    home = fresh_home()
    gate = DecidedBeforehand(ConsentRules(home / "consent.json"), NeverAsked(), recording.audit, EventBus())
    return ServerManager(
        Settings(
            ConfigStore(home / "config.json", AppConfig),
            AppConfig(),
            Autostart(home=home, environ={}),
            [sys.executable],
        ),
        EventBus(),
        LeftoverRegistry(home / "run"),
        recording,
        Credentials(SecretStore(null.Keyring()), SystemBrowser()),
        gate,
    )


async def _add_echo(manager: ServerManager) -> None:
    config = ServerConfig(command=sys.executable, args=[str(ECHO_SERVER)])
    await manager.add("echo", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await manager.start("echo")


async def _always_allow_echo(services: Services) -> None:
    echo = next(tool for tool in services.manager.tools("echo") if tool.name == "echo")
    await services.consent.remember(echo, RuleScope.ALWAYS, None, "")


if __name__ == "__main__":
    main()
