"""Reading an OpenAI-compatible chat answer as its server-sent events arrive.

`StreamedAnswer` is fed the bytes of one reply: prose goes to `on_text` as it comes, tool-call
fragments are put together by index, and `completion` parses their arguments once the answer is
complete. Lines that are not events are skipped, an answer past `max_bytes` is cut off, and a call
whose arguments are not a JSON object comes back with `arguments=None` and a `problem`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

from desktop.llm.backends.backend import ChatProblem, Completion, TextListener, ToolCallRequest

MAX_TOOL_CALLS = 16
DETAIL_BYTES = 4000
"""How much of a server's error goes into the details of a problem."""


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def strict_json(text: str) -> Any:
    """json.loads without NaN or Infinity, which no tool schema can accept."""
    return json.loads(text, parse_constant=_refuse)


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def too_big(where: str, limit: int) -> ChatProblem:
    return ChatProblem(
        f"The server at {where} sent more than {limit / 2**20:g} MB for one answer, so MCP Desk "
        "stopped reading it. Lower the answer length in the chat settings and try again."
    )


@dataclass
class _CallParts:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    given: dict[str, Any] | None = None
    problem: str = ""


@dataclass
class StreamedAnswer:
    """One answer as it streams in: the SSE lines, the prose, the tool calls, the usage."""

    where: str
    on_text: TextListener
    max_bytes: int
    started: float
    text: list[str] = field(default_factory=list)
    calls: dict[int | str, _CallParts] = field(default_factory=dict)
    finish: str = "stop"
    usage: tuple[int, int] = (0, 0)
    first_token_s: float | None = None
    usable: bool = False
    garbage: list[str] = field(default_factory=list)
    received: int = 0
    _pending: bytes = b""
    _data: list[str] = field(default_factory=list)

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        if self.received > self.max_bytes:
            raise too_big(self.where, self.max_bytes)
        *lines, self._pending = (self._pending + data).split(b"\n")
        for line in lines:
            self._line(line.rstrip(b"\r").decode("utf-8", "replace"))

    def end(self) -> None:
        self._line(self._pending.rstrip(b"\r").decode("utf-8", "replace"))
        self._line("")
        if not self.usable:
            seen = "\n".join(short(line, 200) for line in self.garbage[:5]) or "(nothing)"
            raise ChatProblem(
                f"The server at {self.where} did not send an answer MCP Desk could read. Check that the "
                "address in Settings points to an OpenAI-compatible server.",
                f"Received {self.received} bytes; the first unreadable lines:\n{seen}",
            )

    def whole(self, data: bytes) -> None:
        """A server that ignored `stream: true` and sent one JSON answer."""
        self._payload(data.decode("utf-8", "replace"))
        self.end()

    def completion(self, *, cancelled: bool = False) -> Completion:
        calls: list[ToolCallRequest] = []
        for number, parts in enumerate(self.calls.values()):
            call = _request(number, parts)
            if any(call.id == earlier.id for earlier in calls):
                call = replace(call, id=f"{call.id}_{number}")
            calls.append(call)
        return Completion(
            text="".join(self.text),
            tool_calls=() if cancelled else tuple(calls),
            finish_reason="cancelled" if cancelled else "tool_calls" if calls else self.finish,
            prompt_tokens=self.usage[0],
            tokens=self.usage[1],
            first_token_s=self.first_token_s,
        )

    def _line(self, line: str) -> None:
        if not line:
            data, self._data = self._data, []
            if len(data) > 1 and not self._payload("\n".join(data), quiet=True):
                for payload in data:
                    self._payload(payload)
            elif len(data) == 1:
                self._payload(data[0])
        elif line.startswith("data:"):
            self._data.append(line[5:].removeprefix(" "))
        elif not line.startswith(":") and line.split(":", 1)[0] not in ("event", "id", "retry"):
            self.garbage.append(line)

    def _payload(self, payload: str, *, quiet: bool = False) -> bool:
        if payload.strip() == "[DONE]":
            self.usable = True
            return True
        try:
            chunk = strict_json(payload)
        except (ValueError, RecursionError):
            chunk = None
        if isinstance(chunk, dict):
            self._chunk(chunk)
        elif not quiet:
            self.garbage.append(payload)
        return isinstance(chunk, dict)

    def _chunk(self, chunk: dict[str, Any]) -> None:
        if chunk.get("error") is not None:
            raise ChatProblem(
                f"The server at {self.where} stopped with an error while answering. "
                "Open the details to see it, then try again.",
                json_text(chunk["error"])[:DETAIL_BYTES],
            )
        usage, choices = chunk.get("usage"), chunk.get("choices")
        if isinstance(usage, dict):
            prompt, written = usage.get("prompt_tokens"), usage.get("completion_tokens")
            if isinstance(prompt, int) and isinstance(written, int) and min(prompt, written) >= 0:
                self.usage = (prompt, written)
        self.usable = self.usable or isinstance(choices, list) or isinstance(usage, dict)
        choice = choices[0] if isinstance(choices, list) and choices else None
        if not isinstance(choice, dict):
            return
        if isinstance(choice.get("finish_reason"), str):
            self.finish = "length" if choice["finish_reason"] == "length" else "stop"
        delta = choice.get("delta", choice.get("message"))
        content = delta.get("content") if isinstance(delta, dict) else None
        fragments = delta.get("tool_calls") if isinstance(delta, dict) else None
        if isinstance(content, str) and content:
            self._arrived()
            self.text.append(content)
            self.on_text(content)
        for fragment in fragments if isinstance(fragments, list) else ():
            if isinstance(fragment, dict):
                self._arrived()
                self._fragment(fragment)

    def _arrived(self) -> None:
        if self.first_token_s is None:
            self.first_token_s = time.perf_counter() - self.started

    def _fragment(self, fragment: dict[str, Any]) -> None:
        index, call_id = fragment.get("index"), fragment.get("id")
        call_id = call_id if isinstance(call_id, str) else ""
        if isinstance(index, bool) or not isinstance(index, int):
            index = call_id or next(reversed(self.calls), 0)
        key: int | str = index
        if key not in self.calls and len(self.calls) >= MAX_TOOL_CALLS:
            raise ChatProblem(
                f"The model asked for more than {MAX_TOOL_CALLS} tool calls at once, so MCP Desk stopped "
                "reading its answer. Try again, or ask for fewer things in one message."
            )
        parts = self.calls.setdefault(key, _CallParts())
        parts.id = parts.id or call_id
        function = fragment.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        arguments = function.get("arguments") if isinstance(function, dict) else None
        if isinstance(name, str) and name != parts.name:
            parts.name += name
        if isinstance(arguments, str):
            parts.arguments.append(arguments)
        elif isinstance(arguments, dict):
            parts.given = arguments
        elif arguments is not None:
            parts.problem = "The model's arguments for this call were neither text nor a JSON object."


def _request(number: int, parts: _CallParts) -> ToolCallRequest:
    raw = "".join(parts.arguments) if parts.given is None else json_text(parts.given)
    label = short(parts.name) if parts.name else "a tool"
    arguments, problem = parts.given, parts.problem
    if parts.given is None and not problem:
        try:
            value = strict_json(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            value, problem = None, f"The model wrote arguments for {label} that are not valid JSON."
        if value is not None and not isinstance(value, dict):
            problem = f"The model's arguments for {label} were not a JSON object."
        arguments = value if isinstance(value, dict) else None
    if not parts.name and not problem:
        problem = "The model asked for a tool call without naming the tool."
    call_id = parts.id if 0 < len(parts.id) <= 128 else f"call_{number}"
    return ToolCallRequest(id=call_id, name=parts.name, arguments=arguments, problem=problem, raw=raw)
