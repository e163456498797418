"""`mcp-desk connect --app ID`: the stdio bridge an AI app starts as if it were a server.

No services are built: the bridge reads the settings file and the app's token, and relays.
Its stdout is the app's protocol; every sentence goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os

import keyring

from desktop.core.paths import AppPaths
from desktop.core.secrets import SERVICE, SecretStore
from desktop.gateway.app_starter import HIDDEN_FLAG
from desktop.gateway.stdio_bridge import prepare, relay
from desktop.services import KEYRING_SERVICE_ENV, launch_command

START_ENV = "MCP_DESK_BRIDGE_STARTS"
"""A JSON list: the command the bridge starts instead of MCP Desk (tests start a stand-in); `[]`: none."""


def add_connect_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    connect = sub.add_parser(
        "connect",
        help="let an AI app that starts servers over stdio use MCP Desk's servers (the app runs this)",
    )
    connect.add_argument("--app", required=True, help="the app's id, as the Other AI apps page wrote it")
    connect.set_defaults(
        run_alone=_connect,
        unexpected="MCP Desk's connection for this app stopped: {reason} Start the app again.",
    )


def _connect(args: argparse.Namespace) -> int:
    tokens = SecretStore(keyring.get_keyring(), os.environ.get(KEYRING_SERVICE_ENV, SERVICE))
    start = prepare(args.app, AppPaths.from_environment(), tokens, _start_command())
    asyncio.run(relay(start.url, start.token))
    return 0


def _start_command() -> list[str]:
    stand_in = os.environ.get(START_ENV)
    if stand_in is not None:
        return [str(part) for part in json.loads(stand_in)]
    return [*launch_command(), HIDDEN_FLAG]
