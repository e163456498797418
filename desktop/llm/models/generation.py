"""Streaming text out of the loaded model: jobs for `ModelEngine.run`.

Text goes out through a listener as it is made; a set `cancel` event stops between
tokens. Only the part of a prompt the model has not read yet is evaluated: what it still
holds from the previous call (the next turn of one chat), or the prompt's prefix (system
prompt and tools) restored from a `PrefixCache`. The prompt is tokenized once per answer (the
prefix's tokens are kept with its state), a grammar is asked only about the tokens sampled
(`TokenSampler`), and tokens are decoded one at a time with an incremental UTF-8 decoder, so
bytes that are not text cost nothing extra.
"""

from __future__ import annotations

import codecs
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from desktop.llm.models.sampler import TokenSampler

if TYPE_CHECKING:
    from llama_cpp import Llama

    from desktop.llm.models.prefix_cache import PrefixCache

WARM_UP_CHUNK = 64
"""Tokens read between looks at whether a chat is waiting: a warm-up yields within one chunk."""


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
    """Prompt tokens the model did not read again: still held from the last call, or restored."""
    evaluated_tokens: int = 0
    """Prompt tokens the model read for this answer."""
    prefix_ready: bool = False
    """The prompt's prefix (system prompt and tools) was there before this answer: nothing to read."""


@dataclass(frozen=True)
class Prefix:
    """The start of a prompt that other prompts share, and where its state is kept."""

    text: str
    cache: PrefixCache | None


@dataclass(frozen=True)
class Prepared:
    ready: bool
    """It was already there (held or restored): nothing was read."""
    evaluated: int
    complete: bool
    """False when a waiting job cut a warm-up short."""


class TextListener(Protocol):
    def __call__(self, text: str) -> None: ...


def complete(
    prompt: str | list[int],
    sampling: Sampling,
    on_text: TextListener | None = None,
    cancel: threading.Event | None = None,
    grammar: str | None = None,
    prefix: Prefix | None = None,
) -> _CompletionJob:
    """A job that continues `prompt` (text, or its tokens); pass it to `ModelEngine.run`."""
    return _CompletionJob(prompt, sampling, on_text, cancel or threading.Event(), grammar, prefix)


def warm_up(prefix: Prefix, others_waiting: Callable[[], bool]) -> Callable[[Llama], Prepared]:
    """A job that reads `prefix` ahead of the first chat, a chunk at a time, giving way to other jobs."""

    def job(llama: Llama) -> Prepared:
        tokens = prefix_tokens(llama, prefix.text, prefix.cache)
        return prepare_prefix(llama, tokens, prefix.cache, WARM_UP_CHUNK, others_waiting)

    return job


def prefix_tokens(llama: Llama, text: str, cache: PrefixCache | None = None) -> list[int]:
    """The prefix's tokens, less the last: it may merge with what follows in a whole prompt.

    `cache` keeps them for the loaded model, so a prefix is tokenized once, not once per answer.
    """
    known = cache.tokens_of(text) if cache is not None else None
    if known is not None:
        return known
    tokens: list[int] = llama.tokenize(text.encode(), special=True)[:-1]
    if cache is not None:
        cache.keep_tokens(text, tokens)
    return tokens


def prepare_prefix(
    llama: Llama,
    tokens: list[int],
    cache: PrefixCache | None,
    chunk: int,
    give_way: Callable[[], bool] = lambda: False,
) -> Prepared:
    """Make the model hold `tokens`: already held, restored from `cache`, or read (then kept)."""
    from llama_cpp import Llama

    held = Llama.longest_token_prefix(llama._input_ids.tolist(), tokens)
    if held == len(tokens):
        return Prepared(True, 0, True)
    if cache is not None and cache.restore(llama, tokens):
        return Prepared(True, 0, True)
    start = _truncate(llama, held)
    for begin in range(start, len(tokens), chunk):
        if begin > start and give_way():
            return Prepared(False, begin - start, False)
        llama.eval(tokens[begin : begin + chunk])
    if cache is not None:
        cache.store(llama, tokens)
    return Prepared(False, len(tokens) - start, True)


def read_prompt(llama: Llama, tokens: list[int]) -> int:
    """Evaluate what the model does not hold yet (at least the last token, for fresh logits)."""
    from llama_cpp import Llama

    start = _truncate(
        llama, min(Llama.longest_token_prefix(llama._input_ids.tolist(), tokens), len(tokens) - 1)
    )
    llama.eval(tokens[start:])
    return len(tokens) - start


def _truncate(llama: Llama, keep: int) -> int:
    """Forget all but the first `keep` tokens; models that can't forget part start again."""
    if keep < llama.n_tokens and not llama._ctx.kv_cache_seq_rm(-1, keep, -1):
        llama.reset()  # type: ignore[no-untyped-call]
        llama._ctx.kv_cache_seq_rm(-1, 0, -1)
        return 0
    llama.n_tokens = min(keep, llama.n_tokens)
    return llama.n_tokens


@dataclass(frozen=True)
class _CompletionJob:
    prompt: str | list[int]
    sampling: Sampling
    on_text: TextListener | None
    cancel: threading.Event
    grammar: str | None
    prefix: Prefix | None

    def __call__(self, llama: Llama) -> GenerationResult:
        started = time.perf_counter()
        prompt = self.prompt
        tokens = llama.tokenize(prompt.encode(), special=True) if isinstance(prompt, str) else prompt
        prepared = Prepared(False, 0, True)
        if self.prefix is not None:
            wanted = prefix_tokens(llama, self.prefix.text, self.prefix.cache)
            if tokens[: len(wanted)] == wanted:
                prepared = prepare_prefix(llama, wanted, self.prefix.cache, llama.n_batch)
        evaluated = prepared.evaluated + read_prompt(llama, tokens)
        generation = _Generation(llama, self.on_text, self.cancel, started)
        result = generation.run(tokens, self.sampling, self.grammar)
        return GenerationResult(
            result.text,
            result.tokens,
            len(tokens),
            result.finish_reason,
            time.perf_counter() - started,
            result.first_token_seconds,
            reused_tokens=len(tokens) - evaluated,
            evaluated_tokens=evaluated,
            prefix_ready=prepared.ready,
        )


@dataclass
class _Generation:
    llama: Llama
    on_text: TextListener | None
    cancel: threading.Event
    started: float

    def run(self, tokens: list[int], sampling: Sampling, grammar: str | None) -> GenerationResult:
        """Sample until the model ends, `max_tokens`, or cancel; the prompt is already read."""
        import llama_cpp

        llama = self.llama
        seed = sampling.seed if sampling.seed is not None else random.Random(llama._seed).randint(0, 2**32)
        llama.set_seed(seed)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        parts: list[str] = []
        made, first, finish = 0, None, "length"
        sampler = TokenSampler(llama, sampling.temperature, sampling.top_p, grammar)
        try:
            while True:
                token = sampler.sample()
                if first is None:
                    first = time.perf_counter() - self.started
                if self.cancel.is_set() or llama_cpp.llama_vocab_is_eog(llama._model.vocab, token):
                    finish = "cancelled" if self.cancel.is_set() else "stop"
                    break
                made += 1
                self._emit(parts, decoder.decode(llama.detokenize([token])))
                if made >= sampling.max_tokens:
                    break
                llama.eval([token])
        finally:
            sampler.close()
        if finish != "cancelled":
            self._emit(parts, decoder.decode(b"", final=True))
        return GenerationResult("".join(parts), made, len(tokens), finish, 0.0, first)

    def _emit(self, parts: list[str], text: str) -> None:
        if text:
            parts.append(text)
            if self.on_text is not None:
                self.on_text(text)
