"""`mcp-desk servers call`, `log export` and `audit verify/export`, run as a user would."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.fixtures.servers.paths import server_path

ROOT = Path(__file__).resolve().parents[2]
CANARY = "canary-77d1e0-token"


def desk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def home(isolated_home: str) -> Path:
    added = desk(
        "servers",
        "add",
        "echo",
        "--env",
        f"API_TOKEN={CANARY}",
        "--",
        sys.executable,
        str(server_path("well_behaved")),
    )
    assert added.returncode == 0, added.stderr
    return Path(isolated_home)


def test_calls_are_logged_audited_and_exported_without_the_secret(home: Path, tmp_path: Path) -> None:
    allowed = desk("servers", "call", "echo", "echo", "--args", json.dumps({"text": CANARY}), "--yes")
    assert allowed.returncode == 0, allowed.stderr
    denied = desk("servers", "call", "echo", "add", "--args", '{"a": 1, "b": 2}')
    assert denied.returncode == 2 and "not called" in denied.stderr

    log_file, jsonl_file, csv_file = tmp_path / "log.jsonl", tmp_path / "audit.jsonl", tmp_path / "audit.csv"
    assert desk("log", "export", "--server", "echo", "--output", str(log_file)).returncode == 0
    assert desk("audit", "export", "--output", str(jsonl_file)).returncode == 0
    assert (
        desk("audit", "export", "--format", "csv", "--since", "1h", "--output", str(csv_file)).returncode == 0
    )

    entries = [json.loads(line) for line in log_file.read_text().splitlines()]
    calls = [e for e in entries if e["method"] == "tools/call"]
    assert [e["kind"] for e in calls] == ["request", "response"], "the denied call never went out"
    records = [json.loads(line) for line in jsonl_file.read_text().splitlines()]
    kinds = [r["kind"] for r in records]
    assert kinds == ["server added", "server approved", "tool call", "tool result", "tool call"]
    assert [r["data"].get("decision") for r in records if r["kind"] == "tool call"] == ["allowed", "denied"]
    assert records[2]["data"]["how"] == "command line --yes" and records[4]["data"]["how"] == "asked"
    assert records[3]["data"]["rpc_id"] == calls[0]["id"]
    with csv_file.open(encoding="utf-8-sig", newline="") as rows:
        assert [row["kind"] for row in csv.DictReader(rows)] == kinds

    verified = desk("audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout
    # A value typed into a server's settings lives in config.json, its .bak and its dated copies in
    # config/history (Settings › History); nowhere else.
    history = home / "config" / "history"
    outside_config = [
        p
        for p in home.rglob("*")
        if p.is_file() and p.name not in ("config.json", "config.json.bak") and p.parent != history
    ]
    for path in [*outside_config, log_file, jsonl_file, csv_file]:
        assert CANARY.encode() not in path.read_bytes(), f"the secret is in {path}"


def test_verify_names_a_changed_record_and_fails(home: Path) -> None:
    assert desk("servers", "call", "echo", "echo", "--args", '{"text": "hi"}', "--yes").returncode == 0
    with closing(sqlite3.connect(home / "data" / "audit.db")) as conn:
        conn.execute("DROP TRIGGER records_no_update")
        conn.execute("UPDATE records SET data = replace(data, 'hi', 'bye') WHERE kind = 'tool call'")
        conn.commit()
    verified = desk("audit", "verify")
    assert verified.returncode == 1
    assert "Record 3 was changed" in verified.stdout


def test_a_time_the_cli_does_not_understand_is_explained(home: Path) -> None:
    result = desk("log", "export", "--since", "last tuesday-ish")
    assert result.returncode == 2 and "is not a time MCP Desk understands" in result.stderr
