"""A server with `runtime="mcp-desk"`: MCP Desk's own Node.js and uv run it, first on its PATH."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.core.paths import AppPaths
from desktop.servers.control import ServerProblem
from desktop.servers.launch import PATH_AS_GIVEN_ENV, resolve, search_path
from desktop.servers.runtimes import NODE, UV, ManagedRuntimes, RuntimeSpec

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX layout of the runtimes")


def place(runtimes: ManagedRuntimes, *programs: tuple[RuntimeSpec, str]) -> None:
    """Programs where an install puts them (what `runtime_install` does is tested on its own)."""
    for spec, name in programs:
        program = runtimes.executable(spec, name)
        program.parent.mkdir(parents=True, exist_ok=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)


@pytest.fixture
def runtimes() -> ManagedRuntimes:
    return ManagedRuntimes.of(AppPaths.from_environment())


def environ(path: str) -> dict[str, str]:
    return {**os.environ, "PATH": path, PATH_AS_GIVEN_ENV: "1"}


def test_npx_runs_as_npm_s_script_under_mcp_desk_s_node_first_on_path(runtimes: ManagedRuntimes) -> None:
    place(runtimes, (NODE, "node"), (UV, "uv"))
    config = ServerConfig(command="npx", args=["-y", "pkg@1.0.0"], runtime="mcp-desk")
    launch = resolve(config, environ("/somewhere/else"))
    folder = runtimes.folder(NODE)
    assert launch.argv == [
        str(folder / "bin" / "node"),
        str(folder / "lib" / "node_modules" / "npm" / "bin" / "npx-cli.js"),
        "-y",
        "pkg@1.0.0",
    ]
    assert launch.env["PATH"].split(os.pathsep) == [
        str(folder / "bin"),
        str(runtimes.bin_dir(UV)),
        "/somewhere/else",
    ]
    assert launch.env["npm_config_cache"] == str(runtimes.caches / "npm")
    assert launch.env["UV_PYTHON_INSTALL_DIR"] == str(runtimes.caches / "uv-python")


def test_uvx_is_mcp_desk_s_and_the_server_s_own_cache_setting_wins(runtimes: ManagedRuntimes) -> None:
    place(runtimes, (UV, "uv"), (UV, "uvx"))
    config = ServerConfig(
        command="uvx", args=["mcp-server-time"], env={"UV_CACHE_DIR": "/mine"}, runtime="mcp-desk"
    )
    launch = resolve(config, environ(""))
    assert launch.argv == [str(runtimes.executable(UV, "uvx")), "mcp-server-time"]
    assert launch.env["UV_CACHE_DIR"] == "/mine"


def test_a_runtime_not_installed_yet_says_how_to_get_it() -> None:
    config = ServerConfig(command="uvx", args=["mcp-server-time"], runtime="mcp-desk")
    with pytest.raises(
        ServerProblem, match=r"MCP Desk's own uv is not installed yet\. Press Start to install it"
    ):
        resolve(config, environ(""))


def test_other_programs_of_a_managed_server_are_the_computer_s(
    tmp_path: Path, runtimes: ManagedRuntimes
) -> None:
    place(runtimes, (NODE, "node"))
    own = tmp_path / "server"
    own.write_text("#!/bin/sh\n")
    own.chmod(0o755)
    launch = resolve(ServerConfig(command="server", runtime="mcp-desk"), environ(str(tmp_path)))
    assert launch.program == str(own)
    assert launch.env["PATH"].split(os.pathsep)[0] == str(runtimes.bin_dir(NODE))


def test_without_npx_on_the_computer_mcp_desk_offers_its_own(tmp_path: Path) -> None:
    with pytest.raises(ServerProblem) as caught:
        resolve(ServerConfig(command="npx", args=["-y", "pkg"]), environ(str(tmp_path)))
    assert caught.value.message == (
        "“npx” was not found on this computer. This server needs a free helper program, Node.js "
        f"({NODE.download_mb} MB), that MCP Desk can download for it. Press “Download it and start” on "
        "its page in Servers (or run: mcp-desk servers edit NAME --own-runtime)."
    )


def test_the_path_as_given_adds_no_install_folders(tmp_path: Path) -> None:
    assert search_path({"PATH": str(tmp_path), PATH_AS_GIVEN_ENV: "1"}) == str(tmp_path)
    assert "/usr/bin" in search_path({"PATH": str(tmp_path)}).split(os.pathsep)


def test_on_windows_node_s_folder_and_npm_s_cmd_launchers_go_on_path(tmp_path: Path) -> None:
    runtimes = ManagedRuntimes(tmp_path / "runtimes", tmp_path / "caches", windows=True)
    folder = tmp_path / "runtimes" / "node-24.19.0"
    assert runtimes.executable(NODE, "node") == folder / "node.exe"
    assert runtimes.path_dirs(NODE) == [folder, folder / "lib" / "node_modules" / "npm" / "bin"]
    assert runtimes.argv("npx.cmd") == [
        str(folder / "node.exe"),
        str(folder / "lib/node_modules/npm/bin/npx-cli.js"),
    ]
    assert runtimes.argv("uvx") == [str(tmp_path / "runtimes" / "uv-0.13.9" / "bin" / "uvx.exe")]
