"""`mcp-desk <subcommand>`: the same services as the window, without one.

Every command prints plain sentences, `--json` where it prints data, and exits
non-zero with a reason when something is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import re
import sys
import tempfile
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from desktop.app import Services, build_services
from desktop.cli_model import add_model_commands, emit
from desktop.core.audit_records import ConsentHow
from desktop.core.config import ServerConfig
from desktop.core.consent import (
    CallContext,
    Choice,
    ConsentRequest,
    Decision,
    ElicitationAnswer,
    ElicitationRequest,
    SamplingRequest,
    SamplingReview,
)
from desktop.core.events import EventBus, ServerState
from desktop.core.paths import AppPaths
from desktop.core.problem import Problem
from desktop.core.rpc_log import LogFilter
from desktop.core.rpc_log_files import export_entries
from desktop.core.secret_refs import SecretsError
from desktop.core.secrets_service import SecretInfo, SecretInUse
from desktop.diagnostics import diagnose
from desktop.servers.control import ServerProblem, TrustRequest
from desktop.servers.importers import ImportSource

Command = Callable[[Services, argparse.Namespace], Coroutine[Any, Any, int]]


def main(argv: list[str]) -> int:
    # Everything after "--" is a server's own command line, flags included.
    split = argv.index("--") if "--" in argv else len(argv)
    args = _parser().parse_args(argv[:split])
    if split < len(argv):
        args.command = argv[split + 1 :]
    command: Command = args.run
    try:
        return asyncio.run(_with_services(command, args))
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


async def _with_services(command: Command, args: argparse.Namespace) -> int:
    asker = TerminalAsker(allow_all=getattr(args, "yes", False) and args.run is _servers_call)
    services = build_services(AppPaths.from_environment(), EventBus(), asker)
    if services.loaded.problem:
        print(services.loaded.problem.message, file=sys.stderr)
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

    servers = sub.add_parser("servers", help="list, add, check and call MCP servers").add_subparsers(
        required=True, metavar="ACTION"
    )
    listing = servers.add_parser("list", help="list configured servers")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_servers_list)
    add = servers.add_parser("add", help="add a server: NAME -- COMMAND [ARGS...], or NAME --url URL")
    add.add_argument("name")
    add.add_argument("--url")
    add.add_argument("--env", action="append", default=[], metavar="K=V")
    add.add_argument("--header", action="append", default=[], metavar="K=V")
    add.add_argument("command", nargs="*", help="after “--”: the program and its arguments")
    add.set_defaults(run=_servers_add)
    check = servers.add_parser("check", help="start a server, list its tools, stop it")
    check.add_argument("name")
    check.add_argument("--yes", action="store_true", help="approve the server's command without asking")
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=_servers_check)
    call = servers.add_parser("call", help="call one tool of a server")
    call.add_argument("name")
    call.add_argument("tool")
    call.add_argument("--args", default="{}", help="the tool's arguments as a JSON object")
    call.add_argument("--yes", action="store_true", help="allow the call without asking")
    call.add_argument("--json", action="store_true")
    call.set_defaults(run=_servers_call)

    _add_secrets(sub)
    add_model_commands(sub)
    _add_log_and_audit(sub)

    imp = sub.add_parser("import", help="import servers from Claude Desktop, Cursor, VS Code or LM Studio")
    imp.add_argument("source", choices=[s.name.lower() for s in ImportSource])
    imp.add_argument("path", nargs="?", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="show what would be added, change nothing")
    imp.add_argument(
        "--keep-secrets-in-config",
        action="store_true",
        help="leave keys and tokens found in the settings there instead of moving them to the keyring",
    )
    imp.set_defaults(run=_import)
    return parser


def _add_secrets(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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


def _add_log_and_audit(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    since_help = "only from this time on: 2026-11-20, 2026-11-20T14:30, 2h, 3d, today, yesterday"
    log = sub.add_parser("log", help="the JSON-RPC log").add_subparsers(required=True, metavar="ACTION")
    log_export = log.add_parser("export", help="write the log as JSON Lines")
    log_export.add_argument("--server", default="")
    log_export.add_argument("--since", type=parse_since, help=since_help)
    log_export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    log_export.set_defaults(run=_log_export)

    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(required=True, metavar="ACTION")
    verify = audit.add_parser("verify", help="check that no record was changed, removed or reordered")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=_audit_verify)
    audit_export = audit.add_parser("export", help="write the audit trail as JSON Lines or CSV")
    audit_export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    audit_export.add_argument("--since", type=parse_since, help=since_help)
    audit_export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    audit_export.set_defaults(run=_audit_export)


def parse_since(text: str, now: datetime | None = None) -> float:
    """A time the user typed: ISO date or date-time, `today`, `yesterday`, or an age like 2h / 3d."""
    now = now or datetime.now().astimezone()
    word = text.strip().lower()
    if word in ("today", "yesterday"):
        day = now.date() - timedelta(days=1 if word == "yesterday" else 0)
        midnight = datetime.combine(day, datetime.min.time())
        return (midnight.replace(tzinfo=now.tzinfo) if now.tzinfo else midnight.astimezone()).timestamp()
    if (match := re.fullmatch(r"(\d+)\s*([smhdw])", word)) is not None:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match[2]]
        return (now - timedelta(**{unit: int(match[1])})).timestamp()
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{text}” is not a time MCP Desk understands; try 2026-11-20, 2026-11-20T14:30, 2h or yesterday"
        ) from None
    return (when if when.tzinfo else when.astimezone()).timestamp()


async def _log_export(services: Services, args: argparse.Namespace) -> int:
    where = LogFilter(server=args.server, since=args.since)
    entries = await asyncio.to_thread(lambda: list(services.rpc_log.files.read(where)))
    await _write_out(args.output, lambda path: export_entries(entries, path))
    print(f"Exported {len(entries)} log entries.", file=sys.stderr)
    return 0


async def _audit_verify(services: Services, args: argparse.Namespace) -> int:
    report = await services.audit.verify()
    emit(args, asdict(report), report.message)
    return 0 if report.ok else 1


async def _audit_export(services: Services, args: argparse.Namespace) -> int:
    audit = services.audit
    count = await _write_out(args.output, lambda path: audit.export_now(path, args.format, args.since))
    print(f"Exported {count} audit records.", file=sys.stderr)
    return 0


async def _write_out(output: Path | None, write: Callable[[Path], int]) -> int:
    """Write with `write` to `output`, or through a temporary file to standard output."""
    if output is not None:
        return await asyncio.to_thread(write, output)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export"
        count = await asyncio.to_thread(write, path)
        sys.stdout.write(path.read_text(encoding="utf-8"))
    return count


async def _doctor(services: Services, args: argparse.Namespace) -> int:
    diagnosis = await diagnose(services)
    emit(args, diagnosis.as_data(), diagnosis.text())
    return 0 if diagnosis.healthy else 1


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
        if not _confirm(str(in_use), "Delete it anyway?"):
            print("Not deleted.", file=sys.stderr)
            return 2
        await services.secrets.delete(args.name, breaking=True)
    print(f"Deleted “{args.name}”.")
    return 0


async def _servers_list(services: Services, args: argparse.Namespace) -> int:
    rows = []
    for status in services.manager.statuses():
        config = services.manager.config_of(status.name)
        rows.append(
            {
                "name": status.name,
                "enabled": config.enabled,
                "approved": config.is_trusted,
                "start_with_app": config.start_with_app,
                "launch": config.display_command(),
            }
        )
    text = "\n".join(f"{r['name']:<20} {'on ' if r['enabled'] else 'off'} {r['launch']}" for r in rows)
    emit(args, rows, text or "No servers yet. Add one with: mcp-desk servers add NAME -- COMMAND [ARGS...]")
    return 0


async def _servers_add(services: Services, args: argparse.Namespace) -> int:
    command = list(args.command)
    if bool(command) == bool(args.url):
        raise ServerProblem("Give either a command after “--” or --url, not both and not neither.")
    config = ServerConfig(
        command=command[0] if command else None,
        args=command[1:],
        url=args.url,
        env=_pairs(args.env, "--env"),
        headers=_pairs(args.header, "--header"),
    )
    await services.manager.add(args.name, config)
    print(f"Added “{args.name}”. MCP Desk will ask you to approve its command before it first starts.")
    return 0


async def _servers_check(services: Services, args: argparse.Namespace) -> int:
    manager = services.manager
    if not manager.config_of(args.name).is_trusted:
        request = manager.trust_request(args.name)
        if not (args.yes or _confirm(_trust_text(request), "Approve and start it?")):
            print("Not approved, so it was not started.", file=sys.stderr)
            return 2
        await manager.trust(args.name, request.launch_hash)
    status = await manager.start(args.name)
    if status.state is not ServerState.RUNNING:
        print(status.reason, file=sys.stderr)
        for line in manager.output_of(args.name)[-10:]:
            print(f"  | {line}", file=sys.stderr)
        return 1
    tools = manager.tools(args.name)
    data = {"server": args.name, "healthy": True, "tools": [asdict(t) for t in tools]}
    emit(
        args,
        data,
        f"“{args.name}” is healthy with {len(tools)} tools:\n"
        + "\n".join(f"  {t.name} — {t.description.splitlines()[0] if t.description else ''}" for t in tools),
    )
    return 0


async def _servers_call(services: Services, args: argparse.Namespace) -> int:
    try:
        arguments = json.loads(args.args)
    except json.JSONDecodeError as exc:
        raise ServerProblem(f"--args is not valid JSON ({exc.msg} at column {exc.colno}).") from exc
    if not isinstance(arguments, dict):
        raise ServerProblem('--args must be a JSON object, like \'{"text": "hello"}\'.')
    manager = services.manager
    if not manager.config_of(args.name).is_trusted and not args.yes:
        raise ServerProblem(f"“{args.name}” is not approved yet. Run: mcp-desk servers check {args.name}")
    if not manager.config_of(args.name).is_trusted:
        await manager.trust(args.name, manager.trust_request(args.name).launch_hash)
    status = await manager.start(args.name)
    if status.state is not ServerState.RUNNING:
        raise ServerProblem(status.reason, status.details)
    outcome = await manager.call_tool(f"{args.name}__{args.tool}", arguments, CallContext("command line"))
    if outcome.denied:
        print("Not allowed, so the tool was not called.", file=sys.stderr)
        return 2
    emit(args, asdict(outcome), outcome.text)
    return 0 if outcome.ok else 1


async def _import(services: Services, args: argparse.Namespace) -> int:
    plan = await services.manager.preview_import(ImportSource[args.source.upper()], args.path)
    if plan.problem:
        raise ServerProblem(plan.problem)
    for entry in plan.entries:
        label = {"add": "add", "rename": f"add as {entry.name}", "skip": "skip"}[entry.action]
        print(f"{entry.original_name}: {label}" + "".join(f"\n    note: {n}" for n in entry.notes))
        for found in entry.found_secrets if entry.action != "skip" else ():
            print(f"    key or token in its {found.where}: becomes the secret {found.secret}")
    if args.dry_run:
        print("Dry run: nothing was changed.")
        return 0
    move = not args.keep_secrets_in_config
    added = await services.manager.apply_import(plan, move_secrets=move)
    print(f"Added {len(added)} server(s) from {plan.path}. Approve each before it first starts.")
    moved = [found.secret for entry in plan.to_import for found in entry.found_secrets] if move else []
    if moved:
        print(f"Moved into {services.secrets.check.backend}: {', '.join(moved)}.")
    return 0


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ServerProblem(f"{flag} takes NAME=VALUE, and “{item}” has no “=”.")
        pairs[key] = value
    return pairs


def _trust_text(request: TrustRequest) -> str:
    lines = [f"MCP Desk is about to run “{request.server}”:", f"  {request.command_line}"]
    if request.env_names:
        lines.append(f"  with environment variables: {', '.join(request.env_names)}")
    return "\n".join(lines)


class TerminalAsker:
    """The consent gate's questions, asked on the terminal; with `--yes`, every tool call is allowed."""

    def __init__(self, allow_all: bool, stdin: TextIO = sys.stdin) -> None:
        self._allow_all = allow_all
        self._stdin = stdin

    async def ask(self, request: ConsentRequest) -> Decision:
        if self._allow_all:
            return Decision(Choice.ALLOW_ONCE, request.arguments, ConsentHow.COMMAND_LINE)
        tool = request.tool
        lines = [f"{tool.server} wants to run {tool.name} with:", json.dumps(request.arguments, indent=2)]
        lines += [f"  Warning: {flag.sentence()}" for flag in request.flags]
        if request.changed_from is not None:
            lines.append("  This tool changed since you last allowed it.")
        if await asyncio.to_thread(_confirm, "\n".join(lines), "Allow?", self._stdin):
            return Decision(Choice.ALLOW_ONCE, request.arguments)
        return Decision(Choice.DENY, request.arguments, reason="refused on the command line")

    async def elicit(self, request: ElicitationRequest) -> ElicitationAnswer:
        print(f"{request.server} asks: {request.message}\n(Answer it in the MCP Desk window; declined here.)")
        return ElicitationAnswer("decline")

    async def review_sampling(self, request: SamplingRequest, answer: str | None) -> SamplingReview:
        return SamplingReview(False)


def _confirm(text: str, question: str, stdin: TextIO = sys.stdin) -> bool:
    """Ask on the terminal; with no terminal to ask, the answer is no."""
    print(text)
    if not stdin.isatty():
        print(f"{question} [y/N] no (no terminal to ask; use --yes to allow)")
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
