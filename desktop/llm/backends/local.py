"""The model loaded on the Model page, as a chat backend.

Everything that touches the model (the prompt from its chat template, tokens, grammar
checks, generation) runs as one job on the model thread; the service loop only awaits it.
Streamed text goes out from the model thread with tool-call markup held back, and the
answer comes back already parsed into prose and tool calls.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, TypeVar

from desktop.core.problem import Problem
from desktop.llm.backends.backend import (
    ChatParams,
    ChatProblem,
    Completion,
    Message,
    TextListener,
    ToolCallRequest,
    ToolChoice,
    ToolSpec,
)
from desktop.llm.backends.chat_template import RenderedPrompt, SpecialTokens, render_prompt
from desktop.llm.backends.grammars import KnownGrammars
from desktop.llm.backends.tool_formats import ParsedAnswer, StreamFilter, parse_answer
from desktop.llm.models.control import ModelState
from desktop.llm.models.generation import Prefix, Prepared, Sampling, complete

if TYPE_CHECKING:
    from llama_cpp import Llama

    from desktop.llm.models.prefix_cache import PrefixCache

T = TypeVar("T")

NO_MODEL = "Load a model on the Model page first, then send your message again."
CHARS_PER_TOKEN = 4
"""For estimates while no model is loaded to count with."""
MIN_ANSWER_TOKENS = 16
CUT_OFF = (
    "The model ran out of room in the middle of a tool call. Raise the longest answer in this "
    "chat's settings, or ask again."
)
PREFIX_MARK = "\u2063MCP-Desk-conversation\u2063"
"""Stands in for the conversation to find where the prompt's shared prefix ends."""


class LoadedModels(Protocol):
    """What the backend needs of the model side (`ModelService` is one)."""

    def state(self) -> ModelState: ...

    async def run_on_model(self, job: Callable[[Llama], T]) -> T: ...

    def prefix_cache(self) -> PrefixCache | None: ...

    async def warm_up(self, prefix: str) -> Prepared:
        """Read `prefix` ahead of the chat that needs it, giving way to any other job."""
        ...


class LocalBackend:
    """Implements `ChatBackend` with the locally loaded model."""

    def __init__(self, models: LoadedModels) -> None:
        self._models = models
        self._grammars = KnownGrammars()

    def ready(self) -> str | None:
        return None if self._models.state().loaded is not None else NO_MODEL

    def context_limit(self) -> int:
        loaded = self._models.state().loaded
        return loaded.settings.context if loaded is not None else 0

    async def count_tokens(self, messages: list[Message], tools: list[ToolSpec]) -> int:
        state = self._models.state()
        if state.loaded is None:
            return len(render_prompt(None, messages, tools, SpecialTokens()).text) // CHARS_PER_TOKEN
        return await self._run(_Counting(_template(state), messages, tools))

    async def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        params: ChatParams,
        tool_choice: ToolChoice,
        on_text: TextListener,
        cancel: threading.Event,
    ) -> Completion:
        state = self._models.state()
        if state.loaded is None:
            raise ChatProblem(NO_MODEL)
        offered = [] if tool_choice is ToolChoice.NONE else tools
        job = _Answering(_template(state), messages, offered, params, tool_choice, on_text, cancel)
        return await self._run(replace(job, cache=self._models.prefix_cache(), grammars=self._grammars))

    async def warm_up(self, messages: list[Message], tools: list[ToolSpec]) -> None:
        """Have the model read the system prompt and `tools` now, so a chat with them starts at once."""
        state = self._models.state()
        if state.loaded is None:
            return
        template = _template(state)

        prefix = await self._run(lambda llama: prefix_text(llama, template, messages, tools))
        if prefix:
            await self._models.warm_up(prefix)

    async def _run(self, job: Callable[[Llama], T]) -> T:
        try:
            return await self._models.run_on_model(job)
        except ChatProblem:
            raise
        except Problem as problem:
            raise ChatProblem(problem.message, problem.details) from problem
        except Exception as error:  # llama.cpp's failures reach the user as a sentence, not a crash
            raise ChatProblem(
                "The model could not answer. Try again; if it keeps happening, load the model "
                "again on the Model page.",
                f"{type(error).__name__}: {error}",
            ) from error


def _template(state: ModelState) -> str | None:
    return state.info.chat_template if state.info is not None else None


@dataclass(frozen=True)
class _Counting:
    template: str | None
    messages: list[Message]
    tools: list[ToolSpec]

    def __call__(self, llama: Llama) -> int:
        prompt = model_prompt(llama, self.template, self.messages, self.tools)
        return len(llama.tokenize(prompt.text.encode(), special=True))


@dataclass(frozen=True)
class _Answering:
    template: str | None
    messages: list[Message]
    tools: list[ToolSpec]
    params: ChatParams
    choice: ToolChoice
    on_text: TextListener
    cancel: threading.Event
    cache: PrefixCache | None = None
    grammars: KnownGrammars = field(default_factory=KnownGrammars)

    def __call__(self, llama: Llama) -> Completion:
        prompt = model_prompt(llama, self.template, self.messages, self.tools)
        prefix = Prefix(prefix_text(llama, self.template, self.messages, self.tools, prompt), self.cache)
        tokens = llama.tokenize(prompt.text.encode(), special=True)
        room = llama.n_ctx() - len(tokens)
        if room < MIN_ANSWER_TOKENS:
            raise ChatProblem(
                "The conversation no longer fits in what the model can read at once. Start a new "
                "chat, or load the model with a larger context on the Model page.",
                f"{llama.n_ctx() - room} prompt tokens, context {llama.n_ctx()}",
            )
        grammar = self.grammars.usable(llama, prompt.format, self.tools, self.choice)
        stream = StreamFilter(prompt.format, self.on_text)
        sampling = Sampling(self.params.temperature, self.params.top_p, min(self.params.max_tokens, room))
        result = complete(tokens, sampling, stream, self.cancel, grammar, prefix)(llama)
        parsed = parse_answer(prompt.format, result.text)
        stream.finish(parsed.text)
        calls = _calls(parsed, result.finish_reason)
        return Completion(
            parsed.text,
            calls,
            "tool_calls" if calls else result.finish_reason,
            result.prompt_tokens,
            result.tokens,
            result.first_token_seconds,
            result.reused_tokens,
            result.evaluated_tokens,
            tools_ready=bool(self.tools) and result.prefix_ready,
        )


def _calls(parsed: ParsedAnswer, finish_reason: str) -> tuple[ToolCallRequest, ...]:
    """The calls to pass on: none when the user stopped the answer; a cut-off one says so."""
    if finish_reason == "cancelled":
        return ()
    calls = parsed.calls
    if finish_reason == "length" and calls and calls[-1].arguments is None:
        return (*calls[:-1], replace(calls[-1], problem=CUT_OFF))
    return calls


def model_prompt(
    llama: Llama, template: str | None, messages: list[Message], tools: list[ToolSpec]
) -> RenderedPrompt:
    """The prompt as this model's tokenizer wants it: no second BOS where it adds its own."""
    tokens = SpecialTokens(_token_text(llama, llama.token_bos()), _token_text(llama, llama.token_eos()))
    prompt = render_prompt(template, messages, tools, tokens)
    if tokens.bos and llama._model.add_bos_token() and prompt.text.startswith(tokens.bos):
        return RenderedPrompt(prompt.text[len(tokens.bos) :], prompt.format, prompt.fell_back)
    return prompt


def prefix_text(
    llama: Llama,
    template: str | None,
    messages: list[Message],
    tools: list[ToolSpec],
    prompt: RenderedPrompt | None = None,
) -> str:
    """What every chat with this system prompt and these tools starts with; "" when `prompt` does not."""
    lead = list(itertools.takewhile(lambda message: message.get("role") == "system", messages))
    probe = model_prompt(llama, template, [*lead, {"role": "user", "content": PREFIX_MARK}], tools)
    text = probe.text[: max(0, probe.text.find(PREFIX_MARK))]
    if prompt is not None and (probe.format is not prompt.format or not prompt.text.startswith(text)):
        return ""
    return text


def _token_text(llama: Llama, token: int) -> str:
    return llama.detokenize([token], special=True).decode(errors="replace") if token >= 0 else ""
