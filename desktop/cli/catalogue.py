"""`mcp-desk catalogue search` and `mcp-desk servers install`: find a server in the registry, install it.

Values go in with `--set KEY=VALUE`; a secret never does (a command line is seen by other
programs and kept in shell history): secrets are read from standard input, one line each, in
the order the install asks for them, and go to the keyring.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import TextIO

from desktop.catalogue.control import CatalogueProblem, FieldKind, InstallField, InstallPlan
from desktop.catalogue.search import CatalogueSearch
from desktop.cli.asker import confirm
from desktop.cli.output import emit
from desktop.cli.servers import _pairs
from desktop.services import Services


def add_catalogue_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    catalogue = sub.add_parser("catalogue", help="find servers in the MCP Registry").add_subparsers(
        required=True, metavar="ACTION"
    )
    search = catalogue.add_parser("search", help="servers whose name, title or description hold every word")
    search.add_argument("text", nargs="*", help="the words to look for (none: every server)")
    search.add_argument("--refresh", action="store_true", help="ask the registry for its list first")
    search.add_argument("--json", action="store_true")
    search.set_defaults(run=_search)
    updates = catalogue.add_parser(
        "updates", help="servers installed from a registry that has a newer version"
    )
    updates.add_argument("--refresh", action="store_true", help="ask the registry for its list first")
    updates.add_argument("--json", action="store_true")
    updates.set_defaults(run=_updates)
    update = catalogue.add_parser("update", help="install a server's newer version, keeping its settings")
    update.add_argument("name", help="the server's name in MCP Desk")
    update.set_defaults(run=_update)


def add_install_command(servers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    install = servers.add_parser(
        "install", help="install a server from the registry, or an .mcpb bundle file"
    )
    install.add_argument("entry", help="the registry's name for it (see: catalogue search), or FILE.mcpb")
    install.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="values")
    install.add_argument("--name", help="what to call it in MCP Desk (default: from its registry name)")
    install.add_argument("--yes", action="store_true", help="install without asking")
    install.set_defaults(run=_install)


async def _search(services: Services, args: argparse.Namespace) -> int:
    catalogue = services.catalogue
    listing = await (catalogue.refresh() if args.refresh else catalogue.listing())
    found = CatalogueSearch(listing.entries).find(" ".join(args.text))
    rows = [{key: value for key, value in asdict(entry).items() if key != "search_text"} for entry in found]
    if listing.problem:
        print(listing.problem, file=sys.stderr)
    lines = [f"{e.name}  {e.version}\n    {e.title}: {e.description}" for e in found]
    footer = f"{len(found)} of {len(listing.entries)} servers. {listing.source}."
    emit(args, {"source": listing.source, "live": listing.live, "servers": rows}, "\n".join([*lines, footer]))
    return 0


async def _updates(services: Services, args: argparse.Namespace) -> int:
    if args.refresh:
        listing = await services.catalogue.refresh()
        if listing.problem:
            print(listing.problem, file=sys.stderr)
    found = await services.catalogue.updates()
    lines = [
        f"{u.server}: {u.installed} → {u.available}  (mcp-desk catalogue update {u.server})" for u in found
    ]
    emit(args, [asdict(u) for u in found], "\n".join(lines) or "Every server from a registry is up to date.")
    return 0


async def _update(services: Services, args: argparse.Namespace) -> int:
    updated = await services.catalogue.update(args.name)
    print(updated.message)
    return 0


async def _install(services: Services, args: argparse.Namespace) -> int:
    catalogue = services.catalogue
    if args.entry.lower().endswith(".mcpb"):
        plan = await catalogue.plan_bundle(Path(args.entry))
    else:
        plan = await catalogue.plan_entry(args.entry)
    if plan.blocked:
        raise CatalogueProblem(plan.blocked)
    if args.name:
        plan = replace(plan, suggested_name=args.name)
    values = _values(plan, _pairs(args.values, "--set"), sys.stdin)
    if not args.yes and not confirm(_plan_text(plan), "Install it?"):
        print("Nothing was installed.")
        return 1
    installed = await catalogue.install(plan, values, lambda what, _: print(f"{what}…"))
    print(installed.message)
    return 0


def _values(plan: InstallPlan, given: dict[str, str], stdin: TextIO) -> dict[str, str]:
    fields = {item.key: item for item in plan.fields}
    for key in given:
        if key not in fields:
            raise CatalogueProblem(f"“{plan.title}” asks for no “{key}”. It asks for: {_keys(plan.fields)}.")
        if fields[key].kind is FieldKind.SECRET:
            raise CatalogueProblem(
                f"“{key}” is secret: give it on standard input, not on the command line, "
                "where other programs can see it."
            )
    values = dict(given)
    for item in plan.fields:
        if item.kind is FieldKind.SECRET:
            values[item.key] = _read_secret(item, stdin)
    return values


def _read_secret(item: InstallField, stdin: TextIO) -> str:
    if stdin.isatty():
        return getpass.getpass(f"{item.label} (not shown as you type): ")
    return stdin.readline().removesuffix("\n").removesuffix("\r")


def _plan_text(plan: InstallPlan) -> str:
    checked = "verified by the registry" if plan.verified else "not verified"
    lines = [
        f"{plan.title}, published by {plan.publisher} ({checked})",
        f"  runs: {plan.package}",
        f"  from: {plan.source}",
        f"  {plan.abilities}",
        *(f"  {caution}" for caution in plan.cautions),
        *(f"  {note}" for note in plan.notes),
        *([f"  tools: {', '.join(plan.tools)}"] if plan.tools else []),
        f"It will be called “{plan.suggested_name}” in MCP Desk.",
    ]
    return "\n".join(lines)


def _keys(fields: tuple[InstallField, ...]) -> str:
    return ", ".join(item.key for item in fields) or "nothing"
