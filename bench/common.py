"""Shared helpers for the benchmarks: each prints a ratio against a raw baseline."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ECHO_SERVER = ROOT / "tests" / "fixtures" / "servers" / "well_behaved.py"


def fresh_home() -> Path:
    return Path(tempfile.mkdtemp(prefix="mcp-desk-bench-"))


def report(name: str, ours: list[float], baseline: list[float], unit: str, goal: str) -> float:
    ours_median, base_median = statistics.median(ours), statistics.median(baseline)
    ratio = ours_median / base_median
    print(
        f"{name}: MCP Desk {ours_median:.3f} {unit} vs baseline {base_median:.3f} {unit} "
        f"-> ratio {ratio:.3f} (goal {goal})"
    )
    return ratio
