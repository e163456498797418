"""`mcp-desk servers …` and `mcp-desk import`: list, add, check and call servers, or bring them in."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from desktop.cli.asker import confirm
from desktop.cli.output import emit
from desktop.cli.resources import add_content_commands
from desktop.cli.runtimes import add_runtime_options, runtime_from
from desktop.cli.sandbox_args import add_sandbox_options, sandbox_data, sandbox_from
from desktop.cli.server_start import start_once
from desktop.core.config import ServerConfig, SignInClient
from desktop.core.consent import CallContext
from desktop.core.events import ServerState
from desktop.core.sandbox_policy import Sandbox
from desktop.servers.control import ServerProblem, TrustRequest
from desktop.servers.importers import ImportSource
from desktop.servers.result_parts import part_data
from desktop.servers.sandbox import sandbox_summary
from desktop.services import Services


def add_server_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Adds `servers …`; returns its actions, for other command groups to add theirs."""
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
    add.add_argument(
        "--client-id", help="with --url: the client ID the server's provider gave you for signing in"
    )
    add.add_argument(
        "--client-secret-stdin",
        action="store_true",
        help="with --client-id: read the client secret from standard input (it goes to the keyring)",
    )
    add_sandbox_options(add)
    add_runtime_options(add)
    add.add_argument("command", nargs="*", help="after “--”: the program and its arguments")
    add.set_defaults(run=_servers_add)
    edit = servers.add_parser(
        "edit", help="change a server's sandbox (what files it sees, the network) or its Node.js and uv"
    )
    edit.add_argument("name")
    add_sandbox_options(edit, edit=True)
    add_runtime_options(edit, edit=True)
    edit.set_defaults(run=_servers_edit)
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
    call.set_defaults(run=_servers_call, yes_allows_calls=True)
    add_content_commands(servers)
    return servers


def add_import_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser(
        "import", help="import servers from another AI app (Claude Desktop, Cursor, VS Code, …)"
    )
    imp.add_argument("source", choices=[s.name.lower() for s in ImportSource])
    imp.add_argument("path", nargs="?", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="show what would be added, change nothing")
    imp.add_argument(
        "--keep-secrets-in-config",
        action="store_true",
        help="leave keys and tokens found in the settings there instead of moving them to the keyring",
    )
    imp.set_defaults(run=_import)


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
                "sandbox": sandbox_data(config),
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
        sign_in=_sign_in_client(args),
        sandbox=sandbox_from(args, None, remote=bool(args.url)),
        runtime=runtime_from(args, None, remote=bool(args.url)),
    )
    await services.manager.add(args.name, config)
    print(f"Added “{args.name}”. MCP Desk will ask you to approve its command before it first starts.")
    if config.sign_in is not None:
        print(f"Its sign-in comes back to {config.sign_in.redirect_uri}: give its provider that address.")
    return 0


async def _servers_edit(services: Services, args: argparse.Namespace) -> int:
    config = services.manager.config_of(args.name)
    sandbox = sandbox_from(args, config.sandbox, remote=config.is_remote)
    runtime = runtime_from(args, config.runtime, remote=config.is_remote)
    await services.manager.update(
        args.name, config.model_copy(update={"sandbox": sandbox, "runtime": runtime})
    )
    print(f"Saved “{args.name}”. {sandbox_summary(sandbox)}")
    if runtime != config.runtime:
        print("It runs on MCP Desk's own Node.js and uv." if runtime else "It runs on this computer's own.")
    if not services.manager.config_of(args.name).is_trusted:
        print("MCP Desk will ask you to approve it again before it next starts.")
    return 0


def _sign_in_client(args: argparse.Namespace) -> SignInClient | None:
    """The client the provider registered; its secret from standard input, never from the command line."""
    if not args.client_id:
        if args.client_secret_stdin:
            raise ServerProblem("--client-secret-stdin goes with --client-id: give the client ID too.")
        return None
    if not args.url:
        raise ServerProblem("--client-id is for a server with --url: a program on this computer needs none.")
    secret = sys.stdin.readline().strip() if args.client_secret_stdin else None
    if args.client_secret_stdin and not secret:
        raise ServerProblem("--client-secret-stdin found no client secret on standard input. Pipe it in.")
    return SignInClient(client_id=args.client_id, client_secret=secret)


async def _servers_check(services: Services, args: argparse.Namespace) -> int:
    manager = services.manager
    if not manager.config_of(args.name).is_trusted:
        request = manager.trust_request(args.name)
        sandbox = manager.config_of(args.name).sandbox
        if not (args.yes or confirm(_trust_text(request, sandbox), "Approve and start it?")):
            print("Not approved, so it was not started.", file=sys.stderr)
            return 2
        await manager.trust(args.name, request.launch_hash)
    status = await manager.start(args.name, once=True)
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
    await start_once(manager, args.name, args.yes)
    outcome = await manager.call_tool(f"{args.name}__{args.tool}", arguments, CallContext("command line"))
    if outcome.denied:
        print("Not allowed, so the tool was not called.", file=sys.stderr)
        return 2
    # --json keeps the parts' base64 as the server sent it, not Python's bytes.
    emit(args, {**asdict(outcome), "parts": [part_data(part) for part in outcome.parts]}, outcome.text)
    if outcome.details and args.verbose:
        print(outcome.details, file=sys.stderr)
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


def _trust_text(request: TrustRequest, sandbox: Sandbox | None) -> str:
    doing = "connect to" if request.remote else "run"
    lines = [f"MCP Desk is about to {doing} “{request.server}”:", f"  {request.command_line}"]
    origin = request.origin
    if origin is not None:
        told = (("published by", origin.publisher), ("package", origin.package), ("from", origin.source))
        lines += [f"  {title}: {text}" for title, text in told if text]
    if request.env_names:
        lines.append(f"  with environment variables: {', '.join(request.env_names)}")
    if request.remote:
        service = f"the service of {origin.publisher}" if origin and origin.publisher else "its own service"
        lines.append(f"  It runs on {service}, not on this computer, and sees what you send it.")
    else:
        lines.append(f"  {sandbox_summary(sandbox)}")
    return "\n".join(lines)
