"""What the bridge reads of MCP Desk's settings, and what it says before relaying anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.config import AppConfig, AppSettings, GatewaySettings
from desktop.core.paths import AppPaths
from desktop.gateway.stdio_bridge import TURN_ON, BridgeProblem, gateway_settings, prepare


class Tokens:
    def __init__(self, **held: str) -> None:
        self.held = held

    def get(self, name: str) -> str | None:
        return self.held.get(name)


def saved(gateway: GatewaySettings) -> AppPaths:
    paths = AppPaths.from_environment()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(AppConfig(settings=AppSettings(gateway=gateway)).to_json())
    return paths


def test_settings_are_read_as_saved_and_left_alone() -> None:
    file = saved(GatewaySettings(enabled=True, port=47123)).config_file
    before = file.read_bytes()
    assert gateway_settings(file) == GatewaySettings(enabled=True, port=47123)
    assert file.read_bytes() == before


def test_no_settings_yet_means_the_gateway_is_off() -> None:
    paths = AppPaths.from_environment()
    assert gateway_settings(paths.config_file) == GatewaySettings()
    with pytest.raises(BridgeProblem) as said:
        prepare("cursor", paths, Tokens(), None)
    assert said.value.message == TURN_ON


def test_damaged_settings_say_to_open_mcp_desk(tmp_path: Path) -> None:
    file = tmp_path / "config.json"
    file.write_text("{ not json")
    with pytest.raises(BridgeProblem) as said:
        gateway_settings(file)
    assert said.value.message == "MCP Desk's settings could not be read: open MCP Desk once, then try again."


def test_an_app_without_a_token_is_named_before_anything_starts() -> None:
    paths = saved(GatewaySettings(enabled=True, port=47123))
    with pytest.raises(BridgeProblem) as said:
        prepare("cursor", paths, Tokens(**{"gateway.claude": "t"}), ["never-started"])
    assert "doesn't know the app “cursor”" in said.value.message
