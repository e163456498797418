"""Which tools a chat shows the model, and what of a tool's result goes back to it.

Tool definitions cost context; when a small model's context can't hold them all, the
ones whose names and descriptions share the most words with the user's message are
offered and the chat says how many were left out. Results are the server's words:
cut to size, checked against the tool's output schema, scanned for instructions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

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
    left_out: int


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


def offer(tools: list[ToolInfo], question: str, context_limit: int) -> Offer:
    """The tools that fit in the context's share for them, the most relevant to `question` first."""
    budget = int(context_limit * TOOLS_SHARE) * CHARS_PER_TOKEN
    sized = [(tool, spec(tool)) for tool in tools]
    if sum(_size(s) for _t, s in sized) <= budget:
        return Offer(tuple(tools), [s for _t, s in sized], 0)
    words = set(_WORD.findall(question.lower()))
    ranked = sorted(sized, key=lambda pair: -_relevance(pair[0], words))
    chosen: list[tuple[ToolInfo, ToolSpec]] = []
    used = 0
    for tool, tool_spec in ranked:
        if used + _size(tool_spec) <= budget:
            chosen.append((tool, tool_spec))
            used += _size(tool_spec)
    return Offer(tuple(t for t, _s in chosen), [s for _t, s in chosen], len(tools) - len(chosen))


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
