"""The grammar a local model's answer is held to, made and checked once per set of tools.

A grammar that llama.cpp can't parse must never reach sampling, so each is checked with
llama.cpp's own parser before use. A chat offers the same tools answer after answer, and
making and checking the grammar for three dozen tools costs more than the model takes to read
a short question: `KnownGrammars` keeps what was made, by model, format, choice and tools.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from functools import partial
from typing import TYPE_CHECKING

from desktop.llm.backends.backend import ToolChoice, ToolSpec
from desktop.llm.backends.tool_formats import ToolFormat
from desktop.llm.backends.tool_grammar import call_grammar

if TYPE_CHECKING:
    from llama_cpp import Llama

log = logging.getLogger(__name__)

KEPT = 16


class KnownGrammars:
    """Grammars already made and checked; the least recently used goes first past `KEPT`."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, str | None] = OrderedDict()

    def usable(self, llama: Llama, fmt: ToolFormat, tools: list[ToolSpec], choice: ToolChoice) -> str | None:
        """`usable_grammar`'s answer, made once for each model, format, choice and tools."""
        key = json.dumps([llama.model_path, fmt, choice, tools], sort_keys=True, default=str)
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        grammar = self._kept[key] = usable_grammar(llama, fmt, tools, choice)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return grammar


def usable_grammar(llama: Llama, fmt: ToolFormat, tools: list[ToolSpec], choice: ToolChoice) -> str | None:
    """The grammar for this answer, checked with llama.cpp's own parser before it is used.

    The whole grammar is checked at once; only when llama.cpp refuses it is each tool's schema
    checked on its own, so that just the ones it can't follow allow any JSON object instead.
    """
    check = partial(grammar_compiles, llama)
    grammar = call_grammar(fmt, tools, choice)
    if grammar is None or check(grammar):
        return grammar
    for schemas in (True, False):
        fallback = call_grammar(fmt, tools, choice, check, schemas=schemas)
        if fallback is not None and check(fallback):
            return fallback
    log.warning("No grammar could be made for the offered tools; the model answers unconstrained.")
    return None


def grammar_compiles(llama: Llama, grammar: str) -> bool:
    """Whether llama.cpp parses `grammar` (a grammar it can't parse must never reach sampling)."""
    import llama_cpp

    sampler = llama_cpp.llama_sampler_init_grammar(llama._model.vocab, grammar.encode(), b"root")
    if not sampler:
        return False
    llama_cpp.llama_sampler_free(sampler)
    return True
