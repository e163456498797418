"""Choosing each next token, held to a grammar where one is given.

The grammar is asked only about the token the sampler chose. Only when it refuses that token
is it applied to the whole vocabulary and the choice made again among what it allows, as
llama.cpp's own `common_sampler` does: a grammar checked against every one of a model's tens of
thousands of tokens costs tens of milliseconds a token on a CPU, and most tokens pass anyway.
"""

from __future__ import annotations

import ctypes
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_cpp import Llama


class TokenSampler:
    """Samples from the model's last logits; `close()` frees what llama.cpp holds for it."""

    def __init__(self, llama: Llama, temperature: float, top_p: float, grammar: str | None) -> None:
        import llama_cpp
        import numpy as np

        self._llama = llama
        self._chain = llama._init_sampler(temp=temperature, top_p=top_p)
        self._grammar = (
            llama_cpp.llama_sampler_init_grammar(llama._model.vocab, grammar.encode(), b"root")
            if grammar
            else None
        )
        if grammar and not self._grammar:
            self._chain.close()
            raise ValueError("llama.cpp could not parse the grammar")
        size = llama.n_vocab()
        self._ids = np.arange(size, dtype=np.intc)
        self._candidates = np.zeros(size, dtype=[("id", np.intc), ("logit", np.single), ("p", np.single)])
        self._one = (llama_cpp.llama_token_data * 1)()
        self.vocabulary_checks = 0
        """Tokens the grammar refused, so that it was applied to the whole vocabulary."""

    def sample(self) -> int:
        """The next token, accepted by the grammar and the sampler chain."""
        import llama_cpp

        token = self._choose(None)
        if self._grammar is not None:
            if not self._allows(token):
                self.vocabulary_checks += 1
                token = self._choose(self._grammar)
            llama_cpp.llama_sampler_accept(self._grammar, token)
        llama_cpp.llama_sampler_accept(self._chain.sampler, token)
        return token

    def close(self) -> None:
        import llama_cpp

        self._chain.close()
        if self._grammar is not None:
            llama_cpp.llama_sampler_free(self._grammar)
            self._grammar = None

    def _choose(self, first: Any) -> int:
        """Apply `first` (the grammar, or None) and then the chain to every token's logit."""
        import llama_cpp
        import numpy as np

        candidates = self._candidates
        candidates["id"] = self._ids
        candidates["logit"] = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(self._llama._ctx.ctx, -1), shape=(len(self._ids),)
        )
        array = llama_cpp.llama_token_data_array(
            candidates.ctypes.data_as(llama_cpp.llama_token_data_p), len(self._ids), -1, False
        )
        if first is not None:
            llama_cpp.llama_sampler_apply(first, ctypes.byref(array))
        llama_cpp.llama_sampler_apply(self._chain.sampler, ctypes.byref(array))
        return int(array.data[array.selected].id)

    def _allows(self, token: int) -> bool:
        import llama_cpp

        self._one[0] = llama_cpp.llama_token_data(token, 1.0, 0.0)
        array = llama_cpp.llama_token_data_array(self._one, 1, -1, False)
        llama_cpp.llama_sampler_apply(self._grammar, ctypes.byref(array))
        return math.isfinite(self._one[0].logit)
