"""A tool call as the chat shows it: a card made from the model's request, finished from the outcome.

A card never trusts what the model wrote: a call that can't be read, or names a tool that wasn't
offered, is marked garbled and is never asked or run.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from typing import Any

from desktop.core.events import ToolInfo
from desktop.core.json_schema import problems
from desktop.core.tool_label import tool_label
from desktop.llm.backends.backend import ToolCallRequest
from desktop.llm.chat.control import CallStatus, ToolCard
from desktop.servers.control import ToolCallOutcome
from desktop.servers.result_parts import TextPart

MAX_SHOWN_RESULT = 200_000
STOPPED_HERE = "You stopped this call before the tool finished."


def tool_call(card: ToolCard) -> dict[str, Any]:
    """The card as the model reads it in the conversation."""
    return {
        "id": card.call_id,
        "type": "function",
        "function": {"name": card.tool, "arguments": card.arguments or {}},
    }


def new_card(call: ToolCallRequest, offered: dict[str, ToolInfo]) -> ToolCard:
    call_id = call.id or f"call_{uuid.uuid4().hex[:12]}"
    if call.arguments is None:
        problem = call.problem or "The model's tool call could not be read."
        return ToolCard(call_id, call.name, None, CallStatus.GARBLED, result=problem, note=call.raw[:2000])
    tool = offered.get(call.name)
    if tool is None:
        problem = f"The model asked for a tool it was not offered: “{call.name}”."
        return ToolCard(call_id, call.name, call.arguments, CallStatus.GARBLED, result=problem)
    return ToolCard(
        call_id,
        call.name,
        call.arguments,
        CallStatus.RUNNING,
        title=tool_label(tool),
        icons=tool.icons,
        app_view=tool.app_view,
    )


def call_key(card: ToolCard) -> str:
    """The same tool with the same arguments, however the model ordered or spaced them."""
    return card.tool + json.dumps(card.arguments, sort_keys=True, ensure_ascii=False, default=str)


def finished(
    card: ToolCard,
    outcome: ToolCallOutcome,
    flags: tuple[Any, ...],
    note: str,
    started: float,
    tool: ToolInfo | None = None,
) -> ToolCard:
    status = CallStatus.DENIED if outcome.denied else CallStatus.DONE if outcome.ok else CallStatus.FAILED
    if outcome.stopped:
        status = CallStatus.STOPPED
    return replace(
        card,
        arguments=outcome.arguments if outcome.arguments is not None else card.arguments,
        status=status,
        progress=None,
        result=STOPPED_HERE if outcome.stopped else _shown_text(outcome)[:MAX_SHOWN_RESULT],
        structured=outcome.structured,
        parts=tuple(part for part in outcome.parts if not isinstance(part, TextPart)),  # text is in `result`
        structured_fits=_fits(outcome, tool),
        # A refusal took no time to run; the time the user took to decide is theirs.
        duration_s=None if outcome.denied else outcome.duration_s or (time.perf_counter() - started),
        audit_seq=outcome.audit_seq,
        flags=tuple(flags),
        note=note,
    )


def _shown_text(outcome: ToolCallOutcome) -> str:
    """The result's text; its images and resources are shown as themselves, not in words."""
    if not outcome.parts:
        return outcome.text
    return "\n".join(part.text for part in outcome.parts if isinstance(part, TextPart))


def _fits(outcome: ToolCallOutcome, tool: ToolInfo | None) -> bool:
    if not outcome.ok or outcome.structured is None or tool is None or not tool.output_schema:
        return False
    return not problems(outcome.structured, tool.output_schema)
