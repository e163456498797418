"""Streaming text out of the loaded model: jobs for `ModelEngine.run`.

Text goes out through a listener as it is made; a set `cancel` event stops between
tokens. The prompt's common prefix with the previous call stays in llama.cpp's KV cache,
so the next turn of one chat only evaluates what is new.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from llama_cpp import Llama


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 512
    seed: int | None = None


@dataclass(frozen=True)
class GenerationResult:
    text: str
    tokens: int
    prompt_tokens: int
    finish_reason: str
    """"stop" (the model finished), "length" (hit max tokens) or "cancelled"."""
    seconds: float
    first_token_seconds: float | None
    reused_tokens: int = 0
    """Prompt tokens already in the KV cache from the previous call, not evaluated again."""


class TextListener(Protocol):
    def __call__(self, text: str) -> None: ...


def complete(
    prompt: str,
    sampling: Sampling,
    on_text: TextListener | None = None,
    cancel: threading.Event | None = None,
    grammar: str | None = None,
) -> _CompletionJob:
    """A job that continues `prompt`; pass it to `ModelEngine.run`."""
    return _CompletionJob(prompt, sampling, on_text, cancel or threading.Event(), grammar)


@dataclass(frozen=True)
class _CompletionJob:
    prompt: str
    sampling: Sampling
    on_text: TextListener | None
    cancel: threading.Event
    grammar: str | None

    def __call__(self, llama: Llama) -> GenerationResult:
        from llama_cpp import Llama
        from llama_cpp.llama_grammar import LlamaGrammar

        grammar = LlamaGrammar.from_string(self.grammar, verbose=False) if self.grammar else None
        tokens = llama.tokenize(self.prompt.encode(), special=True)
        reused = Llama.longest_token_prefix(llama._input_ids.tolist(), tokens)
        chunks = llama.create_completion(
            self.prompt,
            max_tokens=self.sampling.max_tokens,
            temperature=self.sampling.temperature,
            top_p=self.sampling.top_p,
            seed=self.sampling.seed,
            grammar=grammar,
            stream=True,
        )
        assert not isinstance(chunks, dict)  # stream=True
        return replace(drain(chunks, len(tokens), self.on_text, self.cancel), reused_tokens=reused)


def drain(
    chunks: Iterator[Any], prompt_tokens: int, on_text: TextListener | None, cancel: threading.Event
) -> GenerationResult:
    """Consume a llama-cpp-python stream, one chunk a token, until done or cancelled."""
    started = time.perf_counter()
    first: float | None = None
    parts: list[str] = []
    tokens = 0
    finish = "stop"
    for chunk in chunks:
        if cancel.is_set():
            finish = "cancelled"
            break
        choice = chunk["choices"][0]
        text = choice.get("text") or choice.get("delta", {}).get("content") or ""
        tokens += 1 if text or not choice.get("finish_reason") else 0
        if first is None:
            first = time.perf_counter() - started
        if text:
            parts.append(text)
            if on_text is not None:
                on_text(text)
        finish = choice.get("finish_reason") or finish
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
    return GenerationResult(
        "".join(parts), tokens, prompt_tokens, finish, time.perf_counter() - started, first
    )
