"""Questions asked on the terminal: the consent gate's, and the command line's own yes/no."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, TextIO

from desktop.core.audit_records import ConsentHow
from desktop.core.consent import (
    Choice,
    ConsentRequest,
    Decision,
    ElicitationAnswer,
    ElicitationRequest,
    SamplingRequest,
    SamplingReview,
)


class TerminalAsker:
    """The consent gate's questions, asked on the terminal; with `--yes`, every tool call is allowed."""

    def __init__(self, allow_all: bool, stdin: TextIO = sys.stdin) -> None:
        self._allow_all = allow_all
        self._stdin = stdin

    async def ask(self, request: ConsentRequest) -> Decision:
        if self._allow_all:
            return Decision(Choice.ALLOW_ONCE, request.arguments, ConsentHow.COMMAND_LINE)
        tool = request.tool
        asking = (
            f"{request.context.app} (through MCP Desk) wants to run {tool.server} › "
            if request.context.app
            else f"{tool.server} wants to run "
        )
        lines = [f"{asking}{tool.name} with:", json.dumps(request.arguments, indent=2)]
        lines += [f"  Warning: {flag.sentence()}" for flag in request.flags]
        if request.changed_from is not None:
            lines.append("  This tool changed since you last allowed it.")
        if await asyncio.to_thread(confirm, "\n".join(lines), "Allow?", self._stdin):
            return Decision(Choice.ALLOW_ONCE, request.arguments)
        return Decision(Choice.DENY, request.arguments, reason="refused on the command line")

    async def elicit(self, request: ElicitationRequest) -> ElicitationAnswer:
        """A form's fields asked one by one (Enter keeps the suggested answer). With no terminal,
        `--yes` accepts the server's suggested answers when every required field has one."""
        print(f"{request.server} asks: {request.message}")
        fields = _fields(request.schema) if request.url is None else None
        if fields is None:
            print("(Answer it in the MCP Desk window; declined here.)")
            return ElicitationAnswer("decline")
        if self._stdin.isatty():
            return await asyncio.to_thread(_ask_fields, fields, self._stdin)
        suggested = {name: spec["default"] for name, spec in fields.items() if "default" in spec}
        required = set((request.schema or {}).get("required", []))
        if self._allow_all and required <= suggested.keys():
            print(f"Answered with the suggested values (--yes): {json.dumps(suggested)}")
            return ElicitationAnswer("accept", suggested)
        print("(No terminal to ask; declined. Answer it in the MCP Desk window.)")
        return ElicitationAnswer("decline")

    async def review_sampling(self, request: SamplingRequest, answer: str | None) -> SamplingReview:
        return SamplingReview(False)


def _fields(schema: dict[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    properties = (schema or {}).get("properties")
    if not isinstance(properties, dict) or not all(isinstance(v, dict) for v in properties.values()):
        return None
    return {str(name): spec for name, spec in properties.items()}


def _ask_fields(fields: dict[str, dict[str, Any]], stdin: TextIO) -> ElicitationAnswer:
    content: dict[str, Any] = {}
    for name, spec in fields.items():
        suggested = spec.get("default")
        shown = f" [{json.dumps(suggested)}]" if "default" in spec else ""
        print(f"{spec.get('title', name)}{shown}: ", end="", flush=True)
        typed = stdin.readline().strip()
        if not typed and "default" in spec:
            content[name] = suggested
        elif typed:
            content[name] = _typed(typed, spec.get("type"))
    return ElicitationAnswer("accept", content)


def _typed(text: str, kind: object) -> Any:
    """What the user typed, as the field's type; left as text where it doesn't read as one."""
    try:
        if kind == "boolean":
            return text.lower() in ("y", "yes", "true", "1")
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    return text


def confirm(text: str, question: str, stdin: TextIO = sys.stdin) -> bool:
    """Ask on the terminal; with no terminal to ask, the answer is no."""
    print(text)
    if not stdin.isatty():
        print(f"{question} [y/N] no (no terminal to ask; use --yes to allow)")
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
