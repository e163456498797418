"""The servers a new user gets, run by this copy of MCP Desk: Python from source, the app itself frozen."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_store import ConfigStore
from desktop.core.paths import AppPaths
from desktop.core.sandbox_policy import FileAccess, Sandbox
from desktop.servers.defaults import default_config, load_config, relocated_builtins

OLD_APP = "/home/user/Downloads/mcp-desk-0.1.0/mcp-desk"
NEW_APP = "/home/user/.local/share/mcp-desk/app/mcp-desk"


@pytest.fixture
def frozen_at(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", NEW_APP)
    return NEW_APP


def approved(command: str, *args: str) -> ServerConfig:
    config = ServerConfig(command=command, args=list(args))
    config.trusted_launch = config.launch_hash()
    return config


def test_from_source_the_defaults_run_with_this_python() -> None:
    paths = AppPaths.from_environment()
    servers = default_config(paths).servers
    assert servers["files"].command == sys.executable
    assert servers["files"].args == ["-m", "desktop.builtin_servers.files", "--root", str(paths.files_dir)]
    assert servers["time"].args == ["-m", "mcp_server_time"]
    assert all(server.is_trusted for server in servers.values())


def test_the_files_server_is_sandboxed_to_its_folder_without_network() -> None:
    servers = default_config(AppPaths.from_environment()).servers
    assert servers["files"].sandbox == Sandbox(files=FileAccess.OWN, network=False)
    assert servers["files"].is_trusted


def test_frozen_the_defaults_are_run_by_the_app_itself(frozen_at: str) -> None:
    paths = AppPaths.from_environment()
    servers = default_config(paths).servers
    assert servers["files"].command == frozen_at
    assert servers["files"].args == ["--run-server", "files", "--root", str(paths.files_dir)]
    assert (servers["time"].command, servers["time"].args) == (frozen_at, ["--run-server", "time"])
    assert all(server.is_trusted for server in servers.values()), (
        "no approval asked for the app's own servers"
    )


def test_approved_bundled_servers_follow_the_app_to_its_new_folder(frozen_at: str) -> None:
    config = AppConfig(
        servers={
            "files": approved(OLD_APP, "--run-server", "files", "--root", "/home/user/Shared"),
            "clock": approved("/usr/bin/python3", "-m", "mcp_server_time", "--local-timezone", "UTC"),
        }
    )
    moved = relocated_builtins(config)
    assert moved is not None
    assert (moved.servers["files"].command, moved.servers["files"].args) == (
        frozen_at,
        ["--run-server", "files", "--root", "/home/user/Shared"],
    )
    assert moved.servers["clock"].args == ["--run-server", "time", "--local-timezone", "UTC"]
    assert all(server.is_trusted for server in moved.servers.values())


def test_servers_the_user_did_not_approve_or_that_are_not_bundled_are_left_alone(frozen_at: str) -> None:
    unapproved = ServerConfig(command=OLD_APP, args=["--run-server", "files", "--root", "/tmp"])
    edited = approved(OLD_APP, "--run-server", "files", "--root", "/tmp")
    edited.args.append("--allow-write")  # changed after it was approved: it asks again, as before
    config = AppConfig(
        servers={
            "unapproved": unapproved,
            "edited": edited,
            "other": approved("/usr/bin/python3", "-m", "some_other_server"),
            "node": approved("npx", "-y", "@modelcontextprotocol/server-memory"),
            "here": approved(frozen_at, "--run-server", "time"),
        }
    )
    assert relocated_builtins(config) is None


def test_load_config_saves_the_moved_servers(frozen_at: str, tmp_path: Path) -> None:
    store = ConfigStore(tmp_path / "config.json", AppConfig)
    store.save(AppConfig(servers={"time": approved(OLD_APP, "--run-server", "time")}))
    loaded = load_config(store)
    assert loaded.config.servers["time"].command == frozen_at
    assert store.load().config.servers["time"].is_trusted
    assert store.load().config.servers["time"].command == frozen_at
