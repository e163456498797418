"""The seam between the chat loop and whatever writes the answers.

`LocalBackend` runs the model loaded on the Model page; `OpenAIBackend` talks to any
OpenAI-compatible endpoint. Both take the conversation in OpenAI's message shape and
give back text and tool calls already parsed, so the loop never sees a model's own
tool-call syntax.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from desktop.core.problem import Problem

Message = dict[str, Any]
"""{"role": "system"|"user"|"assistant"|"tool", "content": str, "tool_calls": [...], "tool_call_id": str}.

Assistant `tool_calls` are `{"id", "type": "function", "function": {"name", "arguments": dict}}`
(arguments as a dict; a backend that needs a JSON string makes one).
"""
ToolSpec = dict[str, Any]
"""{"type": "function", "function": {"name", "description", "parameters"}}."""


@dataclass(frozen=True)
class ChatParams:
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 1024


class ToolChoice(StrEnum):
    AUTO = "auto"
    """The model decides whether to use a tool."""
    REQUIRED = "required"
    """The first answer of each turn must be a tool call."""
    NONE = "none"
    """No tools are offered."""


@dataclass(frozen=True)
class ArgumentChoices:
    """Every value one argument of one tool may take, where the app knows them (the shared folder's
    entries for the welcome's first call): offered as an `enum`, so a grammar allows only these."""

    tool: str
    """The tool's qualified name, `server__tool`."""
    argument: str
    values: tuple[str, ...]


class ChatProblem(Problem):
    """A problem on the chat side, as a sentence and its technical details."""


@dataclass(frozen=True)
class ToolCallRequest:
    id: str
    name: str
    """As the model wrote it; the loop checks it is one of the offered tools."""
    arguments: dict[str, Any] | None
    """None when they could not be read (see `problem`)."""
    problem: str = ""
    """Why the call could not be read, in a plain sentence."""
    raw: str = ""
    """The model's own text for the call, for the details."""


@dataclass(frozen=True)
class Completion:
    text: str
    """The answer's prose, tool-call markup taken out."""
    tool_calls: tuple[ToolCallRequest, ...] = ()
    finish_reason: str = "stop"
    """"stop", "length", "cancelled" or "tool_calls"."""
    prompt_tokens: int = 0
    tokens: int = 0
    first_token_s: float | None = None
    reused_tokens: int = 0
    """Prompt tokens the local model did not read again: held from the last turn, or kept for the tools."""
    evaluated_tokens: int = 0
    """Prompt tokens the local model read for this answer."""
    tools_ready: bool = False
    """The local model had already read the offered tools (held, or kept from an earlier chat)."""


class TextListener(Protocol):
    def __call__(self, text: str) -> None: ...


class ChatBackend(Protocol):
    def ready(self) -> str | None:
        """None when it can answer; otherwise a sentence saying what to do first."""
        ...

    def context_limit(self) -> int: ...

    async def count_tokens(self, messages: list[Message], tools: list[ToolSpec]) -> int:
        """How many tokens the prompt for these would take (an estimate where it can't be exact)."""
        ...

    async def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        params: ChatParams,
        tool_choice: ToolChoice,
        on_text: TextListener,
        cancel: threading.Event,
    ) -> Completion:
        """Stream the prose through `on_text` (never tool-call markup); raises ChatProblem."""
        ...

    async def warm_up(self, messages: list[Message], tools: list[ToolSpec]) -> None:
        """Get ready for a chat that starts with these (a local model reads the tools now)."""
        ...


BackendFactory = Callable[[], ChatBackend]
