"""`mcp-desk servers resources|read|prompts|prompt`: what a server offers besides tools."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from typing import Any

from desktop.cli.output import emit
from desktop.cli.server_start import start_once
from desktop.servers.control import ServerProblem
from desktop.services import Services

Command = Callable[[Services, argparse.Namespace], Coroutine[Any, Any, int]]


def add_content_commands(servers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _command(servers, "resources", "list a server's resources and resource templates", _resources)
    read = _command(servers, "read", "read one resource of a server (text, or its type and size)", _read)
    read.add_argument("uri")
    _command(servers, "prompts", "list a server's prompts and what each asks for", _prompts)
    prompt = _command(servers, "prompt", "get one prompt's messages from a server", _prompt)
    prompt.add_argument("prompt")
    prompt.add_argument("--args", default="{}", help="the prompt's arguments as a JSON object of texts")


def _command(
    servers: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str, run: Command
) -> argparse.ArgumentParser:
    parser = servers.add_parser(name, help=help)
    parser.add_argument("name", help="the server")
    parser.add_argument("--yes", action="store_true", help="approve the server's command without asking")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=run)
    return parser


async def _resources(services: Services, args: argparse.Namespace) -> int:
    await start_once(services.manager, args.name, args.yes)
    resources = await services.manager.resources(args.name)
    templates = await services.manager.resource_templates(args.name)
    lines = [f"  {r.uri}  {r.label}" + (f" ({r.mime_type})" if r.mime_type else "") for r in resources]
    lines += [f"  {t.uri_template}  {t.label} (fill in: {', '.join(t.variables)})" for t in templates]
    text = (
        f"“{args.name}” offers {len(resources)} resources and {len(templates)} templates:\n"
        + "\n".join(lines)
        if lines
        else f"“{args.name}” offers no resources."
    )
    data = {"resources": [asdict(r) for r in resources], "templates": [asdict(t) for t in templates]}
    emit(args, data, text)
    return 0


async def _read(services: Services, args: argparse.Namespace) -> int:
    await start_once(services.manager, args.name, args.yes)
    read = await services.manager.read_resource(args.name, args.uri, by_user=True)
    parts = [
        part.text if part.text is not None else f"{part.uri} is {part.describe()}: not shown here."
        for part in read.contents
    ]
    data = [{"uri": p.uri, "mime_type": p.mime_type, "size": p.size, "text": p.text} for p in read.contents]
    emit(args, data, "\n".join(parts) if parts else f"{args.uri} is empty.")
    return 0


async def _prompts(services: Services, args: argparse.Namespace) -> int:
    await start_once(services.manager, args.name, args.yes)
    prompts = await services.manager.prompts(args.name)
    lines = []
    for prompt in prompts:
        lines.append(f"  {prompt.name}" + (f" — {prompt.description}" if prompt.description else ""))
        lines += [
            f"      {a.name}{' (required)' if a.required else ''}"
            + (f": {a.description}" if a.description else "")
            for a in prompt.arguments
        ]
    text = f"“{args.name}” offers {len(prompts)} prompts:\n" + "\n".join(lines)
    emit(args, [asdict(p) for p in prompts], text if prompts else f"“{args.name}” offers no prompts.")
    return 0


async def _prompt(services: Services, args: argparse.Namespace) -> int:
    arguments = _string_object(args.args)
    await start_once(services.manager, args.name, args.yes)
    result = await services.manager.get_prompt(args.name, args.prompt, arguments)
    text = "\n\n".join(f"[{m.role}]\n{m.text}" for m in result.messages)
    emit(args, asdict(result), text)
    return 0


def _string_object(text: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ServerProblem(f"--args is not valid JSON ({exc.msg} at column {exc.colno}).") from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ServerProblem('--args must be a JSON object of texts, like \'{"city": "Lisbon"}\'.')
    return value
