"""The conversation as the model reads it: its own Jinja chat template, rendered safely.

Templates come from model files, so they run in Jinja's immutable sandbox with a cap on
how much they may write. One that fails is tried again with the system message folded
into the first user message (many templates have no system role), then ChatML stands in
and a log line says so. Rendering is prefix-stable: the prompt for the next turn starts
with this turn's prompt and the model's answer, so llama.cpp reuses its cache.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Template, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from desktop.llm.backends.backend import Message, ToolSpec
from desktop.llm.backends.tool_formats import ToolFormat, call_markup, detect_format

log = logging.getLogger(__name__)

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
MAX_PROMPT_CHARS = 4_000_000
"""More than any context holds: a template that writes more is broken or hostile."""
FALLBACK_INSTRUCTIONS = (
    "You can use the tools listed below. To use one or more, reply with only a JSON object of "
    'this shape, with nothing before or after it: {"tool_calls": [{"name": "<tool name>", '
    '"arguments": {<arguments>}}]}. To answer without a tool, reply in plain text that does not '
    'start with "{". Results come back in a message that starts with "Tool result".\n\nTools:'
)


@dataclass(frozen=True)
class SpecialTokens:
    bos: str = ""
    eos: str = ""


@dataclass(frozen=True)
class RenderedPrompt:
    text: str
    format: ToolFormat
    """How the model was told to write tool calls, and so how its answer is read."""
    fell_back: bool = False
    """The model's own template could not be used; ChatML was."""


class TemplateTooLong(TemplateError):
    pass


def render_prompt(
    template: str | None, messages: list[Message], tools: list[ToolSpec], tokens: SpecialTokens
) -> RenderedPrompt:
    """The prompt for the model's next answer (the generation prompt included)."""
    fmt = detect_format(template)
    if template:
        text = _try(template, prepare_messages(messages, tools, fmt, template), tools, fmt, tokens)
        if text is not None:
            return RenderedPrompt(text, fmt)
        if fmt.native:
            fallback = prepare_messages(messages, tools, ToolFormat.FALLBACK, template)
            text = _try(template, fallback, tools, ToolFormat.FALLBACK, tokens)
            if text is not None:
                return RenderedPrompt(text, ToolFormat.FALLBACK)
        log.warning("The model's chat template could not be used; the conversation is written as ChatML.")
    chatml = prepare_messages(messages, tools, ToolFormat.FALLBACK, CHATML_TEMPLATE)
    return RenderedPrompt(_render(CHATML_TEMPLATE, chatml, None, tokens), ToolFormat.FALLBACK, bool(template))


def _try(
    template: str, messages: list[Message], tools: list[ToolSpec], fmt: ToolFormat, tokens: SpecialTokens
) -> str | None:
    offered = tools if fmt.native and tools else None
    folded = _system_folded(messages)
    for attempt in (messages, folded) if folded is not messages else (messages,):
        try:
            text = _render(template, attempt, offered, tokens)
            if not text.strip():
                raise TemplateError("the template wrote nothing")
            return text
        except Exception as error:  # a template may fail in any way; the next attempt is the answer
            log.info("Chat template failed: %s: %s", type(error).__name__, error)
    return None


def _render(
    template: str, messages: list[Message], tools: list[ToolSpec] | None, tokens: SpecialTokens
) -> str:
    pieces: list[str] = []
    size = 0
    context = {
        "messages": messages,
        "tools": tools,
        "add_generation_prompt": True,
        "bos_token": tokens.bos,
        "eos_token": tokens.eos,
    }
    for piece in _compiled(template).generate(**context):
        size += len(piece)
        if size > MAX_PROMPT_CHARS:
            raise TemplateTooLong(f"the template wrote more than {MAX_PROMPT_CHARS} characters")
        pieces.append(piece)
    return "".join(pieces)


@lru_cache(maxsize=8)
def _compiled(template: str) -> Template:
    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
    )
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise
    environment.globals["strftime_now"] = _strftime_now
    return environment.from_string(template)


def _tojson(value: Any, indent: int | None = None, ensure_ascii: bool = False, **_: Any) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)


def _raise(message: str) -> None:
    raise TemplateError(message)


def _strftime_now(pattern: str) -> str:
    return datetime.now().strftime(pattern)


def prepare_messages(
    messages: list[Message], tools: list[ToolSpec], fmt: ToolFormat, template: str
) -> list[Message]:
    """The messages in the shape this template and format expect.

    Native formats keep tool calls and results as they are (written into the content when
    the template ignores `tool_calls`); the FALLBACK describes the tools in the system
    message and turns calls and results into plain text.
    """
    clean = [_clean(message) for message in messages]
    if fmt.native:
        if "tool_calls" in template:
            return clean
        return [_with_markup(message, fmt) for message in clean]
    names = {
        call["id"]: call["function"]["name"] for message in clean for call in message.get("tool_calls", ())
    }
    plain = [_plain(message, names) for message in clean]
    if tools:
        plain = _with_tool_description(plain, tools)
    return _merged(plain)


def _clean(message: Message) -> Message:
    out: Message = {"role": str(message.get("role", "user")), "content": _text(message.get("content"))}
    if message.get("tool_call_id") is not None:
        out["tool_call_id"] = str(message["tool_call_id"])
    calls = message.get("tool_calls")
    if out["role"] == "assistant" and isinstance(calls, list) and calls:
        out["tool_calls"] = [_clean_call(call) for call in calls if isinstance(call, dict)]
    return out


def _clean_call(call: dict[str, Any]) -> dict[str, Any]:
    inner = call.get("function")
    function: dict[str, Any] = inner if isinstance(inner, dict) else call
    arguments = function.get("arguments")
    plain = {
        "name": str(function.get("name", "")),
        "arguments": arguments if isinstance(arguments, dict) else {},
    }
    return {"id": str(call.get("id", "")), "type": "function", "function": plain}


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def _with_markup(message: Message, fmt: ToolFormat) -> Message:
    calls = message.get("tool_calls")
    if not calls:
        return message
    markup = call_markup(fmt, [call["function"] for call in calls])
    content = f"{message['content']}\n{markup}" if message["content"] else markup
    return {"role": "assistant", "content": content}


def _plain(message: Message, names: dict[str, str]) -> Message:
    if message["role"] == "assistant" and message.get("tool_calls"):
        markup = call_markup(ToolFormat.FALLBACK, [call["function"] for call in message["tool_calls"]])
        return {"role": "assistant", "content": markup}
    if message["role"] == "tool":
        name = names.get(message.get("tool_call_id", ""), "the tool")
        return {"role": "user", "content": f"Tool result from {name}:\n{message['content']}"}
    return {"role": message["role"], "content": message["content"]}


def _with_tool_description(messages: list[Message], tools: list[ToolSpec]) -> list[Message]:
    lines = "\n".join(
        json.dumps(tool.get("function", tool), ensure_ascii=False, default=str) for tool in tools
    )
    description = f"{FALLBACK_INSTRUCTIONS}\n{lines}"
    if messages and messages[0]["role"] == "system":
        first = messages[0]
        return [{"role": "system", "content": f"{first['content']}\n\n{description}"}, *messages[1:]]
    return [{"role": "system", "content": description}, *messages]


def _merged(messages: Iterable[Message]) -> list[Message]:
    """Consecutive user messages as one: several tool results would break templates that alternate."""
    out: list[Message] = []
    for message in messages:
        if out and message["role"] == "user" and out[-1]["role"] == "user":
            out[-1] = {"role": "user", "content": f"{out[-1]['content']}\n\n{message['content']}"}
        else:
            out.append(message)
    return out


def _system_folded(messages: list[Message]) -> list[Message]:
    if not messages or messages[0]["role"] != "system":
        return messages
    system, rest = messages[0], messages[1:]
    if rest and rest[0]["role"] == "user":
        first = {**rest[0], "content": f"{system['content']}\n\n{rest[0]['content']}"}
        return [first, *rest[1:]]
    return [{"role": "user", "content": system["content"]}, *rest]
