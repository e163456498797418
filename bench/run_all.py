"""Run every benchmark and print its ratio against the raw baseline.

    python bench/run_all.py [--quick] [--json FILE] [--compare bench/results.json]

--quick runs each benchmark briefly (the table every CI run prints); --json writes the
figures; --compare prints them next to the ones recorded in the repository, marking those
that got worse by more than the noise. It reports and never fails: benchmarks are not tests.
Update bench/results.json (with --json) when a change moves a number on purpose.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import runpy
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

BENCHMARKS = (
    "bench_tool_call",
    "bench_spawn",
    "bench_runtime_install",
    "bench_sandbox",
    "bench_startup",
    "bench_idle_rss",
    "bench_log_ingest",
    "bench_model",
    "bench_chat",
    "bench_attach",
    "bench_prefix",
    "bench_frozen_start",
    "bench_catalogue_search",
    "bench_catalogue_view",
    "bench_gateway",
    "bench_app_view",
)
NOISE = 0.15
"""A figure this much worse than the recorded one (relative) is marked; less is noise here."""


def run(names: list[str], quick: bool) -> list[str]:
    """Run each benchmark in this process; a benchmark that breaks is named, the others still run."""
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        sys.argv = [str(HERE / f"{name}.py"), *(["--quick"] if quick else [])]
        started = time.perf_counter()
        try:
            runpy.run_path(sys.argv[0], run_name="__main__")
        except (Exception, SystemExit) as error:  # one broken benchmark must not hide the rest
            print(f"  {name} did not finish: {type(error).__name__}: {error}")
            failed.append(name)
        print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
    return failed


def comparison(now: list[dict[str, object]], recorded: list[dict[str, object]]) -> str:
    before = {str(figure["name"]): figure for figure in recorded}
    width = max((len(str(figure["name"])) for figure in now), default=10)
    rows = [f"{'figure':<{width}} {'now':>13} {'recorded':>13}  goal"]
    for figure in now:
        name, value, unit = str(figure["name"]), float(str(figure["value"])), str(figure["unit"])
        old = before.get(name)
        old_text, mark = "-", ""
        if old is not None:
            old_value = float(str(old["value"]))
            old_text = f"{old_value:.3g} {unit}"
            change = (value - old_value) / old_value if old_value else 0.0
            worse = change > NOISE if figure["lower_is_better"] else change < -NOISE
            mark = f"  WORSE by {abs(change):.0%}" if worse else ""
        rows.append(f"{name:<{width}} {f'{value:.3g} {unit}':>13} {old_text:>13}  {figure['goal']}{mark}")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run of each benchmark")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--compare", type=Path, help="print the figures next to these recorded ones")
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS), help="which benchmarks (default: all)")
    args = parser.parse_args()
    recorded: dict[str, Any] = {"figures": []}
    if args.compare is not None and args.compare.exists():
        recorded = json.loads(args.compare.read_text())
    failed = run(args.names, args.quick)
    from common import figures_json

    figures = figures_json()
    if args.json is not None:
        results = {
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
            "quick": args.quick,
            "figures": figures,
            "did_not_finish": failed,
        }
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.compare is not None:
        print(f"\nBenchmarks, this run vs {args.compare} ({recorded.get('machine', 'nothing recorded')}):")
        print(comparison(figures, recorded["figures"]))
        if failed:
            print(f"Did not finish: {', '.join(failed)}")


if __name__ == "__main__":
    main()
