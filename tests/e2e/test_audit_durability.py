"""Audited tool calls survive the app being killed mid-burst."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.redact import Redactor
from desktop.servers.leftovers import LeftoverRegistry

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("audit_child.py")
COMMITTED_BEFORE_KILL = 100


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL does not exist on Windows")
def test_committed_records_survive_sigkill(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    printed: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            printed.append(int(line))
            if len(printed) >= COMMITTED_BEFORE_KILL:
                break
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        stderr = child.stderr.read() if child.stderr else ""
    assert len(printed) >= COMMITTED_BEFORE_KILL, f"the child stopped early:\n{stderr}"
    assert child.returncode == -signal.SIGKILL

    LeftoverRegistry(tmp_path / "data" / "run").sweep()
    db = tmp_path / "data" / "audit.db"
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {seq for (seq,) in conn.execute("SELECT seq FROM records")}
    assert set(printed) <= stored, f"committed but lost: {sorted(set(printed) - stored)[:10]}"
    with AuditTrail(db, Redactor()) as trail:
        report = trail.verify_now()
        results = trail.query_now(AuditFilter(kind=AuditKind.TOOL_RESULT), limit=100_000)
        calls = trail.query_now(AuditFilter(kind=AuditKind.TOOL_CALL), limit=100_000)
    assert report.ok, report.message
    assert report.checked == len(stored)
    decisions = {record.seq for record in calls}
    assert set(printed) <= decisions
    assert {result.data["call"] for result in results} <= decisions, "every result follows its decision"
