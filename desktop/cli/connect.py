"""`mcp-desk connect --app ID`: the stdio bridge an AI app starts as if it were a server.

No services are built: the bridge reads the settings file and the app's token, and relays.
Its stdout is the app's protocol; every sentence goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import traceback

import keyring

from desktop.core.paths import AppPaths
from desktop.core.problem import Problem
from desktop.core.secret_refs import SecretsError
from desktop.core.secrets import SERVICE, SecretStore
from desktop.gateway.app_starter import HIDDEN_FLAG
from desktop.gateway.stdio_bridge import prepare, relay
from desktop.servers.faults import reason
from desktop.services import KEYRING_SERVICE_ENV, launch_command

START_ENV = "MCP_DESK_BRIDGE_STARTS"
"""A JSON list: the command the bridge starts instead of MCP Desk (tests start a stand-in); `[]`: none."""


def add_connect_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    connect = sub.add_parser(
        "connect",
        help="let an AI app that starts servers over stdio use MCP Desk's servers (the app runs this)",
    )
    connect.add_argument("--app", required=True, help="the app's id, as the Other AI apps page wrote it")
    connect.set_defaults(run_alone=_connect)


def _connect(args: argparse.Namespace) -> int:
    tokens = SecretStore(keyring.get_keyring(), os.environ.get(KEYRING_SERVICE_ENV, SERVICE))
    try:
        start = prepare(args.app, AppPaths.from_environment(), tokens, _start_command())
        asyncio.run(relay(start.url, start.token))
    except Problem as problem:
        print(problem.message, file=sys.stderr)
        if problem.details and args.verbose:
            print(problem.details, file=sys.stderr)
        return 1
    except SecretsError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # nothing put it in words: say what we know, the traceback only if asked
        stopped = f"MCP Desk's connection for this app stopped: {reason(error)} Start the app again."
        print(stopped, file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        return 1
    return 0


def _start_command() -> list[str]:
    stand_in = os.environ.get(START_ENV)
    if stand_in is not None:
        return [str(part) for part in json.loads(stand_in)]
    return [*launch_command(), HIDDEN_FLAG]
