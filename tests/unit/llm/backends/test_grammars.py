"""A set of tools' grammar is parsed by llama.cpp once, not once per tool and per answer.

Parses are counted where llama.cpp is asked (`llama_sampler_init_grammar`), on a tiny model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import llama_cpp
import pytest
from llama_cpp import Llama

from desktop.llm.backends.backend import ToolChoice
from desktop.llm.backends.grammars import KnownGrammars, grammar_compiles, usable_grammar
from desktop.llm.backends.tool_formats import ToolFormat
from tests.unit.llm.backends.test_tool_grammar import WEATHER, tool

QUOTED = tool("quotes__", {"type": "object", "properties": {'q"\\\n]': {"type": "string"}}})
"""A schema the converter turns into a rule that llama.cpp refuses."""
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOLS = [tool(f"server__tool_{index}", WEATHER_SCHEMA) for index in range(12)]


@pytest.fixture(scope="module")
def llama(tiny_model: Path) -> Iterator[Llama]:
    model = Llama(str(tiny_model), n_ctx=256, verbose=False)
    yield model
    model.close()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every grammar llama.cpp is asked to parse."""
    asked: list[bytes] = []
    original = llama_cpp.llama_sampler_init_grammar

    def counting(vocab: Any, grammar: bytes, root: bytes) -> Any:
        asked.append(grammar)
        return original(vocab, grammar, root)

    monkeypatch.setattr(llama_cpp, "llama_sampler_init_grammar", counting)
    return asked


def test_a_grammar_llama_cpp_accepts_is_parsed_once_not_once_per_tool(
    llama: Llama, parses: list[bytes]
) -> None:
    grammar = usable_grammar(llama, ToolFormat.FALLBACK, TOOLS, ToolChoice.AUTO)

    assert grammar is not None and grammar.count('\\"city\\"') == len(TOOLS), "each tool's schema followed"
    assert len(parses) == 1


def test_a_schema_llama_cpp_refuses_allows_any_object_and_the_others_keep_theirs(
    llama: Llama, parses: list[bytes]
) -> None:
    grammar = usable_grammar(llama, ToolFormat.FALLBACK, [WEATHER, QUOTED], ToolChoice.AUTO)

    assert grammar is not None and grammar_compiles(llama, grammar)
    assert '\\"city\\"' in grammar and "q\\\\" not in grammar
    assert len(parses) > 2, "the whole, then each schema on its own"


def test_known_grammars_parse_a_set_of_tools_once_across_answers(llama: Llama, parses: list[bytes]) -> None:
    known = KnownGrammars()

    first = [known.usable(llama, ToolFormat.FALLBACK, TOOLS, ToolChoice.AUTO) for _answer in range(5)]
    after_first = len(parses)
    known.usable(llama, ToolFormat.FALLBACK, [*TOOLS, WEATHER], ToolChoice.AUTO)
    known.usable(llama, ToolFormat.FALLBACK, TOOLS, ToolChoice.REQUIRED)

    assert first[0] is not None and first.count(first[0]) == 5
    assert after_first == 1
    assert len(parses) == 3, "another set of tools, or another choice, is a grammar of its own"
