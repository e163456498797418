"""`mcp-desk gateway connect|disconnect|undo` on another app's real settings file, with a real keyring."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from desktop.core.secrets import SecretStore
from desktop.gateway.config_backups import BACKUP_MARK
from desktop.gateway.control import token_secret
from desktop.services import APPS_HOME_ENV
from tests.e2e.test_secrets import desk
from tests.fixtures.servers.paths import server_path

CANARY = "ghp_canary5f0c9e2b71d4a8c3e6f7"


def cursor_file() -> Path:
    path = Path(os.environ[APPS_HOME_ENV]) / ".cursor" / "mcp.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    servers = {
        "github": {"command": "npx", "args": ["-y", "server-github"], "env": {"GITHUB_TOKEN": CANARY}},
        "echo": {"command": sys.executable, "args": [str(server_path("well_behaved"))]},
    }
    path.write_text(json.dumps({"mcpServers": servers}, indent=2) + "\n")
    return path


def test_connect_moving_servers_then_undo(keyring_store: SecretStore) -> None:
    path = cursor_file()
    original = path.read_bytes()

    done = desk("gateway", "connect", "cursor", "--move-servers", "--yes")

    assert done.returncode == 0, done.stderr
    assert "Moves github and echo from Cursor into MCP Desk" in done.stdout
    assert '+    "mcp-desk": {' in done.stdout and "mcp-desk gateway undo cursor" in done.stdout
    assert "only while sharing is on" in done.stdout
    entry = json.loads(path.read_text())["mcpServers"]
    assert list(entry) == ["mcp-desk"]
    assert entry["mcp-desk"]["args"][-3:] == ["connect", "--app", "cursor"]
    token = keyring_store.get(token_secret("cursor"))
    assert token and token not in path.read_text()
    assert keyring_store.get("GITHUB_TOKEN") == CANARY
    listing = json.loads(desk("servers", "list", "--json").stdout)
    assert {row["name"] for row in listing} >= {"github", "echo"}
    home = Path(os.environ["MCP_DESK_HOME"])
    holding = {
        p
        for p in [*home.rglob("*"), *path.parent.iterdir()]
        if p.is_file() and CANARY in p.read_text("utf-8", "replace")
    }
    assert all(BACKUP_MARK in p.name for p in holding), "only the two backups of the user's own file hold it"
    assert len(holding) == 2 and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in holding)

    undone = desk("gateway", "undo", "cursor")

    assert undone.returncode == 0, undone.stderr
    assert path.read_bytes() == original


def test_disconnect_asks_and_without_a_terminal_changes_nothing(keyring_store: SecretStore) -> None:
    path = cursor_file()
    assert desk("gateway", "connect", "cursor", "--yes").returncode == 0
    connected = path.read_bytes()

    asked = desk("gateway", "disconnect", "cursor")

    assert asked.returncode == 2
    assert "Removes MCP Desk from Cursor's servers" in asked.stdout and "Nothing was changed." in asked.stdout
    assert path.read_bytes() == connected
    assert desk("gateway", "disconnect", "cursor", "--yes").returncode == 0
    assert "mcp-desk" not in json.loads(path.read_text())["mcpServers"]


def test_a_damaged_file_is_a_sentence_not_a_traceback(keyring_store: SecretStore) -> None:
    path = Path(os.environ[APPS_HOME_ENV]) / ".codeium" / "windsurf" / "mcp_config.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"mcpServers": {,}}')

    refused = desk("gateway", "connect", "windsurf", "--yes")

    assert refused.returncode == 1
    assert refused.stderr.startswith(
        f"Windsurf's settings file is damaged, so MCP Desk won't change it. {path} is not valid JSON"
    )
    assert "Traceback" not in refused.stderr
    assert path.read_text() == '{"mcpServers": {,}}'
