"""The servers a new user gets: useful with no network and no Node installed.

They are the servers that ship inside MCP Desk (`bundled.BUNDLED`), run by the app's own
runtime: `python -m MODULE` from source, `mcp-desk --run-server NAME` when frozen. The files
server runs in a sandbox that sees only the folder it shares, with no network.
"""

from __future__ import annotations

import dataclasses
import sys

from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_store import ConfigStore, LoadResult
from desktop.core.paths import AppPaths
from desktop.core.sandbox_policy import FileAccess, Sandbox
from desktop.servers.bundled import BUNDLED, RUN_SERVER_FLAG


def builtin_command(name: str, *args: str) -> ServerConfig:
    """Bundled server `name`, run by this copy of MCP Desk."""
    if getattr(sys, "frozen", False):
        return ServerConfig(command=sys.executable, args=[RUN_SERVER_FLAG, name, *args])
    return ServerConfig(command=sys.executable, args=["-m", BUNDLED[name], *args])


def default_config(paths: AppPaths) -> AppConfig:
    servers = {
        "files": builtin_command("files", "--root", str(paths.files_dir)).model_copy(
            update={"sandbox": Sandbox(files=FileAccess.OWN, network=False)}
        ),
        "time": builtin_command("time"),
    }
    for config in servers.values():
        config.trusted_launch = config.launch_hash()
    return AppConfig(servers=servers)


def load_config(store: ConfigStore) -> LoadResult:
    """The saved settings, with approved bundled servers run by this copy of MCP Desk."""
    loaded = store.load()
    moved = relocated_builtins(loaded.config)
    if moved is None:
        return loaded
    store.save(moved)
    return dataclasses.replace(loaded, config=moved)


def relocated_builtins(config: AppConfig) -> AppConfig | None:
    """`config` with its approved bundled servers run by this copy; None when nothing changes.

    A bundled server's command is the app's own executable (or Python, from source), so it
    changes when MCP Desk is installed in another folder or run from source instead. The user
    approved running a server that ships with the app, not that path, so the approval moves
    with it. A server that was not approved, or whose launch was edited, is left as it is.
    """
    moved = {name: new for name, server in config.servers.items() if (new := _relocated(server))}
    if not moved:
        return None
    return config.model_copy(update={"servers": {**config.servers, **moved}})


def _relocated(server: ServerConfig) -> ServerConfig | None:
    bundled = _bundled_launch(server)
    if bundled is None or not server.is_trusted:
        return None
    here = builtin_command(*bundled)
    if (here.command, here.args) == (server.command, server.args):
        return None
    moved = server.model_copy(update={"command": here.command, "args": here.args})
    moved.trusted_launch = moved.launch_hash()
    return moved


def _bundled_launch(server: ServerConfig) -> tuple[str, ...] | None:
    """(NAME, *ARGS) when `server` runs a bundled server by either of the two launches."""
    args = server.args
    if server.command is None or len(args) < 2:
        return None
    if args[0] == RUN_SERVER_FLAG and args[1] in BUNDLED:
        return (args[1], *args[2:])
    names = {module: name for name, module in BUNDLED.items()}
    if args[0] == "-m" and args[1] in names:
        return (names[args[1]], *args[2:])
    return None
