"""Log ingest: a server floods notifications; how fast do they get through tap -> store -> Log page?

The server's `burst(count)` writes `count` notifications and then answers, on one pipe,
so the answer arrives after the last notification. Baseline: the bare SDK `Client`
reading the same burst (count / duration of the call). MCP Desk: the same burst through
the app's service loop, the wire tap, the log files and the Log page on screen (offscreen
Qt), counted until the page has shown the answer. Meanwhile a 5 ms Qt timer measures the
longest stall of the UI event loop, and RSS is sampled once the in-memory caps are full
and again at the end (memory must stay flat). `--quick` floods for a few seconds instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sys
import time

import psutil
from common import QUICK, ROOT, fresh_home, record, report

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from desktop.app import controls_of
from desktop.cli.asker import TerminalAsker
from desktop.core.config import ServerConfig
from desktop.core.consent import CallContext
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.rpc_log import EntryKind, RpcEntry
from desktop.core.service_loop import ServiceLoop
from desktop.services import Services, build_services
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow

COUNT = 200_000
QUICK_COUNT = 40_000
"""`--quick`: a flood of a few seconds (the in-memory caps are not all reached)."""
SERVER = ROOT / "tests" / "fixtures" / "servers" / "log_flood.py"
TICK_MS = 5
_BACKGROUND: list[asyncio.Task[None]] = []


async def bare_sdk(count: int) -> float:
    from mcp import Client, StdioServerParameters

    async with Client(StdioServerParameters(command=sys.executable, args=[str(SERVER)])) as client:
        start = time.perf_counter()
        await client.call_tool("burst", {"count": count}, read_timeout_seconds=600)
        return count / (time.perf_counter() - start)


class Watch:
    """Counts what reaches the Log page, times the flood, and watches the UI loop and memory."""

    def __init__(self, bridge: Bridge, loop: QEventLoop, count: int) -> None:
        self.seen = 0
        self._count = count
        self.call: concurrent.futures.Future[object] | None = None
        """The flood's tool call: if it fails, nothing will ever finish the count."""
        self.started = self.finished = 0.0
        self.longest_gap = 0.0
        self.rss_when_full = 0
        self._last_tick = time.perf_counter()
        self._loop = loop
        self._timer = QTimer(interval=TICK_MS, timeout=self._tick)
        bridge.rpc_traffic_logged.connect(self._on_traffic)

    def start(self) -> None:
        self.started = self._last_tick = time.perf_counter()
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest_gap = max(self.longest_gap, now - self._last_tick)
        self._last_tick = now
        if self.call is not None and self.call.done() and self.call.exception() is not None:
            self._loop.quit()

    def _on_traffic(self, entries: tuple[RpcEntry, ...]) -> None:
        self.seen += len(entries)
        if not self.rss_when_full and self.seen > self._count // 3:
            self.rss_when_full = psutil.Process().memory_info().rss
        if any(e.kind is EntryKind.RESPONSE and e.method == "tools/call" for e in entries):
            self.finished = time.perf_counter()
            self._timer.stop()
            self._loop.quit()


def ours(app: QApplication, count: int) -> tuple[float, float, int, int]:
    service_loop = ServiceLoop()
    service_loop.start()
    bridge = Bridge()
    events = EventBus()
    events.subscribe(bridge.deliver)
    services: Services = service_loop.run(_bring_up(events))
    window = MainWindow(tray_available=False)
    window.attach(bridge)
    bridge.attach(controls_of(services), service_loop.submit)
    window.show()
    window.show_area("log")
    loop = QEventLoop()
    watch = Watch(bridge, loop, count)
    app.processEvents()
    watch.start()
    watch.call = service_loop.submit(
        services.manager.call_tool("notify__burst", {"count": count}, CallContext("command line"))
    )
    loop.exec()
    call = watch.call
    call.result()
    rss_end = psutil.Process().memory_info().rss
    service_loop.run(services.close())
    service_loop.stop()
    window.close_for_quit()
    rate = watch.seen / (watch.finished - watch.started)
    return rate, watch.longest_gap * 1000 - TICK_MS, watch.rss_when_full, rss_end


async def _bring_up(events: EventBus) -> Services:
    services = build_services(AppPaths.from_environment(), events, TerminalAsker(allow_all=True))
    loop = asyncio.get_running_loop()
    _BACKGROUND.extend([loop.create_task(services.rpc_log.run()), loop.create_task(services.manager.pulse())])
    config = ServerConfig(command=sys.executable, args=[str(SERVER)], request_timeout=600)
    await services.manager.add("notify", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await services.manager.start("notify")
    while not services.manager.tools("notify"):  # noqa: ASYNC110 - the catalogue comes just after the start
        await asyncio.sleep(0.01)
    return services


def main() -> float:
    count = QUICK_COUNT if QUICK else COUNT
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    os.environ["MCP_DESK_HOME"] = str(fresh_home())
    base = [asyncio.run(bare_sdk(count))]
    rate, stall_ms, rss_full, rss_end = ours(app, count)
    base.append(asyncio.run(bare_sdk(count)))
    name = "log ingest, messages/s to the Log page"
    ratio = report(name, [rate], base, "msg/s", "rate >= 20,000 msg/s", lower_is_better=False)
    record(f"{name} (MCP Desk)", rate, "msg/s", ">= 20,000 msg/s", lower_is_better=False)
    record("log ingest, longest UI stall", stall_ms, "ms", "<= 50 ms")
    growth = record("log ingest, memory growth once full", (rss_end - rss_full) / 2**20, "MB", "about 0")
    print(f"  sustained {rate:,.0f} messages/s; longest UI stall {stall_ms:.0f} ms (goal <= 50 ms)")
    full, end = rss_full / 2**20, rss_end / 2**20
    print(f"  memory: {full:.0f} MB once the caps were full, {end:.0f} MB at the end ({growth:+.0f} MB)")
    return ratio


if __name__ == "__main__":
    main()
