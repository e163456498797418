"""Run every benchmark and print its ratio against the raw baseline."""

from __future__ import annotations

import runpy
from pathlib import Path

HERE = Path(__file__).parent

BENCHMARKS = (
    "bench_tool_call",
    "bench_spawn",
    "bench_startup",
    "bench_idle_rss",
    "bench_log_ingest",
    "bench_model",
    "bench_chat",
)

for name in BENCHMARKS:
    print(f"== {name}")
    runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
