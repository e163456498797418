"""`mcp-desk catalogue search` and `servers install`, run as a user would, against a loopback registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.secrets import SecretStore
from tests.e2e.test_cli_log_audit import ROOT, desk
from tests.fixtures.registry_server import TENANT, TIME, TIME_VERSION, FakeRegistry, item, time_server


def desk_with_input(text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def registry(isolated_home: str) -> Iterator[FakeRegistry]:
    assert desk("servers", "list").returncode == 0
    config_file = Path(isolated_home) / "config" / "config.json"
    with FakeRegistry() as fake:
        config = json.loads(config_file.read_text())
        config["settings"]["registry_urls"] = [fake.url]
        config_file.write_text(json.dumps(config))
        yield fake


def test_search_lists_matching_servers_as_json(registry: FakeRegistry) -> None:
    found = desk("catalogue", "search", "time", "zone", "--refresh", "--json")
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert [server["name"] for server in data["servers"]] == [TIME]
    assert data["live"] and data["source"].startswith(f"The registry at {registry.url}")
    assert data["servers"][0]["needs"] == ["Python (MCP Desk provides it)"]
    cached = desk("catalogue", "search", "airtable")
    assert cached.returncode == 0 and "io.github.domdomegg/airtable-mcp-server" in cached.stdout
    assert "as read on" in cached.stdout


def test_install_takes_values_from_set_and_secrets_from_standard_input(
    registry: FakeRegistry, keyring_store: SecretStore, isolated_home: str
) -> None:
    assert desk("catalogue", "search", "--refresh").returncode == 0
    refused = desk("servers", "install", TENANT, "--set", "X-Api-Key=key-on-the-command-line", "--yes")
    assert refused.returncode == 1 and "give it on standard input" in refused.stderr
    missing = desk_with_input("\n", "servers", "install", TENANT, "--yes")
    assert missing.returncode == 1 and "Fill in “Tenant” and “API key” before installing." in missing.stderr
    installed = desk_with_input(
        "key-5b8c3d2a\n", "servers", "install", TENANT, "--set", "tenant=acme", "--yes"
    )
    assert installed.returncode == 0, installed.stderr
    assert "Added “tenant-remote”" in installed.stdout and "Traceback" not in installed.stderr
    listed = {row["name"]: row for row in json.loads(desk("servers", "list", "--json").stdout)}
    assert listed["tenant-remote"]["launch"] == "https://acme.example.com/mcp"
    assert not listed["tenant-remote"]["approved"]
    assert [name for name in keyring_store.names() if keyring_store.get(name) == "key-5b8c3d2a"]
    for file in Path(isolated_home).rglob("*"):
        assert not file.is_file() or b"key-5b8c3d2a" not in file.read_bytes(), file
    asked = desk("servers", "check", "tenant-remote")
    assert asked.returncode == 2 and "MCP Desk is about to connect to “tenant-remote”" in asked.stdout
    assert "published by: io.github.mcp-desk-tests" in asked.stdout
    assert f"from: {TENANT} " in asked.stdout and f"from the registry at {registry.url}" in asked.stdout
    assert "It runs on the service of io.github.mcp-desk-tests, not on this computer" in asked.stdout


def test_without_yes_and_no_terminal_nothing_is_installed(registry: FakeRegistry) -> None:
    assert desk("catalogue", "search", "--refresh").returncode == 0
    asked = desk("servers", "install", TIME)
    assert asked.returncode == 1 and "Nothing was installed." in asked.stdout
    assert "PyPI mcp-server-time==" in asked.stdout and "verified" in asked.stdout
    unknown = desk("servers", "install", "io.github.nobody/nothing", "--yes")
    assert unknown.returncode == 1 and "is not in the catalogue" in unknown.stderr
    bundle = desk("servers", "install", "weather.mcpb", "--yes")
    assert bundle.returncode == 1 and "weather.mcpb" in bundle.stderr and "Traceback" not in bundle.stderr


def test_updates_are_listed_and_an_update_asks_for_approval_again(registry: FakeRegistry) -> None:
    assert desk("catalogue", "search", "--refresh").returncode == 0
    installed = desk("servers", "install", TIME, "--set", "local-timezone=Europe/Lisbon", "--yes")
    assert installed.returncode == 0, installed.stderr
    assert "Every server from a registry is up to date." in desk("catalogue", "updates").stdout
    registry.items = [item(time_server("2099.1.1"))]
    registry.etag = '"v2"'
    found = desk("catalogue", "updates", "--refresh", "--json")
    assert found.returncode == 0, found.stderr
    ((update),) = json.loads(found.stdout)
    assert (update["installed"], update["available"]) == (TIME_VERSION, "2099.1.1")
    said = desk("catalogue", "updates")
    assert f"{update['server']}: {TIME_VERSION} → 2099.1.1" in said.stdout
    updated = desk("catalogue", "update", update["server"])
    assert updated.returncode == 0, updated.stderr
    assert "to version 2099.1.1" in updated.stdout and "approve it" in updated.stdout
    listed = {row["name"]: row for row in json.loads(desk("servers", "list", "--json").stdout)}
    assert "mcp-server-time==2099.1.1 --local-timezone Europe/Lisbon" in listed[update["server"]]["launch"]
    missing = desk("catalogue", "update", "nothing-here")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
