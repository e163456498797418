"""`mcp-desk permissions …`: what each server's tools may do without asking, and the remembered choices."""

from __future__ import annotations

import argparse
import sys
import time

from desktop.cli.output import emit
from desktop.core.consent_rules import ConsentRule, ServerDefault
from desktop.services import Services

DEFAULTS = {"ask": ServerDefault.ASK, "read-only": ServerDefault.READ_ONLY, "all": ServerDefault.ALL}


def add_permission_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    permissions = sub.add_parser(
        "permissions", help="what servers' tools may do without asking, and remembered choices"
    ).add_subparsers(required=True, metavar="ACTION")
    listing = permissions.add_parser("list", help="each server's choice and every remembered permission")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)
    server = permissions.add_parser("server", help="choose what a server's tools may do without asking")
    server.add_argument("name")
    server.add_argument(
        "default",
        choices=DEFAULTS,
        help="ask: ask before each tool; read-only: tools the server marks read-only run without "
        "asking; all: every tool runs without asking, except those set to Never",
    )
    server.set_defaults(run=_server)
    revoke = permissions.add_parser("revoke", help="take back a remembered permission (its ID from list)")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("rule", nargs="?", help="the permission's ID, as `permissions list` shows it")
    which.add_argument("--all", action="store_true", help="take back every remembered permission")
    revoke.set_defaults(run=_revoke)


async def _list(services: Services, args: argparse.Namespace) -> int:
    consent = services.consent
    servers = {status.name: consent.policy(status.name) for status in services.manager.statuses()}
    rules = consent.rules()
    data = {
        "servers": {
            name: {"default": p.default.value, "sampling": p.allow_sampling} for name, p in servers.items()
        },
        "rules": [rule.audit_data() | {"expired": rule.expired(time.time())} for rule in rules],
    }
    lines = ["What each server's tools may do without asking:"] if servers else []
    lines += [f"  {name:<24} {policy.default.value}" for name, policy in servers.items()]
    if rules:
        lines += ["", "Remembered permissions:", *map(_rule_line, rules)]
    emit(args, data, "\n".join(lines) or "No servers yet. Add one with: mcp-desk servers add NAME -- COMMAND")
    return 0


def _rule_line(rule: ConsentRule) -> str:
    choice = "never" if rule.never else ("this chat" if rule.chat_id else "always allow")
    if rule.until_quit:
        choice += ", until MCP Desk quits"
    elif rule.expires is not None:
        choice += ", until " + time.strftime("%Y-%m-%d %H:%M", time.localtime(rule.expires))
    return f"{rule.id}  {rule.server} › {rule.tool}: {choice}"


async def _server(services: Services, args: argparse.Namespace) -> int:
    services.manager.config_of(args.name)  # says in words when there is no such server
    policy = await services.consent.set_policy(args.name, default=DEFAULTS[args.default])
    print(f"“{args.name}”: {policy.default.value}.")
    return 0


async def _revoke(services: Services, args: argparse.Namespace) -> int:
    count = await services.consent.revoke(None if args.all else args.rule)
    if count == 0 and not args.all:
        print(
            f"There is no remembered permission {args.rule}. See them with: mcp-desk permissions list",
            file=sys.stderr,
        )
        return 1
    print(f"Took back {count} permission{'s' if count != 1 else ''}; those tools ask again before they run.")
    return 0
