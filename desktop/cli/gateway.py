"""`mcp-desk gateway …`: MCP Desk's door for the user's other AI apps, and what each app may use."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from desktop.cli.output import emit
from desktop.gateway.control import AppAccess
from desktop.gateway.endpoint import HOST
from desktop.services import Services


def add_gateway_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The `gateway` group; returns its subcommands, for `connect` and `disconnect` to join."""
    gateway = sub.add_parser(
        "gateway", help="the door through which your other AI apps use MCP Desk's servers"
    ).add_subparsers(required=True, metavar="ACTION")
    status = gateway.add_parser("status", help="on or off, its address, and each app with its servers")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_status)
    grant = gateway.add_parser("grant", help="choose which servers an app may use (replaces its list)")
    grant.add_argument("app", help="the app's id, such as cursor, claude or vscode")
    grant.add_argument("servers", nargs="*", metavar="SERVER", help="none: the app may use no server")
    grant.set_defaults(run=_grant)
    return gateway


async def _status(services: Services, args: argparse.Namespace) -> int:
    status = services.gateway.status()
    port = services.settings.app_settings().gateway.port
    address = f"http://{HOST}:{port}/mcp" if port else None
    data = {**asdict(status), "address": address}
    if not status.enabled:
        lines = ["The gateway is off: your other AI apps can't use MCP Desk's servers."]
        lines.append("Turn it on in MCP Desk's Settings.")
    else:
        lines = [f"The gateway is on, at {address}, whenever MCP Desk is open."]
    if status.problem:
        lines.append(status.problem)
    lines += ["", "Apps:", *map(_app_line, status.apps)] if status.apps else ["No app is connected yet."]
    emit(args, data, "\n".join(lines))
    return 0


def _app_line(access: AppAccess) -> str:
    servers = ", ".join(access.servers) if access.servers else "no server yet"
    return f"  {access.label} ({access.app}): {servers}"


async def _grant(services: Services, args: argparse.Namespace) -> int:
    await services.gateway.add_app(args.app)
    access = await services.gateway.grant(args.app, args.servers)
    print(_app_line(access).strip() + ".")
    return 0
