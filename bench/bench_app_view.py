"""An MCP App's view: its first paint after its tool result arrives, and what it costs in memory.

MCP Desk: a running tool card whose tool has a `ui://` view, from its result arriving (`show_card`)
to the view having painted it: the view's resource asked for over the real bridge and
service loop (from a stand-in servers' control that answers at once: a real server's
`resources/read` is one more round trip, measured by bench_tool_call), the sandboxed page built and
loaded from MCP Desk's scheme with its CSP, `ui/initialize` and the tool result sent over the
JSON-RPC bridge, and two animation frames after the view drew the result. Baseline: a bare
`QWebEngineView` given the same HTML with the result already in it (`setHtml`), to the same two
frames. Memory: this process and its WebEngine helper processes (renderer, GPU, zygote), RSS
summed, before the first view and with it shown; likewise for the bare view, in a process of its own.
Each side runs in a fresh child process (WebEngine's scheme must be registered before Qt starts).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from common import quick_rounds, record, report

HTML = """<!DOCTYPE html><html><body><h2>Weather board</h2><p id="result">__RESULT__</p><script>
function painted() {
  requestAnimationFrame(() => requestAnimationFrame(() => { document.title = "painted"; }));
}
window.addEventListener("message", (event) => {
  const m = event.data;
  if (m && m.method === "ui/notifications/tool-result") {
    document.getElementById("result").textContent = m.params.content[0].text; painted();
  }
});
if (window.parent !== window) {
  window.parent.postMessage({ jsonrpc: "2.0", id: 1, method: "ui/initialize", params: {} }, "*");
  window.parent.postMessage({ jsonrpc: "2.0", method: "ui/notifications/initialized" }, "*");
} else { painted(); }
</script></body></html>"""
RESULT = "Sunny in Oslo, 21 °C."
VIEWS = 3
VIEW = "ui://board/view.html"
"""Views shown one after another in each child; the first pays for starting WebEngine."""


def rss_with_helpers() -> float:
    import psutil

    me = psutil.Process()
    processes = [me, *me.children(recursive=True)]
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # a helper that ended meanwhile
            total += process.memory_info().rss
    return total / 2**20


def renderers() -> int:
    """Chromium's renderers: forked by its zygote, they keep the zygote's command line."""
    import psutil

    count = 0
    for helper in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error, AttributeError):  # one that ended meanwhile
            count += "--type=zygote" in helper.parent().cmdline()
    return count


def child(side: str) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.ui.web_part import prepare_web_part

    prepare_web_part()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from PySide6 import QtWebEngineWidgets  # noqa: F401

    import desktop.ui.widgets.tool_card  # noqa: F401  (the card's Python modules are not the view's cost)

    before = rss_with_helpers()
    times = [(ours if side == "ours" else bare)(app) for _view in range(VIEWS)]
    return {"times": times, "before": before, "after": rss_with_helpers(), "renderers": renderers()}


def until_painted(app: Any, view: Any, started: float) -> float:
    done: list[float] = []
    view.titleChanged.connect(lambda title: done.append(time.perf_counter()) if title == "painted" else None)
    while not done:
        app.processEvents()
        if time.perf_counter() - started > 60:
            raise TimeoutError("the view did not paint within a minute")
        time.sleep(0.001)
    return (done[0] - started) * 1000


def bare(app: Any) -> float:
    from PySide6.QtWebEngineWidgets import QWebEngineView

    started = time.perf_counter()
    view = QWebEngineView()
    view.resize(600, 320)
    view.show()
    view.setHtml(HTML.replace("__RESULT__", RESULT))
    return until_painted(app, view, started)


class StandIn:
    """The servers' side, as far as a view needs it: its resource at once, and every call allowed."""

    def __init__(self, html: str) -> None:
        from desktop.servers.resources import ResourceContent, ResourceRead

        content = ResourceContent(VIEW, "text/html;profile=mcp-app", len(html), text=html)
        self.read = ResourceRead("board", VIEW, (content,))

    async def read_resource(self, name: str, uri: str, by_user: bool, context: Any = None) -> Any:
        return self.read

    async def call_tool(self, qualified_name: str, arguments: dict[str, Any], context: Any) -> Any:
        raise NotImplementedError

    async def allow_link(self, server: str, url: str, context: Any) -> bool:
        return False


KEPT: list[Any] = []
"""The bridge, its loop and the cards shown, kept for the child's life."""


def ours(app: Any) -> float:
    from desktop.core.service_loop import ServiceLoop
    from desktop.llm.chat.control import CallStatus, ToolCard
    from desktop.ui.app_views import AppViews
    from desktop.ui.bridge import Bridge
    from desktop.ui.widgets.tool_card import ToolCardView

    if not KEPT:
        loop = ServiceLoop("bench-app-view")
        loop.start()
        bridge = Bridge()
        bridge.control = StandIn(HTML.replace("__RESULT__", ""))  # type: ignore[assignment]
        bridge._submit = loop.submit
        KEPT.extend([loop, bridge, AppViews(bridge)])
    done = ToolCard("call", "board__show_board", {"city": "Oslo"}, CallStatus.DONE, RESULT, app_view=VIEW)
    card = ToolCardView(replace(done, status=CallStatus.RUNNING), None, views=KEPT[2])
    card.resize(600, 520)
    card.show()
    app.processEvents()
    started = time.perf_counter()
    card.show_card(done)  # its result arrives
    KEPT.append(card)
    while card.app_view is None or card.app_view.view is None:
        app.processEvents()
        time.sleep(0.001)
    return until_painted(app, card.app_view.view, started)


def run_child(side: str) -> dict[str, Any]:
    here = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent), str(here)])}
    done = subprocess.run(
        [sys.executable, __file__, "--child", side], capture_output=True, text=True, env=env, timeout=300
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the {side} side failed: {done.stderr[-2000:]}")
    return dict(json.loads(lines[-1]))


def main() -> None:
    first_mine, first_base, mine, base = [], [], [], []
    memory: dict[str, list[float]] = {"ours": [], "bare": []}
    for _round in range(quick_rounds(3, 1)):
        for side in ("ours", "bare"):
            got = run_child(side)
            (first_mine if side == "ours" else first_base).append(got["times"][0])
            (mine if side == "ours" else base).extend(got["times"][1:])
            memory[side].append(got["after"] - got["before"])
            print(f"  {side}: {got['renderers']} renderer processes for {VIEWS} views")
    report("app view first paint, the first in the app", first_mine, first_base, "ms", "report")
    report("app view first paint, later ones", mine, base, "ms", "report")
    record("app view first paint, the first in the app", statistics.median(first_mine), "ms", "report")
    record("app view first paint, later ones", statistics.median(mine), "ms", "report")
    ours_mb, bare_mb = statistics.median(memory["ours"]), statistics.median(memory["bare"])
    record(f"app views' memory, {VIEWS} shown (MB)", ours_mb, "MB", "report")
    print(f"  memory with {VIEWS} views shown: MCP Desk +{ours_mb:.0f} MB, bare views +{bare_mb:.0f} MB")


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child(sys.argv[sys.argv.index("--child") + 1])))
        sys.stdout.flush()
        os._exit(0)  # WebEngine's shutdown is not what is measured
    main()
