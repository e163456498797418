"""The servers a new user gets: useful with no network and no Node installed."""

from __future__ import annotations

import sys

from desktop.core.config import AppConfig, ServerConfig
from desktop.core.paths import AppPaths


def builtin_command(module: str, *args: str) -> ServerConfig:
    """A server that ships with MCP Desk, run by the same Python as the app."""
    return ServerConfig(command=sys.executable, args=["-m", module, *args])


def default_config(paths: AppPaths) -> AppConfig:
    servers = {
        "files": builtin_command("desktop.builtin_servers.files", "--root", str(paths.files_dir)),
        "time": builtin_command("mcp_server_time"),
    }
    for config in servers.values():
        config.trusted_launch = config.launch_hash()
    return AppConfig(servers=servers)
