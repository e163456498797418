"""Grammars for tool calls, checked with llama.cpp's own parser on a tiny model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from llama_cpp import Llama

from desktop.llm.backends.backend import ToolChoice
from desktop.llm.backends.grammars import grammar_compiles
from desktop.llm.backends.tool_formats import ToolFormat
from desktop.llm.backends.tool_grammar import MAX_CALLS, call_grammar

WEATHER = {
    "type": "function",
    "function": {
        "name": "weather__forecast",
        "description": "The forecast for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    },
}


def tool(name: str, parameters: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": "", "parameters": parameters}}


@pytest.fixture(scope="module")
def llama(tiny_model: Path) -> Iterator[Llama]:
    model = Llama(str(tiny_model), n_ctx=256, verbose=False)
    yield model
    model.close()


HOSTILE_TOOLS = [
    tool("remote__ref", {"type": "object", "properties": {"a": {"$ref": "https://example.invalid/s.json"}}}),
    tool("bad__ref", {"type": "object", "properties": {"a": {"$ref": "#/nowhere"}}}),
    tool("huge__bounds", {"type": "object", "properties": {"s": {"type": "string", "maxLength": 10**9}}}),
    tool("pattern__", {"type": "object", "properties": {"s": {"type": "string", "pattern": "^(a+)+$"}}}),
    tool("quotes__", {"type": "object", "properties": {'q"\\\n]': {"type": "string"}}}),
    tool("not__object", {"type": "string"}),
    tool("no__schema", None),
    tool("junk__schema", {"type": "object", "properties": {"a": 5}, "required": "abc"}),
    tool("deep__", json.loads('{"type": "object", "properties": {"a": ' * 40 + "{}" + "}}" * 40)),
    tool("recursive__", {"type": "object", "properties": {"next": {"$ref": "#"}}}),
    tool('name"with\\quotes é\u202e', {"type": "object"}),
]


@pytest.mark.parametrize("fmt", list(ToolFormat))
@pytest.mark.parametrize("choice", [ToolChoice.REQUIRED, ToolChoice.AUTO])
@pytest.mark.parametrize("tools", [[WEATHER], HOSTILE_TOOLS, [WEATHER, *HOSTILE_TOOLS]])
def test_grammars_compile_in_llama_cpp(
    llama: Llama, fmt: ToolFormat, choice: ToolChoice, tools: list[dict[str, Any]]
) -> None:
    grammar = call_grammar(fmt, tools, choice, lambda g: grammar_compiles(llama, g))

    if choice is ToolChoice.AUTO and fmt.native:
        assert grammar is None
    else:
        assert grammar is not None and grammar_compiles(llama, grammar)
        assert grammar.count("desk-call ::=") == 1
        several = choice is ToolChoice.AUTO and fmt is not ToolFormat.LLAMA3
        assert (f"{{0,{MAX_CALLS - 1}}}" in grammar) is several, "a required call is one call"


def test_a_schema_llama_cpp_can_follow_shapes_the_arguments(llama: Llama) -> None:
    grammar = call_grammar(
        ToolFormat.HERMES, [WEATHER], ToolChoice.REQUIRED, lambda g: grammar_compiles(llama, g)
    )

    assert grammar is not None
    assert '"\\"city\\""' in grammar and "desk-arguments-0 ::=" in grammar


def test_no_grammar_without_tools_or_when_none_are_offered() -> None:
    assert call_grammar(ToolFormat.FALLBACK, [], ToolChoice.REQUIRED) is None
    assert call_grammar(ToolFormat.FALLBACK, [WEATHER], ToolChoice.NONE) is None
    assert call_grammar(ToolFormat.FALLBACK, [{"type": "function"}], ToolChoice.REQUIRED) is None


def test_a_broken_grammar_is_caught_by_the_check(llama: Llama) -> None:
    assert not grammar_compiles(llama, "root ::= undefined-rule")
    assert not grammar_compiles(llama, 'root ::= "x" (')
