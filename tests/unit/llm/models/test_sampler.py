"""A grammar is asked about the sampled token; the whole vocabulary only when it refuses that one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from llama_cpp import Llama
from llama_cpp.llama_grammar import LlamaGrammar

from desktop.llm.models.sampler import TokenSampler

NAME = r'root ::= "{\"name\": \"" [a-z]+ "\"}"'


@pytest.fixture(scope="module")
def llama(tiny_model: Path) -> Iterator[Llama]:
    model = Llama(str(tiny_model), n_ctx=256, verbose=False)
    yield model
    model.close()


@pytest.fixture(scope="module")
def real_llama(real_model: Path) -> Iterator[Llama]:
    """SmolLM2 writes text, every token of it a piece a grammar can be asked about."""
    model = Llama(str(real_model), n_ctx=256, verbose=False)
    yield model
    model.close()


def sampled(llama: Llama, grammar: str | None, count: int) -> tuple[list[int], int]:
    """`count` tokens after "call a tool" at temperature 0, and the whole-vocabulary checks made."""
    llama.reset()  # type: ignore[no-untyped-call]
    llama.eval(llama.tokenize(b"call a tool"))
    sampler = TokenSampler(llama, 0.0, 0.95, grammar)
    tokens: list[int] = []
    try:
        while len(tokens) < count and (not tokens or tokens[-1] != llama.token_eos()):
            tokens.append(sampler.sample())
            llama.eval(tokens[-1:])
    finally:
        sampler.close()
    return tokens, sampler.vocabulary_checks


def held_by_llama_cpp(llama: Llama, grammar: str, count: int) -> list[int]:
    """The same answer with the grammar applied to every token, as llama-cpp-python does."""
    llama.reset()  # type: ignore[no-untyped-call]
    prompt = llama.tokenize(b"call a tool")
    tokens: list[int] = []
    for token in llama.generate(prompt, temp=0.0, grammar=LlamaGrammar.from_string(grammar, verbose=False)):
        tokens.append(token)
        if len(tokens) == count or token == llama.token_eos():
            break
    return tokens


def test_a_refused_token_is_chosen_again_among_those_the_grammar_allows(llama: Llama) -> None:
    tokens, checks = sampled(llama, NAME, 24)

    assert llama.detokenize(tokens).decode().startswith('{"name": "')
    assert tokens == held_by_llama_cpp(llama, NAME, 24)
    assert 0 < checks <= len(tokens)


def test_tokens_the_grammar_allows_cost_no_check_of_the_whole_vocabulary(real_llama: Llama) -> None:
    free, _ = sampled(real_llama, None, 12)
    grammar = f"root ::= {json.dumps(real_llama.detokenize(free).decode())} [^\\x00]*"

    tokens, checks = sampled(real_llama, grammar, 12)

    assert tokens == free
    assert checks == 0


def test_a_grammar_llama_cpp_cannot_parse_is_refused(llama: Llama) -> None:
    with pytest.raises(ValueError, match="could not parse"):
        TokenSampler(llama, 0.0, 0.95, "root ::= undefined-rule")
