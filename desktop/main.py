"""`mcp-desk` and `python -m desktop`: the window (`--hidden`: in the tray), a command, a bundled server
or the smoke test."""

from __future__ import annotations

import sys

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
    if args:
        return _with_arguments(args)
    from desktop.app import run_gui

    return run_gui()


def _with_arguments(args: list[str]) -> int:
    """A bundle to open, the window in the tray, or a command (read only when asked: the window is first)."""
    from pathlib import Path

    from desktop.catalogue.control import BUNDLE_SUFFIX
    from desktop.gateway.app_starter import HIDDEN_FLAG

    if args == [HIDDEN_FLAG] or (len(args) == 1 and args[0].lower().endswith(BUNDLE_SUFFIX)):
        from desktop.app import run_gui

        if args == [HIDDEN_FLAG]:
            return run_gui(hidden=True)
        return run_gui(Path(args[0]))  # a bundle opened from the file manager
    from desktop.cli.main import main as cli_main

    return cli_main(args)
