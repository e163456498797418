"""`mcp-desk settings …`: the settings' history, a restore, and “Export everything” and its import.

A passphrase is read from standard input (typed twice, unseen, at a terminal), never from the
command line, where other programs and the shell's history could read it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from desktop.cli.asker import confirm
from desktop.cli.output import emit
from desktop.core.settings import SettingsProblem
from desktop.services import Services


def add_settings_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    settings = sub.add_parser("settings", help="the settings' history, and moving them to another computer")
    actions = settings.add_subparsers(required=True, metavar="ACTION")
    history = actions.add_parser("history", help="the saved versions of the settings, newest first")
    history.add_argument("--json", action="store_true")
    history.set_defaults(run=_history)
    restore = actions.add_parser("restore", help="go back to saved version N (itself kept as a new one)")
    restore.add_argument("number", type=int, metavar="N")
    restore.set_defaults(run=_restore)
    export = actions.add_parser(
        "export",
        help="save servers, settings, permissions and their secrets in one file, sealed with a passphrase",
    )
    export.add_argument("file", type=Path)
    export.set_defaults(run=_export)
    imp = actions.add_parser(
        "import", help="bring in a file “export” made, secrets into this computer's keyring"
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    imp.add_argument("--yes", action="store_true", help="import without asking")
    imp.set_defaults(run=_import)


async def _history(services: Services, args: argparse.Namespace) -> int:
    snapshots = await services.settings.keeping().history()
    rows = [{"number": s.number, "taken": s.taken.isoformat(), "summary": s.summary} for s in snapshots]
    lines = [f"{s.number:>4}  {s.taken.astimezone():%Y-%m-%d %H:%M}  {s.summary}" for s in snapshots]
    emit(args, rows, "\n".join(lines) or "No saved versions yet.")
    return 0


async def _restore(services: Services, args: argparse.Namespace) -> int:
    await services.settings.keeping().restore(args.number)
    print(
        f"Restored version {args.number}. "
        "The settings before it are kept too: see “mcp-desk settings history”."
    )
    return 0


async def _export(services: Services, args: argparse.Namespace) -> int:
    passphrase = _passphrase(twice=True)
    done = await services.settings.keeping().export_to(args.file, passphrase)
    print(
        f"Saved to {done.path} (servers: {done.servers}, permissions: {done.permissions}, "
        f"secrets: {done.secrets}). Keep the passphrase: without it nobody can open the file, you included."
    )
    return 0


async def _import(services: Services, args: argparse.Namespace) -> int:
    keeping = services.settings.keeping()
    preview = await keeping.preview_import(args.file, _passphrase(twice=False))
    text = "\n".join(preview.lines())
    if args.dry_run:
        print(text)
        return 0
    if not args.yes and not confirm(text, "Import this?"):
        print("Nothing was changed.", file=sys.stderr)
        return 2
    await keeping.apply_import(preview)
    print(f"Imported {args.file.name}.")
    return 0


def _passphrase(twice: bool) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    first = getpass.getpass("Passphrase (not shown as you type): ")
    if twice and getpass.getpass("The same passphrase again: ") != first:
        raise SettingsProblem("The two passphrases differ. Nothing was saved; try again.")
    return first
