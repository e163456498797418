"""`mcp-desk permissions`, run as a user would, against a real server process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.e2e.test_cli_log_audit import desk
from tests.fixtures.servers.paths import server_path


def test_a_server_set_to_allow_all_runs_its_tools_without_asking(isolated_home: str) -> None:
    added = desk("servers", "add", "echo", "--", sys.executable, str(server_path("well_behaved")))
    assert added.returncode == 0, added.stderr
    assert desk("servers", "check", "echo", "--yes").returncode == 0
    asked = desk("servers", "call", "echo", "echo", "--args", '{"text": "hi"}')
    assert asked.returncode != 0, "asks first, and with no terminal to ask the answer is no"

    chosen = desk("permissions", "server", "echo", "all")
    assert chosen.returncode == 0 and "“echo”: allow all." in chosen.stdout
    called = desk("servers", "call", "echo", "echo", "--args", '{"text": "hi"}')
    assert called.returncode == 0 and "hi" in called.stdout, called.stderr
    listed = json.loads(desk("permissions", "list", "--json").stdout)
    assert listed["servers"]["echo"] == {"default": "allow all", "sampling": False}
    assert {p["default"] for name, p in listed["servers"].items() if name != "echo"} == {"ask"}
    assert listed["rules"] == []
    exported = Path(isolated_home) / "audit.jsonl"
    assert desk("audit", "export", "--output", str(exported)).returncode == 0
    decisions = [
        r["data"] for r in map(json.loads, exported.read_text().splitlines()) if r["kind"] == "tool call"
    ]
    assert [d["how"] for d in decisions] == ["asked", "allow all"]


def test_mistakes_are_said_in_words(isolated_home: str) -> None:
    missing = desk("permissions", "server", "nowhere", "all")
    assert missing.returncode == 1 and "There is no server called “nowhere”." in missing.stderr
    unknown = desk("permissions", "revoke", "no-such-rule")
    assert unknown.returncode == 1 and "mcp-desk permissions list" in unknown.stderr
    assert "Traceback" not in missing.stderr + unknown.stderr
    everything = desk("permissions", "revoke", "--all")
    assert everything.returncode == 0 and "Took back 0 permissions" in everything.stdout
