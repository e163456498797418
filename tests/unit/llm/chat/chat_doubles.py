"""A scripted chat backend and a tool host, for testing the chat loop without a model or servers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.consent import AnswerStopped, CallContext
from desktop.core.events import ServerState, ServerStatus, ToolInfo
from desktop.llm.backends.backend import (
    ChatParams,
    Completion,
    Message,
    TextListener,
    ToolCallRequest,
    ToolChoice,
    ToolSpec,
)
from desktop.llm.models.control import ModelState
from desktop.llm.models.gguf_info import ModelInfo
from desktop.servers.control import ToolCallOutcome

Step = Completion | Callable[[threading.Event], Completion]


@dataclass
class Seen:
    messages: list[Message]
    tools: list[ToolSpec]
    choice: ToolChoice


class ScriptedBackend:
    """Answers with the next scripted completion; its prose is streamed word by word."""

    def __init__(self, *steps: Step, context: int = 4096) -> None:
        self.steps = list(steps)
        self.seen: list[Seen] = []
        self.context = context
        self.not_ready: str | None = None

    def ready(self) -> str | None:
        return self.not_ready

    def context_limit(self) -> int:
        return self.context

    async def count_tokens(self, messages: list[Message], tools: list[ToolSpec]) -> int:
        return len(str(messages) + str(tools)) // 4

    async def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        params: ChatParams,
        tool_choice: ToolChoice,
        on_text: TextListener,
        cancel: threading.Event,
    ) -> Completion:
        self.seen.append(Seen(messages, tools, tool_choice))
        step = self.steps.pop(0) if self.steps else Completion("(nothing more scripted)")
        completion = await asyncio.to_thread(step, cancel) if callable(step) else step
        for word in completion.text.split(" "):
            on_text(word + " ")
        return completion


TOOLS_TEMPLATE = "{% if tools %}{{ tools | tojson }}{% endif %}{{ messages }}"
"""A chat template that offers tools (the Model page says “Can use tools: Yes”)."""
PLAIN_TEMPLATE = "{% for m in messages %}{{ m.content }}{% endfor %}"
"""One that doesn't, like SmolLM2-135M-Instruct's."""


def model_info(chat_template: str | None) -> ModelInfo:
    """A model as the Model page reads it; only its chat template matters to the chat."""
    return ModelInfo(
        Path("model.gguf"),
        (),
        "model",
        "llama",
        "Q4_0",
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        (),
        0,
        0,
        chat_template,
    )


@dataclass
class FakeModels:
    """The model side's state, as `ChatBackends` reads it."""

    info: ModelInfo | None = field(default_factory=lambda: model_info(TOOLS_TEMPLATE))

    def state(self) -> ModelState:
        return ModelState(None, self.info)


def call(name: str, arguments: dict[str, Any] | None, call_id: str = "", problem: str = "") -> Completion:
    request = ToolCallRequest(call_id, name, arguments, problem)
    return Completion("", (request,), "tool_calls")


def calls(*named: tuple[str, dict[str, Any]]) -> Completion:
    """One answer asking for several tools at once."""
    requests = tuple(ToolCallRequest(f"c{n}", name, arguments) for n, (name, arguments) in enumerate(named))
    return Completion("", requests, "tool_calls")


@dataclass
class FakeHost:
    """Running servers with tools; `call_tool` answers from `results` and records each call."""

    tools_by_server: dict[str, list[ToolInfo]] = field(default_factory=dict)
    results: dict[str, ToolCallOutcome] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any], CallContext]] = field(default_factory=list)
    deny_reason: str | None = None
    asking: asyncio.Event | None = None
    """When set, calls wait here (as if the user were being asked) until the test lets them go."""
    asked: asyncio.Event | None = None
    """Set when a call arrives."""
    stop_answer: bool = False
    """The user presses “Stop this answer” in the consent question."""

    def statuses(self) -> list[ServerStatus]:
        return [ServerStatus(name, ServerState.RUNNING, "cmd") for name in self.tools_by_server]

    def tools(self, server: str | None = None) -> list[ToolInfo]:
        return [t for name, tools in self.tools_by_server.items() for t in tools if server in (None, name)]

    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome:
        self.calls.append((qualified_name, arguments, context))
        if self.asked is not None:
            self.asked.set()
        if self.asking is not None:
            await self.asking.wait()
        server, _, tool = qualified_name.partition("__")
        if self.stop_answer:
            raise AnswerStopped
        if self.deny_reason is not None:
            text = (
                f"The user did not allow this tool call, so it was not run. Their reason: {self.deny_reason}"
            )
            return ToolCallOutcome(server, tool, False, text, denied=True, audit_seq=7)
        default = ToolCallOutcome(server, tool, True, f"result of {tool}", duration_s=0.01, audit_seq=8)
        return self.results.get(qualified_name, default)
