"""`mcp-desk gateway connect|disconnect|undo APP`: MCP Desk's entry in another AI app's settings.

Each change is printed in words and as a diff, asked about unless `--yes`, then written with a
backup; `undo` puts back what the last change replaced. (`gateway status` and `grant` are in `gateway`.)
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable

from desktop.cli.asker import confirm
from desktop.gateway.change_diff import change_diff
from desktop.gateway.control import ConfigChange, GatewayProblem
from desktop.servers.import_formats import ImportSource
from desktop.services import Services

APPS = [source.value for source in ImportSource]


def add_app_config_commands(gateway: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds connect, disconnect and undo to the `gateway` command group."""
    connect = gateway.add_parser("connect", help="let another AI app use MCP Desk's servers")
    connect.add_argument("app", choices=APPS)
    connect.add_argument(
        "--move-servers", action="store_true", help="also move that app's own servers into MCP Desk"
    )
    connect.add_argument("--yes", action="store_true", help="change the app's settings without asking")
    connect.set_defaults(run=_connect)
    disconnect = gateway.add_parser("disconnect", help="take MCP Desk out of another AI app's settings")
    disconnect.add_argument("app", choices=APPS)
    disconnect.add_argument("--yes", action="store_true", help="change the app's settings without asking")
    disconnect.set_defaults(run=_disconnect)
    undo = gateway.add_parser("undo", help="put back what MCP Desk last changed in an app's settings")
    undo.add_argument("app", choices=APPS)
    undo.set_defaults(run=_undo)


async def _connect(services: Services, args: argparse.Namespace) -> int:
    change = await _previewed(services.apps.preview_connect(args.app, move_servers=args.move_servers))
    return await _apply(services, args, change, connecting=True)


async def _disconnect(services: Services, args: argparse.Namespace) -> int:
    change = await _previewed(services.apps.preview_disconnect(args.app))
    return await _apply(services, args, change, connecting=False)


async def _previewed(preview: Awaitable[ConfigChange]) -> ConfigChange:
    """The change; a file MCP Desk won't change is said with where it is and what is wrong in it,
    which the window shows one click away and a terminal has no other place for."""
    try:
        return await preview
    except GatewayProblem as problem:
        raise GatewayProblem(f"{problem.message} {problem.details}".strip()) from None


async def _apply(services: Services, args: argparse.Namespace, change: ConfigChange, connecting: bool) -> int:
    if change.after == change.before:
        print(change.summary)
        await services.apps.apply(change)
        return 0
    text = f"{change.summary}\n\nThe file {change.path} changes like this:\n{change_diff(change)}"
    if not args.yes and not confirm(text, f"Change {change.label}'s settings?"):
        print("Nothing was changed.")
        return 2
    if args.yes:
        print(text)
    await services.apps.apply(change)
    print(
        f"Done. A copy of the file as it was is kept beside it. Restart {change.label} to use the change; "
        f"to put the file back: mcp-desk gateway undo {change.app}"
    )
    if connecting and not services.gateway.status().enabled:
        print(
            f"{change.label} can use MCP Desk's servers only while sharing is on: turn it on, and choose "
            "the servers each app may use, on the Other AI apps page of MCP Desk's window."
        )
    return 0


async def _undo(services: Services, args: argparse.Namespace) -> int:
    await services.apps.undo(args.app)
    print(f"{ImportSource(args.app).label}'s settings are back as they were before MCP Desk changed them.")
    return 0
