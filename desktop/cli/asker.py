"""Questions asked on the terminal: the consent gate's, and the command line's own yes/no."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

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
        lines = [f"{tool.server} wants to run {tool.name} with:", json.dumps(request.arguments, indent=2)]
        lines += [f"  Warning: {flag.sentence()}" for flag in request.flags]
        if request.changed_from is not None:
            lines.append("  This tool changed since you last allowed it.")
        if await asyncio.to_thread(confirm, "\n".join(lines), "Allow?", self._stdin):
            return Decision(Choice.ALLOW_ONCE, request.arguments)
        return Decision(Choice.DENY, request.arguments, reason="refused on the command line")

    async def elicit(self, request: ElicitationRequest) -> ElicitationAnswer:
        print(f"{request.server} asks: {request.message}\n(Answer it in the MCP Desk window; declined here.)")
        return ElicitationAnswer("decline")

    async def review_sampling(self, request: SamplingRequest, answer: str | None) -> SamplingReview:
        return SamplingReview(False)


def confirm(text: str, question: str, stdin: TextIO = sys.stdin) -> bool:
    """Ask on the terminal; with no terminal to ask, the answer is no."""
    print(text)
    if not stdin.isatty():
        print(f"{question} [y/N] no (no terminal to ask; use --yes to allow)")
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
