"""The command line's entry: parse, build the services, run one command, close them."""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from desktop.cli.app_settings import add_app_config_commands
from desktop.cli.asker import TerminalAsker
from desktop.cli.catalogue import add_catalogue_commands, add_install_command
from desktop.cli.connect import add_connect_command
from desktop.cli.gateway import add_gateway_commands
from desktop.cli.model import add_model_commands
from desktop.cli.output import emit, show_logs
from desktop.cli.permissions import add_permission_commands
from desktop.cli.records import add_log_and_audit_commands
from desktop.cli.runtimes import add_runtime_commands
from desktop.cli.secrets import add_secret_commands
from desktop.cli.servers import add_import_command, add_server_commands
from desktop.cli.settings import add_settings_commands
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.problem import Problem
from desktop.core.secret_refs import SecretsError
from desktop.diagnostics import diagnose
from desktop.servers.faults import reason
from desktop.services import Services, build_services

Command = Callable[[Services, argparse.Namespace], Coroutine[Any, Any, int]]


def main(argv: list[str]) -> int:
    # Everything after "--" is a server's own command line, flags included.
    split = argv.index("--") if "--" in argv else len(argv)
    args = _parser().parse_args(argv[:split])
    if split < len(argv):
        args.command = argv[split + 1 :]
    show_logs(args.verbose)
    try:
        if (alone := getattr(args, "run_alone", None)) is not None:  # a command that needs no services
            return int(alone(args))
        return asyncio.run(_with_services(args.run, args))
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
        unexpected = getattr(args, "unexpected", "MCP Desk could not finish this command: {reason}")
        print(unexpected.format(reason=reason(error)), file=sys.stderr)
        if args.verbose:
            traceback.print_exc()
        else:
            print("Run it again with --verbose to see the technical details.", file=sys.stderr)
        return 1


async def _with_services(command: Command, args: argparse.Namespace) -> int:
    allow_all = getattr(args, "yes", False) and getattr(args, "yes_allows_calls", False)
    asker = TerminalAsker(allow_all=allow_all)
    services = build_services(AppPaths.from_environment(), EventBus(), asker)
    if services.loaded.problem:
        print(services.loaded.problem.message, file=sys.stderr)
    if lost := services.loaded.lost:
        print(
            f"{lost.sentence()} To bring them back: mcp-desk settings restore {lost.snapshot}",
            file=sys.stderr,
        )
    try:
        return await command(services, args)
    finally:
        await services.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcp-desk", description="MCP Desk without the window.")
    parser.add_argument("--verbose", action="store_true", help="show technical details of errors")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    doctor = sub.add_parser("doctor", help="check this computer and MCP Desk's setup")
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(run=_doctor)
    add_install_command(add_server_commands(sub))
    add_catalogue_commands(sub)
    add_secret_commands(sub)
    add_permission_commands(sub)
    add_model_commands(sub)
    add_log_and_audit_commands(sub)
    add_import_command(sub)
    add_settings_commands(sub)
    add_runtime_commands(sub)
    add_app_config_commands(add_gateway_commands(sub))
    add_connect_command(sub)
    return parser


async def _doctor(services: Services, args: argparse.Namespace) -> int:
    diagnosis = await diagnose(services)
    emit(args, diagnosis.as_data(), diagnosis.text())
    return 0 if diagnosis.healthy else 1
