"""Idle memory of the app with three servers supervised and no model loaded.

Runs the real app (offscreen) with the default servers plus an echo server, waits
until all three run, lets it settle, and reads the app's own RSS. The baseline is a
bare PySide6 window's RSS, for scale; the goal is absolute (<= 150 MB).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
from common import ECHO_SERVER, ROOT, fresh_home, record

SETTLE_S = 6.0


def app_rss() -> tuple[float, float]:
    home = fresh_home()
    env = dict(
        os.environ, MCP_DESK_HOME=str(home), QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen")
    )
    subprocess.run(
        [sys.executable, "-m", "desktop", "servers", "list"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    config_file = home / "config" / "config.json"
    config = json.loads(config_file.read_text())
    echo = {"command": sys.executable, "args": [str(ECHO_SERVER)]}
    config["mcpServers"]["echo"] = echo
    config_file.write_text(json.dumps(config))
    subprocess.run(
        [sys.executable, "-m", "desktop", "servers", "check", "echo", "--yes"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen([sys.executable, "-m", "desktop"], cwd=ROOT, env=env)
    try:
        app = psutil.Process(proc.pid)
        deadline = time.monotonic() + 60
        while len(app.children()) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(SETTLE_S)
        servers = sum(p.memory_info().rss for p in app.children(recursive=True))
        return app.memory_info().rss / 2**20, servers / 2**20
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def main() -> float:
    rss, servers = app_rss()
    print(
        f"idle RSS with three servers supervised: app {rss:.1f} MB (goal <= 150 MB); "
        f"the three server processes themselves: {servers:.1f} MB"
    )
    record("idle RSS, window + 3 servers, no model", rss, "MB", "<= 150 MB")
    return rss


if __name__ == "__main__":
    main()
