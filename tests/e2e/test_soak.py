"""Left alone, the real app stays calm: nothing restarts, nothing warns, memory stays flat.

Some faults only show after a minute (a health check that counted "method not found" as a
miss restarted every built-in server every 60 s, forever). This runs the real entry point
(`python -m desktop`, offscreen) on its default settings plus one Node server, with the health
check every second instead of every 30, for `MCP_DESK_SOAK_SECONDS` (default 180) seconds, then
quits it the way the OS does and reads what it wrote.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
import pytest

from desktop.core.paths import AppPaths

ROOT = Path(__file__).resolve().parents[2]
SOAK_SECONDS = float(os.environ.get("MCP_DESK_SOAK_SECONDS", "180"))
HEALTH_EVERY = 1.0
WARM_UP = 45.0
"""Seconds after which memory is taken as settled (the SDK, Qt and pydantic are all loaded)."""
MEMORY_GROWTH = 1.10
"""The most the app's memory may grow from the warm-up to the end: 10 %."""
SERVERS = ("files", "time", "node")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _prepare(paths: AppPaths, node: list[str]) -> None:
    """Default settings, one Node server approved, the health check every second."""
    _cli("servers", "add", "node", "--", *node)
    checked = _cli("servers", "check", "node", "--yes")
    assert "is healthy" in checked.stdout, checked.stdout + checked.stderr
    config = json.loads(paths.config_file.read_text(encoding="utf-8"))
    config["settings"]["health_check_seconds"] = HEALTH_EVERY
    paths.config_file.write_text(json.dumps(config), encoding="utf-8")


def _tree_rss(process: psutil.Process) -> int:
    """The app's own memory (its servers are measured by the app, not counted here)."""
    return int(process.memory_info().rss)


def _entries(paths: AppPaths, since: float) -> list[dict[str, Any]]:
    """What the JSON-RPC log files hold from `since` on (the preparing commands wrote there too)."""
    entries = []
    for file in sorted(paths.logs_dir.glob("rpc-*.jsonl")):
        entries += [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line]
    return [entry for entry in entries if entry["time"] >= since]


@pytest.mark.e2e
@pytest.mark.timeout(SOAK_SECONDS + 300)
@pytest.mark.skipif(sys.platform == "win32", reason="quits the app with SIGTERM")
def test_the_app_left_alone_restarts_nothing_warns_of_nothing_and_stays_flat(
    isolated_home: str, everything_server: list[str]
) -> None:
    paths = AppPaths.from_environment()
    _prepare(paths, everything_server)
    launched = time.time()
    app = subprocess.Popen(
        [sys.executable, "-m", "desktop"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    process = psutil.Process(app.pid)
    try:
        started = time.monotonic()
        time.sleep(WARM_UP)
        settled = _tree_rss(process)
        children = {child.pid for child in process.children(recursive=True)}
        time.sleep(max(SOAK_SECONDS - WARM_UP, 0))
        ended = _tree_rss(process)
        still = {child.pid for child in process.children(recursive=True)}
        soaked = time.monotonic() - started
    finally:
        app.send_signal(signal.SIGTERM)
        output, _ = app.communicate(timeout=60)
    assert app.returncode == 0, output
    assert "Traceback" not in output and "Warning" not in output and "WARNING" not in output, output
    assert still == children, "a server process was replaced while nobody touched the app"
    assert ended <= settled * MEMORY_GROWTH, f"memory grew from {settled} to {ended} bytes"
    assert not [pid for pid in still if psutil.pid_exists(pid)], "a server outlived the app"

    entries = _entries(paths, launched)
    lifecycle = [(e["server"], e["text"]) for e in entries if e["kind"] == "lifecycle"]
    starts = Counter(server for server, text in lifecycle if text.startswith(("Starting", "Restarting")))
    assert starts == Counter(dict.fromkeys(SERVERS, 1)), lifecycle
    answers = Counter(
        e["server"]
        for e in entries
        if e["kind"] in ("response", "error") and e["method"] in ("ping", "server/discover")
    )
    # Every server was asked, and answered, about once a second the whole time.
    assert all(answers[server] >= (soaked - WARM_UP) / HEALTH_EVERY / 2 for server in SERVERS), answers
    problems = [e for e in entries if e["flags"] and set(e["flags"]) & {"timeout", "late", "unmatched"}]
    assert problems == []
