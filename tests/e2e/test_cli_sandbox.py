"""`servers add/edit --files --network` and `servers list --json` on the real command line."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli_faults import desk
from tests.fixtures.servers.paths import server_path


def sandbox_of(name: str) -> object:
    listed = desk("servers", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return next(row["sandbox"] for row in json.loads(listed.stdout) if row["name"] == name)


def test_add_with_a_sandbox_then_edit_it_then_drop_it(isolated_home: str, tmp_path: Path) -> None:
    hostile = ["--", sys.executable, str(server_path("hostile"))]
    added = desk("servers", "add", "h", "--files", "own", f"{tmp_path}:rw", "--network", "on", *hostile)
    assert added.returncode == 0, added.stderr
    assert sandbox_of("h") == {
        "files": "own",
        "folders": [{"path": str(tmp_path), "writable": True}],
        "network": True,
    }
    edited = desk("servers", "edit", "h", "--network", "off")
    assert edited.returncode == 0, edited.stderr
    assert "It may not use the network." in edited.stdout
    assert sandbox_of("h") == {
        "files": "own",
        "folders": [{"path": str(tmp_path), "writable": True}],
        "network": False,
    }
    assert desk("servers", "edit", "h", "--no-sandbox").returncode == 0
    assert sandbox_of("h") is None


def test_a_hand_added_server_without_options_runs_unsandboxed_and_the_question_says_so(
    isolated_home: str,
) -> None:
    assert desk("servers", "add", "w", "--", sys.executable, str(server_path("well_behaved"))).returncode == 0
    assert sandbox_of("w") is None
    asked = desk("servers", "check", "w")
    assert "Not sandboxed: it can read and change all your files and use the network." in asked.stdout


def test_wrong_files_values_are_a_sentence(isolated_home: str) -> None:
    bad = desk("servers", "add", "x", "--files", "photos", "--", "node")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "must be a full path" in bad.stderr
    assert (
        "not for a --url"
        in desk("servers", "add", "y", "--url", "http://127.0.0.1:1/mcp", "--files", "own").stderr
    )


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (.ci/run installs it)")
def test_check_runs_a_sandboxed_server(isolated_home: str) -> None:
    assert (
        desk(
            "servers", "add", "h", "--files", "none", "--", sys.executable, str(server_path("hostile"))
        ).returncode
        == 0
    )
    checked = desk("servers", "check", "h", "--yes")
    assert checked.returncode == 0, checked.stderr
    assert "is healthy with 3 tools" in checked.stdout
