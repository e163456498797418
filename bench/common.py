"""Shared helpers for the benchmarks: each prints a ratio against a raw baseline.

Every figure printed through `report` or `record` is also kept in `FIGURES`, which
`run_all.py --json` writes out. `--quick` on the command line asks each benchmark for a
short run (`quick_rounds`): a few seconds each, for the table every CI run prints.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.servers.manager import ServerManager
    from desktop.services import Services

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ECHO_SERVER = ROOT / "tests" / "fixtures" / "servers" / "well_behaved.py"
QUICK = "--quick" in sys.argv


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    goal: str
    lower_is_better: bool


FIGURES: list[Figure] = []


def quick_rounds(full: int, quick: int = 2) -> int:
    """How many rounds to run: `full`, or `quick` under --quick."""
    return quick if QUICK else full


def fresh_home() -> Path:
    """A temporary MCP_DESK_HOME, removed when the benchmark's process ends."""
    home = Path(tempfile.mkdtemp(prefix="mcp-desk-bench-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    return home


def services_in_fresh_home() -> Services:
    """MCP Desk's services over a `fresh_home`, with a terminal asker that allows nothing unasked.

    MCP Desk is imported here, not above, so that benchmarks timing its start import only this file.
    """
    from desktop.cli.asker import TerminalAsker
    from desktop.core.events import EventBus
    from desktop.core.paths import AppPaths
    from desktop.services import build_services

    os.environ["MCP_DESK_HOME"] = str(fresh_home())
    return build_services(AppPaths.from_environment(), EventBus(), TerminalAsker(allow_all=False))


async def spawn_to_tools(manager: ServerManager, name: str) -> float:
    """Milliseconds from starting the server `name` to its tools being listed; it is stopped again after."""
    start = time.perf_counter()
    status = await manager.start(name)
    assert manager.tools(name), status.reason
    elapsed = time.perf_counter() - start
    await manager.stop(name)
    return elapsed * 1000


def record(name: str, value: float, unit: str, goal: str, *, lower_is_better: bool = True) -> float:
    """Keep an absolute figure (memory, a rate, a stall) for the results table."""
    FIGURES.append(Figure(name, value, unit, goal, lower_is_better))
    return value


def report(
    name: str, ours: list[float], baseline: list[float], unit: str, goal: str, *, lower_is_better: bool = True
) -> float:
    """Print and keep MCP Desk's median against the baseline's; the ratio is the figure."""
    ours_median, base_median = statistics.median(ours), statistics.median(baseline)
    ratio = ours_median / base_median
    print(
        f"{name}: MCP Desk {ours_median:.3f} {unit} vs baseline {base_median:.3f} {unit} "
        f"-> ratio {ratio:.3f} (goal {goal})"
    )
    record(f"{name.strip()} (ratio)", ratio, "x", goal, lower_is_better=lower_is_better)
    return ratio


def figures_json() -> list[dict[str, object]]:
    return [asdict(figure) for figure in FIGURES]
