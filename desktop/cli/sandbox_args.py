"""`--files` and `--network` on `servers add` and `servers edit`: a server's sandbox on the command line."""

from __future__ import annotations

import argparse
from typing import Any

from desktop.core.config import ServerConfig
from desktop.core.sandbox_policy import Sandbox, parse_files
from desktop.servers.control import ServerProblem

FILES_HELP = (
    "run it in a sandbox that sees: none, own (its own folder), shared-read, shared-write, home, "
    "or folders (PATH, or PATH:rw to let it change files there)"
)


def add_sandbox_options(parser: argparse.ArgumentParser, edit: bool = False) -> None:
    parser.add_argument("--files", nargs="+", metavar="WHAT", help=FILES_HELP)
    parser.add_argument("--network", choices=("off", "on"), help="with a sandbox: may it use the network")
    if edit:
        parser.add_argument("--no-sandbox", action="store_true", help="run it unsandboxed, as any program")


def sandbox_from(args: argparse.Namespace, current: Sandbox | None, remote: bool = False) -> Sandbox | None:
    """The sandbox the options ask for, starting from `current`; `current` when they say nothing."""
    if remote and (args.files or args.network):
        raise ServerProblem("--files and --network are for a program on this computer, not for a --url.")
    if getattr(args, "no_sandbox", False):
        if args.files or args.network:
            raise ServerProblem("--no-sandbox can't go with --files or --network: choose one.")
        return None
    if not (args.files or args.network):
        return current
    changes: dict[str, Any] = {}
    if args.files:
        try:
            changes["files"], changes["folders"] = parse_files(args.files)
        except ValueError as exc:
            raise ServerProblem(f"{_sentence(exc)} For example: --files own /data/photos:rw") from exc
    if args.network:
        changes["network"] = args.network == "on"
    return (current or Sandbox()).model_copy(update=changes)


def sandbox_data(config: ServerConfig) -> dict[str, Any] | None:
    """The server's sandbox as `servers list --json` shows it; None when it runs unsandboxed."""
    return config.sandbox.model_dump(mode="json") if config.sandbox else None


def _sentence(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    text = str(errors()[0]["ctx"]["error"]) if callable(errors) else str(exc)
    return text[:1].upper() + text[1:].rstrip(".") + "."
