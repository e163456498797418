from __future__ import annotations

import os
import plistlib
import shlex
import sys
from pathlib import Path

import pytest

from desktop.core.autostart import Autostart, AutostartError, exec_quote

COMMAND = ["/opt/MCP Desk/bin/mcp-desk", "--minimized"]


class FakeRunKey:
    def __init__(self) -> None:
        self.value: str | None = None

    def get(self) -> str | None:
        return self.value

    def set(self, value: str) -> None:
        self.value = value

    def delete(self) -> None:
        self.value = None


def desktop_values(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:])


def test_linux_round_trip(tmp_path: Path) -> None:
    autostart = Autostart(platform="linux", home=tmp_path, environ={})
    path = tmp_path / ".config" / "autostart" / "mcp-desk.desktop"

    assert not autostart.is_enabled()
    autostart.enable(COMMAND)

    assert autostart.location == path
    assert autostart.is_enabled()
    values = desktop_values(path)
    assert values["Type"] == "Application"
    assert values["Name"] == "MCP Desk"
    assert values["Icon"] == "mcp-desk"
    assert values["X-GNOME-Autostart-enabled"] == "true"
    assert values["Comment"]
    assert values["Exec"] == '"/opt/MCP Desk/bin/mcp-desk" --minimized'

    autostart.disable()
    assert not path.exists()
    assert not autostart.is_enabled()
    autostart.disable()


def test_linux_respects_xdg_config_home(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    autostart = Autostart(platform="linux", home=tmp_path / "home", environ={"XDG_CONFIG_HOME": str(xdg)})

    autostart.enable(COMMAND)

    assert (xdg / "autostart" / "mcp-desk.desktop").is_file()
    assert not (tmp_path / "home").exists()


def test_linux_entry_hidden_by_the_desktop_counts_as_off(tmp_path: Path) -> None:
    autostart = Autostart(platform="linux", home=tmp_path, environ={})
    autostart.enable(COMMAND)
    assert autostart.location is not None
    with autostart.location.open("a", encoding="utf-8") as file:
        file.write("Hidden=true\n")

    assert not autostart.is_enabled()


@pytest.mark.parametrize(
    ("argument", "quoted"),
    [
        ("plain", "plain"),
        ("/path with spaces/app", '"/path with spaces/app"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("$HOME", '"\\$HOME"'),
        ("back\\slash", '"back\\\\slash"'),
        ("100%", "100%%"),
        ("", '""'),
    ],
)
def test_exec_quote(argument: str, quoted: str) -> None:
    assert exec_quote(argument) == quoted


def test_exec_line_escapes_backslashes_again_for_the_file(tmp_path: Path) -> None:
    autostart = Autostart(platform="linux", home=tmp_path, environ={})

    autostart.enable(["/usr/bin/app", "a\\b c", "$x"])

    assert autostart.location is not None
    exec_line = desktop_values(autostart.location)["Exec"]
    assert exec_line == '/usr/bin/app "a\\\\\\\\b c" "\\\\$x"'


def test_exec_line_reads_back_as_the_command(tmp_path: Path) -> None:
    command = ["/opt/My Apps/mcp desk", "--flag=it's", "plain"]
    autostart = Autostart(platform="linux", home=tmp_path, environ={})

    autostart.enable(command)

    assert autostart.location is not None
    assert shlex.split(desktop_values(autostart.location)["Exec"]) == command


def test_macos_round_trip(tmp_path: Path) -> None:
    autostart = Autostart(platform="darwin", home=tmp_path, environ={})
    path = tmp_path / "Library" / "LaunchAgents" / "app.mcpdesk.MCPDesk.plist"

    assert not autostart.is_enabled()
    autostart.enable(COMMAND)

    assert autostart.location == path
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == "app.mcpdesk.MCPDesk"
    assert agent["ProgramArguments"] == COMMAND
    assert agent["RunAtLoad"] is True
    assert autostart.is_enabled()

    autostart.disable()
    assert not path.exists()
    assert not autostart.is_enabled()


def test_macos_damaged_plist_counts_as_off(tmp_path: Path) -> None:
    autostart = Autostart(platform="darwin", home=tmp_path, environ={})
    assert autostart.location is not None
    autostart.location.parent.mkdir(parents=True)
    autostart.location.write_bytes(b"not a plist")

    assert not autostart.is_enabled()


def test_windows_round_trip_with_a_fake_registry(tmp_path: Path) -> None:
    key = FakeRunKey()
    autostart = Autostart(platform="win32", home=tmp_path, environ={}, run_key=key)

    autostart.enable([r"C:\Program Files\MCP Desk\MCP Desk.exe", "--minimized"])

    assert key.value == r'"C:\Program Files\MCP Desk\MCP Desk.exe" --minimized'
    assert autostart.location is None
    assert autostart.is_enabled()
    autostart.disable()
    assert not autostart.is_enabled()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="the real registry exists there")
def test_windows_without_winreg_says_so(tmp_path: Path) -> None:
    with pytest.raises(AutostartError, match="only works on Windows"):
        Autostart(platform="win32", home=tmp_path, environ={}).enable(COMMAND)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs folder permissions to hold")
def test_read_only_folder_raises_a_plain_error(tmp_path: Path) -> None:
    config = tmp_path / ".config"
    config.mkdir()
    config.chmod(0o500)
    try:
        with pytest.raises(AutostartError, match=r"^MCP Desk could not turn on starting at sign-in: .*\.$"):
            Autostart(platform="linux", home=tmp_path, environ={}).enable(COMMAND)
    finally:
        config.chmod(0o700)


def test_unwritable_location_raises_a_plain_error(tmp_path: Path) -> None:
    (tmp_path / ".config").write_text("a file where the folder should be")

    with pytest.raises(AutostartError) as error:
        Autostart(platform="linux", home=tmp_path, environ={}).enable(COMMAND)

    assert str(error.value).startswith("MCP Desk could not turn on starting at sign-in")
    assert str(tmp_path / ".config" / "autostart" / "mcp-desk.desktop") in str(error.value)


def test_empty_command_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Autostart(platform="linux", home=tmp_path, environ={}).enable([])
