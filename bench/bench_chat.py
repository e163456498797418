"""Time to first token of a chat turn: the next turn with the prompt cache vs the first turn.

A generated model big enough that evaluating the prompt dominates (context 4096) answers a
conversation of about 2k tokens through `LocalBackend`, loaded by `ModelService` as the app
does it. The first turn starts from an empty KV cache; the second adds an answer and one
more question, so llama.cpp only evaluates what is new (goal <= 0.25x the first). The
baseline is bare llama-cpp-python `create_completion` streaming the same first-turn prompt
on the same model, from an empty cache (goal for our first turn: <= 1.05x of it).
Rounds alternate so drift hits all equally. The same runs again on a real model,
SmolLM2-135M-Instruct with its own chat template (--quick: the real model only, two rounds).
No prompt prefix is kept between chats here: the first turn reads everything, as bare
llama-cpp-python does (bench_prefix measures what keeping it saves).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common import QUICK, quick_rounds, report

from desktop.llm.backends.backend import ChatParams, Message, ToolChoice
from desktop.llm.backends.local import LocalBackend, model_prompt
from desktop.llm.models.engine import ModelEngine
from desktop.llm.models.fit import LoadShape
from desktop.llm.models.prefix_cache import PrefixCache
from desktop.llm.models.service import ModelService
from tests.fixtures.bare_models import bare_model_service
from tests.fixtures.real_model import real_model_path
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, WORDS, Shape, write_gguf

if TYPE_CHECKING:
    from llama_cpp import Llama

BENCH_SHAPE = Shape(
    layers=12, width=768, heads=12, kv_heads=4, feed_forward=2048, context=8192, extra_vocab=32000
)
"""About 0.5 GB in F32, as in bench_model: prompt evaluation, not Python, sets the pace."""
CONTEXT = 4096
HISTORY_TURNS = 10
WORDS_PER_MESSAGE = 16
"""The generated vocabulary spells a word in about five tokens."""
ANSWER_TOKENS = 24
ANSWER = "It says hello to the user and names the file."
"""The answer the next turn carries. A real model's answer is its own tokens again; the random
model's answer would come back as several times as many tokens, which no real chat pays."""
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "files__read",
            "description": "Read a text file.",
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string"}},
                "required": ["path"],
            },
        },
    }
]


def history() -> list[Message]:
    """About 2k tokens of conversation in ten exchanges."""
    words = random.Random(7)
    messages: list[Message] = [{"role": "system", "content": "You are a helpful assistant."}]
    for turn in range(HISTORY_TURNS * 2):
        text = " ".join(words.choice(WORDS) for _ in range(WORDS_PER_MESSAGE))
        messages.append({"role": "user" if turn % 2 == 0 else "assistant", "content": text})
    messages.append({"role": "user", "content": "What is in the file?"})
    return messages


@dataclass
class FirstText:
    """Seconds from the start of a turn to its first streamed text."""

    started: float
    seconds: float | None = None

    def __call__(self, text: str) -> None:
        if self.seconds is None:
            self.seconds = time.perf_counter() - self.started


async def turn(backend: LocalBackend, messages: list[Message]) -> tuple[float, int]:
    first = FirstText(time.perf_counter())
    params = ChatParams(temperature=0.0, max_tokens=ANSWER_TOKENS)
    completion = await backend.complete(messages, TOOLS, params, ToolChoice.AUTO, first, threading.Event())
    seconds = first.seconds if first.seconds is not None else completion.first_token_s
    assert seconds is not None
    return seconds, completion.reused_tokens


def reset(llama: Llama) -> None:
    llama.reset()  # type: ignore[no-untyped-call]


def bare_first_token(llama: Llama, prompt: str) -> float:
    """Bare llama-cpp-python from an empty cache: seconds to the first streamed chunk."""
    reset(llama)
    started = time.perf_counter()
    chunks = llama.create_completion(prompt, max_tokens=ANSWER_TOKENS, temperature=0.0, stream=True)
    next(iter(chunks))
    seconds = time.perf_counter() - started
    chunks.close()  # type: ignore[union-attr]
    return seconds


def own_work(llama: Llama, template: str | None, messages: list[Message]) -> float:
    """What a turn does before llama.cpp starts: the template, and tokenizing it twice to check room."""
    started = time.perf_counter()
    prompt = model_prompt(llama, template, messages, TOOLS).text
    llama.tokenize(prompt.encode(), special=True)
    llama.tokenize(prompt.encode(), special=True)
    return time.perf_counter() - started


async def two_turns(
    service: ModelService, backend: LocalBackend, first_turn: list[Message]
) -> tuple[float, float, int]:
    """A first turn from an empty cache, then the next one: their times to first text."""
    await service.run_on_model(reset)
    first, reused_first = await turn(backend, first_turn)
    second_turn = [*first_turn, {"role": "assistant", "content": ANSWER}]
    second_turn.append({"role": "user", "content": "And the other file?"})
    second, reused = await turn(backend, second_turn)
    assert reused_first == 0 and reused > 0
    return first, second, reused


async def measure(service: ModelService, rounds: int, label: str) -> None:
    backend = LocalBackend(service)
    first_turn = history()
    template = service.state().info.chat_template  # type: ignore[union-attr]
    prompt = await service.run_on_model(lambda llama: model_prompt(llama, template, first_turn, TOOLS).text)
    print(f"history: {await backend.count_tokens(first_turn, TOOLS)} prompt tokens, context {CONTEXT}")
    await service.run_on_model(lambda llama: bare_first_token(llama, prompt))  # warm-up, not counted
    bare, firsts, seconds = [], [], []
    for round_ in range(rounds):
        if round_ % 2 == 0:
            bare.append(await service.run_on_model(lambda llama: bare_first_token(llama, prompt)))
        first, second, reused = await two_turns(service, backend, first_turn)
        if round_ % 2 == 1:
            bare.append(await service.run_on_model(lambda llama: bare_first_token(llama, prompt)))
        firsts.append(first)
        seconds.append(second)
        print(f"  round: bare {bare[-1]:.3f} s, first {first:.3f} s, second {second:.3f} s ({reused} reused)")
    own = [await service.run_on_model(lambda llama: own_work(llama, template, first_turn)) for _ in range(21)]
    print(f"MCP Desk's own work per turn before llama.cpp starts: {statistics.median(own) * 1000:.1f} ms")
    report(f"First turn, time to first token ({label})", firsts, bare, "s", "<= 1.05x")
    report(f"Second turn with the prompt cache vs the first turn ({label})", seconds, firsts, "s", "<= 0.25x")


async def on_model(home: Path, path: Path, rounds: int, label: str) -> None:
    print(f"model: {path.name} ({label})")
    service = bare_model_service(home, ModelEngine(prefix_cache=PrefixCache(None, 0, 0)))
    try:
        await service.load(path, LoadShape(context=CONTEXT))
        await measure(service, rounds, label)
    finally:
        service.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=quick_rounds(5))
    parser.add_argument("--quick", action="store_true", help="the real model only, two rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mcp-desk-bench-") as folder:
        home = Path(folder)
        if not QUICK:
            path = write_gguf(home / "chat-bench.gguf", BENCH_SHAPE, template=HERMES_TOOLS_TEMPLATE)
            await on_model(home, path, args.rounds, "generated model")
        await on_model(home, real_model_path(), args.rounds, "real model")


if __name__ == "__main__":
    asyncio.run(main())
