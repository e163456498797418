"""`mcp-desk` and `python -m desktop`: the window (`--hidden`: in the tray), a command, a bundled server
or the smoke test."""

from __future__ import annotations

import sys

from desktop.gateway.app_starter import HIDDEN_FLAG
from desktop.servers.bundled import RUN_SERVER_FLAG, run_server


def main(argv: list[str] | None = None) -> int:
    if getattr(sys, "frozen", False):
        import multiprocessing

        # The quantizer's worker process starts as this executable; this runs it.
        multiprocessing.freeze_support()
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == [RUN_SERVER_FLAG]:
        return run_server(args[1:])
    if args == ["--smoke-test"]:
        from desktop.smoke_test import run_smoke_test

        return run_smoke_test()
    if args and args != [HIDDEN_FLAG]:
        from desktop.cli.main import main as cli_main

        return cli_main(args)
    from desktop.app import run_gui

    return run_gui(hidden=bool(args))
