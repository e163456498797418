"""Which tools a chat shows the model, and what of a tool's result goes back to it.

Tool definitions cost context; when a small model's context can't hold them all, the
ones whose names and descriptions share the most words with the chat's first question are
offered and the chat names those left out. A chat keeps its tools, in the same order, from
turn to turn (`OfferMemory`): the model then reads them once, and a tool that comes later
goes at the end, where only what follows it is read again. Results are the server's words:
cut to size, checked against the tool's output schema, scanned for instructions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from desktop.core.events import ToolInfo
from desktop.core.json_schema import problems
from desktop.core.suspicious import Flag, scan
from desktop.llm.backends.backend import ToolSpec

TOOLS_SHARE = 0.35
"""The most of the context the tool definitions may take."""
CHARS_PER_TOKEN = 4
RESULT_SHARE = 0.25
"""The most of the context one tool result may take."""
MAX_RESULT_CHARS = 16_000
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Offer:
    tools: tuple[ToolInfo, ...]
    specs: list[ToolSpec]
    left_out: tuple[ToolInfo, ...] = ()


class Refusals(Protocol):
    def refuses(self, tool: ToolInfo) -> bool:
        """The user set this tool to Never: the model is not shown it."""
        ...


class OfferMemory:
    """The tools each chat was offered last, in order, while the app runs; never a refused one."""

    def __init__(self, refusals: Refusals | None = None) -> None:
        self._offered: dict[str, tuple[str, ...]] = {}
        self._refusals = refusals

    def offer(
        self, chat_id: str, tools: list[ToolInfo], question: str, context_limit: int, *, remember: bool = True
    ) -> Offer:
        tools = [tool for tool in tools if tool.for_model]  # an app-only tool is its view's alone
        if self._refusals is not None:
            tools = [tool for tool in tools if not self._refusals.refuses(tool)]
        made = offer(tools, question, context_limit, self._offered.get(chat_id, ()))
        if remember:
            self._offered[chat_id] = tuple(tool.qualified_name for tool in made.tools)
        return made

    def forget(self, chat_id: str) -> None:
        """Choose this chat's tools afresh next time (the user changed them)."""
        self._offered.pop(chat_id, None)


def spec(tool: ToolInfo) -> ToolSpec:
    schema = tool.input_schema if tool.input_schema.get("type") == "object" else {"type": "object"}
    return {
        "type": "function",
        "function": {
            "name": tool.qualified_name,
            "description": tool.description or tool.title or tool.name,
            "parameters": schema,
        },
    }


def offer(tools: list[ToolInfo], question: str, context_limit: int, kept: tuple[str, ...] = ()) -> Offer:
    """The tools that fit in the context's share for them, in a stable order.

    `kept` names the tools offered before in this chat: they come first, in that order, and are
    chosen again before any other; the rest are chosen by relevance to `question`.
    """
    budget = int(context_limit * TOOLS_SHARE) * CHARS_PER_TOKEN
    place = {name: index for index, name in enumerate(kept)}
    ordered = sorted(tools, key=lambda tool: place.get(tool.qualified_name, len(place)))
    sized = [(tool, spec(tool)) for tool in ordered]
    if sum(_size(s) for _t, s in sized) <= budget:
        return Offer(tuple(ordered), [s for _t, s in sized])
    words = set(_WORD.findall(question.lower()))
    ranked = sorted(
        sized, key=lambda pair: (pair[0].qualified_name not in place, -_relevance(pair[0], words))
    )
    chosen: set[str] = set()
    used = 0
    for tool, tool_spec in ranked:
        if used + _size(tool_spec) <= budget:
            chosen.add(tool.qualified_name)
            used += _size(tool_spec)
    offered = [(tool, tool_spec) for tool, tool_spec in sized if tool.qualified_name in chosen]
    left_out = tuple(tool for tool in ordered if tool.qualified_name not in chosen)
    return Offer(tuple(t for t, _s in offered), [s for _t, s in offered], left_out)


@dataclass(frozen=True)
class PreparedResult:
    for_model: str
    flags: tuple[Flag, ...]
    note: str


def prepare_result(tool: ToolInfo | None, text: str, structured: Any, context_limit: int) -> PreparedResult:
    """What goes back to the model of a result, and what the chat should warn about."""
    notes = []
    if tool is not None and tool.output_schema:
        if structured is None:
            notes.append("The tool promised structured data but sent none.")
        else:
            found = problems(structured, tool.output_schema)
            if found:
                notes.append("The result does not match what the tool promised: " + " ".join(found))
    limit = min(MAX_RESULT_CHARS, int(context_limit * RESULT_SHARE) * CHARS_PER_TOKEN)
    body = text if text or structured is None else json.dumps(structured, ensure_ascii=False)
    if len(body) > limit:
        notes.append(f"The result was {len(body):,} characters; the model was given the first {limit:,}.")
        body = body[:limit] + "\n[… cut by MCP Desk]"
    return PreparedResult(body, scan(text), " ".join(notes))


def _size(tool_spec: ToolSpec) -> int:
    return len(json.dumps(tool_spec, ensure_ascii=False))


def _relevance(tool: ToolInfo, words: set[str]) -> int:
    name_words = set(_WORD.findall(tool.name.lower().replace("_", " ")))
    text_words = set(_WORD.findall(f"{tool.title or ''} {tool.description}".lower()))
    return 3 * len(words & name_words) + len(words & text_words)
