"""`mcp-desk --smoke-test` from the source tree: window, default servers, tiny model, one tool call, audit."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest

from desktop.core.paths import HOME_ENV, AppPaths
from desktop.ui.web_part import web_part_available

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def started_from(home: Path) -> list[psutil.Process]:
    """Processes still running whose command line names `home` (the files server shares a folder in it)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(str(home) in part for part in process.info["cmdline"] or ()):
            found.append(process)
    return found


def test_the_smoke_test_passes_from_source_and_leaves_nothing_running(isolated_home: str) -> None:
    home = Path(isolated_home)
    env = {**os.environ, "MCP_DESK_KEYRING_SERVICE": f"mcp-desk-test-{uuid.uuid4().hex}"}
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--smoke-test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any("main window shown" in line for line in lines)
    assert any("server files runs" in line and "list_directory" in line for line in lines)
    assert any("server time runs" in line for line in lines)
    assert any("the model called list_directory and the audit trail recorded it" in line for line in lines)
    viewed = "a tool's view rendered with the web view part" if web_part_available() else "no web view part"
    assert any(viewed in line for line in lines)
    assert lines[-1].startswith("smoke test: passed")
    assert AppPaths.from_environment({HOME_ENV: str(home)}).audit_file.is_file(), (
        "it used the home it was given"
    )
    assert not started_from(home)
