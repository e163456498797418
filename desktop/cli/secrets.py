"""`mcp-desk secrets …`: the secrets kept in the system keyring."""

from __future__ import annotations

import argparse
import getpass
import sys

from desktop.cli.asker import confirm
from desktop.cli.output import emit
from desktop.core.secrets_control import SecretInfo
from desktop.core.secrets_service import SecretInUse
from desktop.services import Services


def add_secret_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    secrets = sub.add_parser("secrets", help="secrets kept in the system keyring").add_subparsers(
        required=True, metavar="ACTION"
    )
    secrets_list = secrets.add_parser("list", help="names of the secrets and the servers that use them")
    secrets_list.add_argument("--json", action="store_true")
    secrets_list.set_defaults(run=_secrets_list)
    secrets_set = secrets.add_parser("set", help="set a secret; the value is read from standard input")
    secrets_set.add_argument("name")
    secrets_set.set_defaults(run=_secrets_set)
    secrets_delete = secrets.add_parser("delete", help="delete a secret")
    secrets_delete.add_argument("name")
    secrets_delete.add_argument("--yes", action="store_true", help="delete it even if servers use it")
    secrets_delete.set_defaults(run=_secrets_delete)


async def _secrets_list(services: Services, args: argparse.Namespace) -> int:
    listing = await services.secrets.secrets()
    rows = [{"name": s.name, "set": s.is_set, "used_by": list(s.used_by)} for s in listing]

    def line(info: SecretInfo) -> str:
        state = "set    " if info.is_set else "MISSING"
        return f"{info.name:<24} {state} {', '.join(info.used_by) or '(not used)'}"

    empty = "No secrets yet. Add one with: mcp-desk secrets set NAME (the value is read from standard input)"
    emit(args, rows, "\n".join(map(line, listing)) or empty)
    return 0


async def _secrets_set(services: Services, args: argparse.Namespace) -> int:
    if sys.stdin.isatty():
        value = getpass.getpass(f"Value for “{args.name}” (not shown as you type): ")
    else:
        value = sys.stdin.read().removesuffix("\n").removesuffix("\r")
    await services.secrets.set(args.name, value)
    print(f"Saved “{args.name}” in {services.secrets.check.backend}.")
    return 0


async def _secrets_delete(services: Services, args: argparse.Namespace) -> int:
    try:
        await services.secrets.delete(args.name, breaking=args.yes)
    except SecretInUse as in_use:
        if not confirm(str(in_use), "Delete it anyway?"):
            print("Not deleted.", file=sys.stderr)
            return 2
        await services.secrets.delete(args.name, breaking=True)
    print(f"Deleted “{args.name}”.")
    return 0
