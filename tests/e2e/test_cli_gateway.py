"""`mcp-desk gateway`, run as a user would: what the door says, and an app's servers chosen."""

from __future__ import annotations

import json
import sys

from desktop.core.secrets import SecretStore
from desktop.gateway.control import token_secret
from tests.e2e.test_cli_log_audit import desk
from tests.fixtures.servers.paths import server_path


def test_an_apps_servers_are_chosen_and_shown(isolated_home: str, keyring_store: SecretStore) -> None:
    off = desk("gateway", "status")
    assert off.returncode == 0 and "The gateway is off" in off.stdout, off.stderr
    assert (
        desk("servers", "add", "echo", "--", sys.executable, str(server_path("well_behaved"))).returncode == 0
    )

    granted = desk("gateway", "grant", "cursor", "echo")
    assert granted.returncode == 0 and "Cursor (cursor): echo." in granted.stdout, granted.stderr
    assert keyring_store.get(token_secret("cursor")), "its token is in the keyring"
    status = json.loads(desk("gateway", "status", "--json").stdout)
    assert status["enabled"] is False and status["url"] is None
    assert status["apps"] == [{"app": "cursor", "label": "Cursor", "servers": ["echo"], "connected": False}]


def test_mistakes_are_said_in_words(isolated_home: str, keyring_store: SecretStore) -> None:
    unknown = desk("gateway", "grant", "cursor", "nowhere")
    assert unknown.returncode == 1 and "There is no server called “nowhere”." in unknown.stderr
    odd = desk("gateway", "grant", "Cursor App", "echo")
    assert odd.returncode == 1 and "can't name an app" in odd.stderr
    assert "Traceback" not in unknown.stderr + odd.stderr
