"""What the user typed as a command: a whole command line split, and the program probably meant."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.servers.launch import find_program, install_hint, near_miss, resolve, split_command_line


@pytest.mark.parametrize(
    ("typed", "parts"),
    [
        (
            "npx -y @modelcontextprotocol/server-everything",
            ["npx", "-y", "@modelcontextprotocol/server-everything"],
        ),
        ("uvx mcp-server-fetch --ignore-robots-txt", ["uvx", "mcp-server-fetch", "--ignore-robots-txt"]),
        ("python -m server --root 'My Documents'", ["python", "-m", "server", "--root", "My Documents"]),
        ("  npx   pkg  ", ["npx", "pkg"]),
        ("npx", None),
        ("'just one program'", None),
        ("npx 'unclosed", None),
    ],
)
def test_a_command_line_splits_as_a_shell_would(typed: str, parts: list[str] | None) -> None:
    assert split_command_line(typed, windows=False) == parts


def test_a_windows_command_line_keeps_its_backslashes() -> None:
    typed = r'C:\tools\node\npx.cmd -y "C:\My Files"'
    assert split_command_line(typed, windows=True) == [r"C:\tools\node\npx.cmd", "-y", r"C:\My Files"]


def test_a_program_whose_path_has_spaces_stays_whole(tmp_path: Path) -> None:
    program = tmp_path / "My Apps" / "server"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    assert split_command_line(str(program), windows=False) is None


@pytest.mark.parametrize(("typed", "meant"), [("npz", "npx"), ("pyhton", "python"), ("dokcer", "docker")])
def test_a_near_miss_of_a_well_known_runner_is_suggested(typed: str, meant: str) -> None:
    assert near_miss(typed, {"PATH": ""}) == meant


def test_a_near_miss_among_the_programs_on_path(tmp_path: Path) -> None:
    program = tmp_path / "mcp-server-weather"
    program.write_text("#!/bin/sh\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    environ = {"PATH": str(tmp_path)}
    assert near_miss("mcp-server-waether", environ) == "mcp-server-weather"
    assert near_miss("something-else-entirely", environ) is None
    assert find_program("mcp-server-weather", environ) == str(program)
    assert find_program("mcp-server-waether", environ) is None


def test_what_to_install_for_a_well_known_runner() -> None:
    assert install_hint("npx") == "Node.js (from nodejs.org)"
    assert install_hint(str(Path("somewhere") / "uvx.exe")) == "uv (from docs.astral.sh/uv)"
    assert install_hint("my-own-server") is None


def test_a_server_inherits_how_this_computer_reaches_the_internet_and_nothing_private() -> None:
    environ = {
        "PATH": "/usr/bin:/bin",
        "HTTPS_PROXY": "http://proxy.example:3128",
        "NO_PROXY": "localhost",
        "SSL_CERT_FILE": "/etc/ssl/certs/company.pem",
        "NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/company.pem",
        "AWS_SECRET_ACCESS_KEY": "not for servers",
    }
    env = resolve(ServerConfig(command="sh"), environ).env
    assert env["HTTPS_PROXY"] == "http://proxy.example:3128" and env["NO_PROXY"] == "localhost"
    assert env["SSL_CERT_FILE"] == env["NODE_EXTRA_CA_CERTS"] == "/etc/ssl/certs/company.pem"
    assert "AWS_SECRET_ACCESS_KEY" not in env
