"""The frozen Linux bundle against the source tree: its size, cold start and `--smoke-test` time.

Needs a built bundle (packaging/build-linux.sh); without one it says so and measures nothing.
Each round is a fresh process in a fresh MCP_DESK_HOME running `--smoke-test`; the clock runs
from just before the spawn to the "main window shown" line (cold start) and to the exit
(the whole smoke test: window, two servers, tiny model, one tool call, audit check).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, fresh_home, quick_rounds, report

ROUNDS = quick_rounds(5, 1)
BUNDLE = ROOT / "dist" / "mcp-desk"
FROZEN = [str(BUNDLE / "mcp-desk"), "--smoke-test"]
SOURCE = [sys.executable, "-m", "desktop", "--smoke-test"]


@dataclass(frozen=True)
class Run:
    window_ms: float
    total_ms: float


def smoke_test(command: list[str]) -> Run:
    env = dict(os.environ, MCP_DESK_HOME=str(fresh_home()), QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    window = None
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if window is None and "main window shown" in line:
                window = time.perf_counter() - start
        code = proc.wait(240)
    total = time.perf_counter() - start
    if code != 0 or window is None:
        raise RuntimeError(f"{command[0]} --smoke-test failed with exit code {code}")
    return Run(window * 1000, total * 1000)


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files) / 1e6


def main() -> float | None:
    if not (BUNDLE / "mcp-desk").is_file():
        print(f"skipped: no frozen bundle at {BUNDLE} (build it with packaging/build-linux.sh)")
        return None
    print(f"bundle: {size_mb(BUNDLE):.0f} MB unpacked")
    for tarball in sorted(BUNDLE.parent.glob("mcp-desk-*-linux-*.tar.gz")):
        print(f"download: {tarball.name} {size_mb(tarball):.0f} MB")
    smoke_test(FROZEN), smoke_test(SOURCE)  # warm the disk cache for both
    frozen, source = [], []
    for _ in range(ROUNDS):
        frozen.append(smoke_test(FROZEN))
        source.append(smoke_test(SOURCE))
    report(
        "cold start to window shown, frozen vs source",
        [r.window_ms for r in frozen],
        [r.window_ms for r in source],
        "ms",
        "<= 1.2",
    )
    return report(
        "whole --smoke-test, frozen vs source",
        [r.total_ms for r in frozen],
        [r.total_ms for r in source],
        "ms",
        "<= 1.2",
    )


if __name__ == "__main__":
    main()
