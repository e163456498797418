"""The gateway: an outside app's tool call through MCP Desk vs the same app calling the server itself.

The app is the SDK's `Client` in another process. Through the gateway it speaks Streamable HTTP
to MCP Desk, which runs each call through the consent gate (a remembered "always allow"), audits
it and calls the echo server over stdio; directly it starts the same echo server over stdio
itself, with the bare SDK. Rounds alternate so drift hits both equally. The same echo server
served over Streamable HTTP (`tests/fixtures/servers/http_server.py`) is timed too, so what the
HTTP leg costs on its own is printed beside the ratio. (On a 2-core machine shared with other work,
that leg alone was 1.4-2.8x the stdio call and MCP Desk's own audited, gated call ~2x: the goal
asks more than the two hops allow there.)

Then 8 apps call at once, 4 calls in flight each, for 30 s (5 s with --quick): every call must
come back with its own text and have exactly one decision in the audit trail; p50 and p99 of
their latencies are printed.

    python bench/bench_gateway.py [--quick]
    python bench/bench_gateway.py --app gateway|stdio|http TARGET TOKEN CALLS|SECONDS WORKERS   (the app)
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import keyring
from bench_tool_call import MemoryKeyring, NeverAsked
from common import ECHO_SERVER, ROOT, fresh_home, quick_rounds, record, report

CALLS = quick_rounds(300, 100)
ROUNDS = quick_rounds(7, 3)
APPS = 8
WORKERS = 4
LOAD_SECONDS = quick_rounds(30, 5)
HTTP_SERVER = ROOT / "tests" / "fixtures" / "servers" / "http_server.py"


# -- the app, in its own process -------------------------------------------------


async def app_main(kind: str, target: str, token: str, amount: float, workers: int) -> None:
    """Sequential calls (`workers` 1, `amount` calls) or a load (`amount` seconds); prints JSON."""
    from mcp import Client

    async with Client(_transport(kind, target, token), mode="legacy") as client:
        name = "echo__echo" if kind == "gateway" else "echo"
        await client.call_tool(name, {"text": "warm"})
        if workers == 1:
            start = time.perf_counter()
            for _ in range(int(amount)):
                await client.call_tool(name, {"text": "hello"})
            print(json.dumps({"ms_per_call": (time.perf_counter() - start) / amount * 1000}))
            return
        results = await asyncio.gather(
            *(_load(client, name, w, time.monotonic() + amount) for w in range(workers))
        )
        print(
            json.dumps(
                {"latencies": [ms for done, _ in results for ms in done], "lost": sum(r[1] for r in results)}
            )
        )


def _transport(kind: str, target: str, token: str) -> Any:
    import httpx2
    from mcp import StdioServerParameters
    from mcp.client.streamable_http import streamable_http_client

    if kind == "stdio":
        return StdioServerParameters(command=sys.executable, args=[target])
    headers = {"Authorization": f"Bearer {token}"} if kind == "gateway" else {}
    return streamable_http_client(target, http_client=httpx2.AsyncClient(headers=headers, timeout=60))


async def _load(client: Any, name: str, worker: int, until: float) -> tuple[list[float], int]:
    """Calls one after another until `until`; each must come back with its own text."""
    latencies, lost, n = [], 0, 0
    while time.monotonic() < until:
        text = f"worker {worker} call {n}"
        n += 1
        start = time.perf_counter()
        result = await client.call_tool(name, {"text": text})
        if result.is_error or result.content[0].text != text:
            lost += 1
        else:
            latencies.append((time.perf_counter() - start) * 1000)
    return latencies, lost


# -- MCP Desk, in this process -----------------------------------------------------


def run_app(kind: str, target: str, token: str, amount: float, workers: int = 1) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--app", kind, target, token, str(amount), str(workers)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT / "bench")


def answer_of(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = process.communicate(timeout=600)
    assert process.returncode == 0, f"an app failed (exit {process.returncode})"
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> float:
    from desktop.core.service_loop import ServiceLoop

    os.environ["MCP_DESK_HOME"] = str(fresh_home())
    keyring.set_keyring(MemoryKeyring())
    loop = ServiceLoop()
    loop.start()
    services = loop.run(_build())
    http = subprocess.Popen(
        [sys.executable, str(HTTP_SERVER), "--port", "0"],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        tokens = loop.run(_open_gateway(services, [f"app{n}" for n in range(APPS)]))
        url = services.gateway.status().url
        assert url is not None, services.gateway.status().problem
        http_url = _http_address(http)
        ratio = _round_trips(url, tokens["app0"], http_url)
        _load_figures(url, tokens, loop, services)
    finally:
        http.kill()
        http.wait(10)
        loop.run(services.close())
        loop.stop()
    return ratio


def _round_trips(url: str, token: str, http_url: str) -> float:
    times: dict[str, list[float]] = {"gateway": [], "stdio": [], "http": []}
    for round_ in range(ROUNDS):
        order = ("gateway", "stdio", "http") if round_ % 2 else ("stdio", "http", "gateway")
        for kind in order:
            target = {"gateway": url, "stdio": str(ECHO_SERVER), "http": http_url}[kind]
            times[kind].append(answer_of(run_app(kind, target, token, CALLS))["ms_per_call"])
    ratio = report(
        "outside app's tool call through the gateway (remembered rule) vs the bare SDK on the server",
        times["gateway"],
        times["stdio"],
        "ms",
        "<= 1.25",
    )
    report(
        "  the bare SDK over Streamable HTTP vs over stdio",
        times["http"],
        times["stdio"],
        "ms",
        "informational",
    )
    report(
        "  through the gateway vs the bare SDK over Streamable HTTP",
        times["gateway"],
        times["http"],
        "ms",
        "informational",
    )
    return ratio


def _load_figures(url: str, tokens: dict[str, str], loop: Any, services: Any) -> None:
    from desktop.core.audit_records import AuditFilter, AuditKind

    before = len(loop.run(services.audit.query(AuditFilter(kind=AuditKind.TOOL_CALL), limit=10**9)))
    apps = [run_app("gateway", url, token, LOAD_SECONDS, WORKERS) for token in tokens.values()]
    answers = [answer_of(app) for app in apps]
    latencies = sorted(ms for answer in answers for ms in answer["latencies"])
    lost = sum(answer["lost"] for answer in answers)
    decided = len(loop.run(services.audit.query(AuditFilter(kind=AuditKind.TOOL_CALL), limit=10**9))) - before
    warm_calls = len(apps)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"{APPS} apps x {WORKERS} calls in flight for {LOAD_SECONDS} s: {len(latencies)} calls, "
        f"{lost} lost, {decided - warm_calls - len(latencies) - lost} without their own decision; "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )
    assert lost == 0 and decided == warm_calls + len(latencies), "a call was lost or not audited"
    record("gateway under load: calls lost", lost, "calls", "0")
    record("gateway under load: p50 latency", p50, "ms", "informational")
    record("gateway under load: p99 latency", p99, "ms", "informational")


async def _build() -> Any:
    from desktop.core.events import EventBus
    from desktop.core.paths import AppPaths
    from desktop.services import build_services

    return build_services(AppPaths.from_environment(), EventBus(), NeverAsked())


async def _open_gateway(services: Any, apps: list[str]) -> dict[str, str]:
    """The echo server, always allowed; the gateway on, each app granted it; their tokens."""
    from desktop.core.config import ServerConfig
    from desktop.core.consent_rules import RuleScope
    from desktop.core.secrets import SERVICE, SecretStore
    from desktop.gateway.control import token_secret

    config = ServerConfig(command=sys.executable, args=[str(ECHO_SERVER)])
    await services.manager.add("echo", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await services.manager.start("echo")
    echo = next(tool for tool in services.manager.tools("echo") if tool.name == "echo")
    await services.consent.remember(echo, RuleScope.ALWAYS, None, "")
    await services.gateway.set_enabled(True)
    vault = SecretStore(keyring.get_keyring(), SERVICE)
    tokens = {}
    for app in apps:
        await services.gateway.add_app(app)
        await services.gateway.grant(app, ["echo"])
        tokens[app] = vault.get(token_secret(app)) or ""
    return tokens


def _http_address(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("PORT="):
            return f"http://127.0.0.1:{line.strip().split('=', 1)[1]}/mcp"
    raise RuntimeError("the HTTP echo server did not start")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--app"]:
        kind, target, token, amount, workers = sys.argv[2:7]
        asyncio.run(app_main(kind, target, token, float(amount), int(workers)))
    else:
        main()
