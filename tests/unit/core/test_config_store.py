"""The settings file: atomic saves, a kept backup, migrations, and no lost files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.config import AppConfig, ServerConfig, check_server_name, suggest_server_name
from desktop.core.config_store import ConfigStore


def _defaults() -> AppConfig:
    return AppConfig(servers={"time": ServerConfig(command="mcp-server-time")})


@pytest.fixture
def store(tmp_path: Path) -> ConfigStore:
    return ConfigStore(tmp_path / "config.json", _defaults)


def test_first_start_writes_the_defaults(store: ConfigStore) -> None:
    loaded = store.load()
    assert loaded.created and loaded.problem is None
    assert json.loads(store.path.read_text())["mcpServers"]["time"]["command"] == "mcp-server-time"


def test_save_keeps_the_previous_version_as_backup(store: ConfigStore) -> None:
    config = store.load().config
    config.servers["echo"] = ServerConfig(command="echo-server")
    store.save(config)
    assert "echo" in json.loads(store.path.read_text())["mcpServers"]
    assert "echo" not in json.loads(store.backup_path.read_text())["mcpServers"]
    assert [p.name for p in store.path.parent.iterdir() if p.suffix == ".tmp"] == []


def test_claude_desktop_shape_is_read_as_is(store: ConfigStore) -> None:
    store.path.write_text(
        json.dumps(
            {
                "schema_version": 2,
                "mcpServers": {
                    "fs": {
                        "command": "npx",
                        "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
                        "env": {"DEBUG": "1"},
                    },
                    "remote": {"url": "https://example.org/mcp", "headers": {"X-Team": "a"}},
                },
            }
        )
    )
    loaded = store.load()
    assert loaded.problem is None
    assert loaded.config.servers["fs"].args[0] == "-y"
    assert loaded.config.servers["remote"].is_remote


@pytest.mark.parametrize(
    "content",
    [
        '{"mcpServers": {',
        "[1, 2]",
        '{"mcpServers": {"x": {"args": []}}}',
        "\udcff".encode("utf-8", "surrogateescape"),
        '{"schema_version": 99}',
        '{"mcpServers": {"bad name!": {"command": "x"}}}',
    ],
    ids=["truncated", "not-an-object", "no-command-or-url", "not-utf8", "from-the-future", "bad-name"],
)
def test_unreadable_file_is_kept_aside_and_reported(store: ConfigStore, content: str | bytes) -> None:
    store.load()
    original = content if isinstance(content, bytes) else content.encode()
    store.path.write_bytes(original)
    loaded = store.load()
    assert loaded.problem is not None and loaded.problem.kept_at is not None
    assert loaded.problem.kept_at.read_bytes() == original
    assert "could not read its settings file" in loaded.problem.message
    assert "Traceback" not in loaded.problem.message
    assert store.load().problem is None


def test_recovery_prefers_the_last_good_backup(store: ConfigStore) -> None:
    config = store.load().config
    config.servers["mine"] = ServerConfig(command="my-server")
    store.save(config)
    store.save(config)
    store.path.write_text("{ broken")
    loaded = store.load()
    assert "previous saved settings" in loaded.problem.message if loaded.problem else False
    assert "mine" in loaded.config.servers


def test_version_1_files_are_migrated(store: ConfigStore) -> None:
    store.path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "mcpServers": {"a": {"command": "a", "autostart": False, "init_timeout": 5000}},
            }
        )
    )
    loaded = store.load()
    assert loaded.problem is None
    server = loaded.config.servers["a"]
    assert server.start_with_app is False and server.init_timeout == 5.0
    assert json.loads(store.path.read_text())["schema_version"] == 2


def test_launch_hash_changes_with_what_the_user_approved() -> None:
    base = ServerConfig(command="npx", args=["server"], env={"TOKEN": "a"})
    assert base.launch_hash() == base.model_copy(update={"env": {"TOKEN": "b"}}).launch_hash()
    assert base.launch_hash() != base.model_copy(update={"args": ["other"]}).launch_hash()
    assert base.launch_hash() != base.model_copy(update={"env": {"OTHER": "a"}}).launch_hash()


def test_server_names_stay_usable_as_tool_prefixes() -> None:
    assert check_server_name("files-2") == "files-2"
    for bad in ("a__b", "", "-x", "has space", "x" * 49):
        with pytest.raises(ValueError, match="can't be used"):
            check_server_name(bad)
    assert suggest_server_name("My Server!!", {"My-Server"}) == "My-Server-2"
    assert suggest_server_name("a__b") == "a_b"
