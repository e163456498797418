"""How a local model writes tool calls, and how to read them back.

Each model family has its own syntax, named by its chat template: Hermes/Qwen wrap JSON in
`<tool_call>` tags, Llama 3.x writes a bare JSON object (after `<|python_tag|>` when that
token is shown), Mistral a JSON list after `[TOOL_CALLS]`. Models without any get the
FALLBACK: the tools are described in the system message and a grammar (`tool_grammar`) makes
the answer either prose or `{"tool_calls": [...]}`, told apart by the first character.

Model output is untrusted: whatever it is, reading it never raises. A call that can't be
read becomes a `ToolCallRequest` without arguments and with a sentence saying why.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import string
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from desktop.llm.backends.backend import TextListener, ToolCallRequest

ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 9
"""Mistral's templates refuse any other call id; nine letters and digits suit every format."""
MAX_ID_LENGTH = 64


class ToolFormat(StrEnum):
    HERMES = "hermes"
    LLAMA3 = "llama3"
    MISTRAL = "mistral"
    FALLBACK = "fallback"

    @property
    def native(self) -> bool:
        """Whether the model's own template knows how to offer tools."""
        return self is not ToolFormat.FALLBACK

    @property
    def arguments_key(self) -> str:
        return "parameters" if self is ToolFormat.LLAMA3 else "arguments"


NAME_FIELD = re.compile(r'"name"\s*:\s*("(?:[^"\\]|\\.)*")')
ENDINGS = ("<|eom_id|>", "<|eot_id|>", "</s>")
HERMES_TAG = "<tool_call>"
HERMES_END = "</tool_call>"
HERMES_OPEN = "<tool_call>\n"
HERMES_CLOSE = "\n</tool_call>"

MARKERS = {
    ToolFormat.HERMES: (HERMES_TAG,),
    ToolFormat.LLAMA3: ("<|python_tag|>",),
    ToolFormat.MISTRAL: ("[TOOL_CALLS]",),
    ToolFormat.FALLBACK: (),
}
"""Text that starts tool-call markup wherever it appears."""
OPENINGS = {
    ToolFormat.HERMES: (),
    ToolFormat.LLAMA3: ('{"',),
    ToolFormat.MISTRAL: ('[{"',),
    ToolFormat.FALLBACK: ('{"',),
}
"""How an answer that is only a call begins (whitespace ignored), for tokenizers that hide the marker."""


def detect_format(template: str | None) -> ToolFormat:
    """The tool-call format a chat template teaches its model."""
    text = template or ""
    if "[TOOL_CALLS]" in text:
        return ToolFormat.MISTRAL
    if "<tool_call>" in text or "<tools>" in text:
        return ToolFormat.HERMES
    if "<|python_tag|>" in text or ("<|start_header_id|>" in text and "tools" in text):
        return ToolFormat.LLAMA3
    return ToolFormat.FALLBACK


@dataclass(frozen=True)
class ParsedAnswer:
    text: str
    """The prose, markup taken out."""
    calls: tuple[ToolCallRequest, ...] = ()


def new_call_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def parse_answer(fmt: ToolFormat, text: str) -> ParsedAnswer:
    """Split a finished answer into prose and tool calls."""
    if fmt is ToolFormat.HERMES:
        prose, calls = _hermes(text)
    else:
        prose, markup = _split(fmt, text)
        calls = [] if markup is None else _read_calls(fmt, markup)
    return ParsedAnswer(prose.strip(), _unique_ids(calls))


def _hermes(text: str) -> tuple[str, list[ToolCallRequest]]:
    """Calls in `<tool_call>` tags, read as JSON first so a tag inside a string can't cut one short."""
    prose: list[str] = []
    calls: list[ToolCallRequest] = []
    rest = text
    while (start := rest.find(HERMES_TAG)) >= 0:
        prose.append(rest[:start])
        body = rest[start + len(HERMES_TAG) :]
        value, after = _decode_first(body)
        if value is _UNREADABLE:
            inside, _, rest = body.partition(HERMES_END)
            calls.append(_call_from_text(inside))
            continue
        stripped = body.lstrip()
        calls.append(_call_from_value(value, stripped[: len(stripped) - len(after)]))
        closing, next_call = after.find(HERMES_END), after.find(HERMES_TAG)
        skip = closing >= 0 and (next_call < 0 or closing < next_call)
        rest = after[closing + len(HERMES_END) :] if skip else after
    if calls and rest.strip() and HERMES_TAG.startswith(rest.strip()):
        rest = ""  # the start of one more call, cut off by the token limit
    prose.append(rest)
    return "".join(prose), calls


def _split(fmt: ToolFormat, text: str) -> tuple[str, str | None]:
    for marker in MARKERS[fmt]:
        if marker in text:
            before, _, after = text.partition(marker)
            return before, marker + after
    if any(_compact(text).startswith(opening) for opening in OPENINGS[fmt]):
        return "", text
    return text, None


def _read_calls(fmt: ToolFormat, markup: str) -> list[ToolCallRequest]:
    for ending in ENDINGS:
        markup = markup.replace(ending, "")
    if fmt is ToolFormat.MISTRAL:
        return [call for part in markup.split("[TOOL_CALLS]") for call in _mistral_calls(part)]
    if fmt is ToolFormat.LLAMA3:
        return _json_calls(markup.replace("<|python_tag|>", ""))
    return _fallback_calls(markup)


def _mistral_calls(part: str) -> list[ToolCallRequest]:
    if not part.strip():
        return []
    named = re.match(r"\s*([^\s\[\]{}]+)\[ARGS\](.*)", part, re.DOTALL)
    if named:
        return [_call_from_text(named.group(2), name=named.group(1))]
    return _json_calls(part)


def _fallback_calls(markup: str) -> list[ToolCallRequest]:
    value = _decode_first(markup)[0]
    if not isinstance(value, dict):
        return [_call_from_text(markup)]
    inner = value.get("tool_calls", value.get("tool_call"))
    if inner is None:
        return [_call_from_value(value, markup.strip())]
    items = inner if isinstance(inner, list) else [inner]
    if not items:
        return [_broken(markup, "The model started a tool call but named no tool.")]
    return [_call_from_value(item, json.dumps(item, ensure_ascii=False)) for item in items]


def _json_calls(text: str) -> list[ToolCallRequest]:
    """One or more JSON calls (objects, or lists of them) separated by whitespace or `;`."""
    calls: list[ToolCallRequest] = []
    rest = text
    while rest.strip(" \t\r\n;"):
        rest = rest.lstrip(" \t\r\n;")
        value, after = _decode_first(rest)
        if value is _UNREADABLE:
            calls.append(_call_from_text(rest))
            break
        raw = rest[: len(rest) - len(after)]
        items = value if isinstance(value, list) else [value]
        for item in items:
            calls.append(_call_from_value(item, raw if len(items) == 1 else json.dumps(item)))
        rest = after
    return calls


_UNREADABLE = object()


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(strict=False, parse_float=_finite, parse_constant=_no_constant)
"""Lenient about control characters in strings; no NaN or infinities, which no tool can take."""


def _decode_first(text: str) -> tuple[Any, str]:
    """The first JSON value in `text` and what follows it, or `_UNREADABLE` and `text`."""
    stripped = text.lstrip()
    try:
        value, end = _DECODER.raw_decode(stripped)
    except (ValueError, RecursionError):
        return _UNREADABLE, text
    return value, stripped[end:]


def _call_from_text(text: str, name: str = "") -> ToolCallRequest:
    raw = text.strip()
    value = _decode_first(raw)[0]
    if value is _UNREADABLE:
        if name:
            return _broken(raw, f"The arguments of the model's call to {name} were not valid JSON.", name)
        problem = "The model's tool call was not valid JSON, so it could not be read."
        return _broken(raw, problem, _name_in(raw))
    if name:
        return _call_from_value({"name": name, "arguments": value}, raw)
    return _call_from_value(value, raw)


def _name_in(raw: str) -> str:
    """The tool a call that can't be read was meant for, where its name can still be made out."""
    match = NAME_FIELD.search(raw)
    if match is None:
        return ""
    name = _decode_first(match.group(1))[0]
    return name if isinstance(name, str) else ""


def _call_from_value(value: Any, raw: str) -> ToolCallRequest:
    if not isinstance(value, dict):
        return _broken(raw, "The model's tool call was not a JSON object, so it could not be read.")
    if isinstance(value.get("function"), dict):
        value = {**value["function"], "id": value.get("id")}
    name = value.get("name")
    call_id = _given_id(value.get("id"))
    if not isinstance(name, str) or not name.strip():
        return _broken(raw, "The model's tool call did not say which tool to use.", "", call_id)
    arguments = value.get("arguments", value.get("parameters", {}))
    if isinstance(arguments, str):
        arguments = _decode_first(arguments)[0] if arguments.strip() else {}
        if arguments is _UNREADABLE:
            problem = f"The arguments of the model's call to {name} were not valid JSON."
            return _broken(raw, problem, name, call_id)
    if not isinstance(arguments, dict):
        problem = f"The arguments of the model's call to {name} were not a JSON object."
        return _broken(raw, problem, name, call_id)
    return ToolCallRequest(call_id, name, arguments, raw=raw)


def _broken(raw: str, problem: str, name: str = "", call_id: str = "") -> ToolCallRequest:
    return ToolCallRequest(call_id or new_call_id(), name, None, problem, raw)


def _given_id(value: Any) -> str:
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and value.isprintable():
        return value
    return new_call_id()


def _unique_ids(calls: list[ToolCallRequest]) -> tuple[ToolCallRequest, ...]:
    seen: set[str] = set()
    unique = []
    for call in calls:
        if call.id in seen:
            call = ToolCallRequest(new_call_id(), call.name, call.arguments, call.problem, call.raw)
        seen.add(call.id)
        unique.append(call)
    return tuple(unique)


def _compact(text: str) -> str:
    return "".join(text.split())


def call_markup(fmt: ToolFormat, calls: list[dict[str, Any]]) -> str:
    """Tool calls (OpenAI shape) as the model would have written them."""
    plain = [
        {"name": call.get("name", ""), fmt.arguments_key: call.get("arguments") or {}}
        for call in (c.get("function", c) for c in calls)
    ]
    if fmt is ToolFormat.HERMES:
        return "\n".join(
            f"{HERMES_OPEN}{json.dumps(call, ensure_ascii=False)}{HERMES_CLOSE}" for call in plain
        )
    if fmt is ToolFormat.MISTRAL:
        return "[TOOL_CALLS]" + json.dumps(plain, ensure_ascii=False)
    if fmt is ToolFormat.LLAMA3:
        return "; ".join(json.dumps(call, ensure_ascii=False) for call in plain)
    return json.dumps({"tool_calls": plain}, ensure_ascii=False)


class StreamFilter:
    """Passes prose on as it arrives and holds back whatever may be tool-call markup.

    Call it with each piece of text; `finish` with the parsed prose lets out what was held
    back and turned out not to be a call (a lone `<tool` at the very end, say).
    """

    def __init__(self, fmt: ToolFormat, on_text: TextListener) -> None:
        self._markers = MARKERS[fmt]
        self._openings = OPENINGS[fmt]
        self._on_text = on_text
        self._buffer = ""
        self._emitted = 0
        self._holding = False
        self._decided = not self._openings

    def __call__(self, text: str) -> None:
        self._buffer += text
        end = self._safe_end()
        if end > self._emitted:
            self._on_text(self._buffer[self._emitted : end])
            self._emitted = end

    def finish(self, prose: str) -> None:
        shown = self._buffer[: self._emitted].lstrip()
        if prose.startswith(shown):
            rest = prose[len(shown) :]
        elif prose.startswith(shown.rstrip()):
            rest = prose[len(shown.rstrip()) :].lstrip()
        else:
            rest = ""
        if rest:
            self._on_text(rest)

    def _safe_end(self) -> int:
        if self._holding:
            return self._emitted
        if not self._decided:
            head = _compact(self._buffer)
            if any(head.startswith(opening) for opening in self._openings):
                self._holding = True
                return self._emitted
            if any(opening.startswith(head) for opening in self._openings):
                return self._emitted
            self._decided = True
        found = [self._buffer.find(marker) for marker in self._markers]
        starts = [index for index in found if index >= 0]
        if starts:
            self._holding = True
            return min(starts)
        return len(self._buffer) - _partial_marker(self._buffer, self._markers)


def _partial_marker(text: str, markers: tuple[str, ...]) -> int:
    """The length of the longest end of `text` that could grow into a marker."""
    longest = 0
    for marker in markers:
        for size in range(min(len(marker) - 1, len(text)), longest, -1):
            if marker.startswith(text[-size:]):
                longest = size
                break
    return longest
