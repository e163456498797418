"""Which protocol revision each server spoke, remembered from one launch to the next."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from mcp import MCPError

from desktop.core.config import ServerConfig
from desktop.servers.revisions import Revisions

SERVER = ServerConfig(command=sys.executable, args=["server.py"])
REFUSED = MCPError(-32022, "Unsupported protocol version")


def test_a_2025_revision_outlives_the_app_as_plain_json(tmp_path: Path) -> None:
    path = tmp_path / "protocol-revisions.json"
    Revisions(path).remember("srv", SERVER, "2025-11-25")
    assert json.loads(path.read_text()) == {
        "srv": {"revision": "2025-11-25", "launch_hash": SERVER.launch_hash()}
    }
    assert Revisions(path).mode("srv", SERVER) == "legacy"


@pytest.mark.parametrize("revision", ["2026-07-28", "2025-06-18"])
def test_only_a_handshake_era_revision_skips_the_probe(tmp_path: Path, revision: str) -> None:
    revisions = Revisions(tmp_path / "protocol-revisions.json")
    revisions.remember("srv", SERVER, revision)
    assert revisions.mode("srv", SERVER) == ("auto" if revision == "2026-07-28" else "legacy")


def test_bad_input_another_launch_or_server_is_probed(tmp_path: Path) -> None:
    revisions = Revisions(tmp_path / "protocol-revisions.json")
    revisions.remember("srv", SERVER, "2025-11-25")
    assert revisions.mode("srv", ServerConfig(command=sys.executable, args=["other.py"])) == "auto"
    assert revisions.mode("other", SERVER) == "auto"


def test_a_refused_handshake_is_forgotten_but_silence_is_not(tmp_path: Path) -> None:
    path = tmp_path / "protocol-revisions.json"
    revisions = Revisions(path)
    revisions.remember("srv", SERVER, "2025-11-25")
    assert not revisions.falls_back("srv", SERVER, MCPError(-32001, "Request timed out"))
    assert not revisions.falls_back("srv", SERVER, OSError("pipe closed"))
    assert revisions.falls_back("srv", SERVER, ExceptionGroup("in a task group", [REFUSED]))
    assert Revisions(path).mode("srv", SERVER) == "auto"
    assert not revisions.falls_back("srv", SERVER, REFUSED), "nothing was remembered any more"


def test_bad_input_an_unreadable_file_is_set_aside_and_costs_one_probe(tmp_path: Path) -> None:
    path = tmp_path / "protocol-revisions.json"
    path.write_text('{"srv": "2025-11-25"}', encoding="utf-8")
    revisions = Revisions(path)
    assert revisions.mode("srv", SERVER) == "auto"
    assert not path.exists() and path.with_suffix(".unreadable").exists()
    revisions.remember("srv", SERVER, "2025-11-25")
    assert Revisions(path).mode("srv", SERVER) == "legacy"
