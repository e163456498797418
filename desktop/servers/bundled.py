"""The MCP servers that ship inside MCP Desk, and how the app runs one of them by name.

From source, a bundled server runs as `python -m MODULE`. The frozen app has no Python to
run it with, so its own executable does: `mcp-desk --run-server NAME [ARGS...]`. Only the
modules named in `BUNDLED` can be run that way.
"""

from __future__ import annotations

import runpy
import sys

RUN_SERVER_FLAG = "--run-server"

BUNDLED: dict[str, str] = {
    "files": "desktop.builtin_servers.files",
    "time": "mcp_server_time",
}
"""Short name -> module run as `__main__`."""


def run_server(argv: list[str]) -> int:
    """`argv` is NAME followed by the server's own arguments; returns the process's exit code."""
    if not argv or argv[0] not in BUNDLED:
        asked = f"“{argv[0]}”" if argv else "no server"
        names = ", ".join(sorted(BUNDLED))
        print(
            f"MCP Desk cannot run {asked}: it can only run the servers it ships with ({names}).",
            file=sys.stderr,
        )
        return 2
    module = BUNDLED[argv[0]]
    sys.argv = [module, *argv[1:]]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exit_:
        return _exit_code(exit_.code)
    return 0


def _exit_code(code: object) -> int:
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1
