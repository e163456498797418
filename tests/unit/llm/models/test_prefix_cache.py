"""The model keeps what it read of the tools: a new chat reads only its own words.

Counts of prompt tokens evaluated come from the generation itself; the model is real (the
generated tiny one, and SmolLM2-135M-Instruct where the meaning depends on real tokens).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from llama_cpp import Llama

from desktop.llm.backends.backend import ChatParams, Completion, Message, ToolChoice, ToolSpec
from desktop.llm.backends.local import LocalBackend, model_prompt, prefix_text
from desktop.llm.models.engine import ModelEngine
from desktop.llm.models.fit import LoadShape
from desktop.llm.models.generation import WARM_UP_CHUNK, Prefix, Sampling, complete, prefix_tokens, warm_up
from desktop.llm.models.prefix_cache import SUFFIX, PrefixCache
from desktop.llm.models.service import ModelService
from tests.fixtures.bare_models import bare_model_service

pytestmark = pytest.mark.anyio

SYSTEM = "You are a helpful assistant. Use the tools you are given when they help."
TOOLS: list[ToolSpec] = [
    {
        "type": "function",
        "function": {
            "name": f"files__{verb}_file",
            "description": f"{verb.capitalize()} a file in the shared folder.",
            "parameters": {
                "type": "object",
                "properties": {"path": {"type": "string", "description": "Where the file is."}},
                "required": ["path"],
            },
        },
    }
    for verb in ("read", "write", "move", "copy", "delete", "describe")
]


def chat(question: str, system: str = SYSTEM) -> list[Message]:
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


async def ask(backend: LocalBackend, messages: list[Message]) -> Completion:
    params = ChatParams(temperature=0.0, max_tokens=4)
    return await backend.complete(
        messages, TOOLS, params, ToolChoice.AUTO, lambda _t: None, threading.Event()
    )


async def prefix_length(service: ModelService, messages: list[Message]) -> int:
    info = service.state().info
    template = info.chat_template if info is not None else None

    def count(llama: Llama) -> int:
        prompt = model_prompt(llama, template, messages, TOOLS)
        return len(prefix_tokens(llama, prefix_text(llama, template, messages, TOOLS, prompt)))

    return await service.run_on_model(count)


async def loaded(folder: Path, model: Path, cache: PrefixCache | None = None) -> ModelService:
    service = bare_model_service(folder, ModelEngine(prefix_cache=cache))
    await service.load(model, LoadShape(context=2048))
    return service


@pytest.fixture(params=["tiny", "real"])
def model(request: pytest.FixtureRequest, tiny_model: Path) -> Path:
    return tiny_model if request.param == "tiny" else request.getfixturevalue("real_model")


@pytest.fixture
async def service(tmp_path: Path, model: Path) -> AsyncIterator[ModelService]:
    made = await loaded(tmp_path, model)
    yield made
    made.close()


async def test_a_second_new_chat_reads_only_its_own_words(service: ModelService) -> None:
    backend = LocalBackend(service)

    first = await ask(backend, chat("What is in the shared folder?"))
    await ask(backend, chat("Hello", system="You are a pirate."))  # the model now holds another prompt
    second = await ask(backend, chat("Please read notes.txt for me."))
    shared = await prefix_length(service, chat("Please read notes.txt for me."))

    assert first.evaluated_tokens == first.prompt_tokens and not first.tools_ready
    assert shared > 100
    assert second.evaluated_tokens == second.prompt_tokens - shared
    assert second.reused_tokens == shared and second.tools_ready
    assert service.prefix_cache().counts.from_memory == 1


async def test_the_next_turn_of_a_chat_reads_only_what_is_new(service: ModelService) -> None:
    backend = LocalBackend(service)
    turn = chat("What is in the shared folder?")

    first = await ask(backend, turn)
    later = [
        *turn,
        {"role": "assistant", "content": first.text or "Nothing."},
        {"role": "user", "content": "Thanks"},
    ]
    second = await ask(backend, later)

    assert second.tools_ready and second.reused_tokens >= first.prompt_tokens - 1
    assert second.evaluated_tokens == second.prompt_tokens - second.reused_tokens
    assert service.prefix_cache().counts.from_memory == 0  # the model still held it


async def test_kept_states_survive_a_restart(tmp_path: Path, tiny_model: Path) -> None:
    before = await loaded(tmp_path / "a", tiny_model, PrefixCache(tmp_path / "cache"))
    await ask(LocalBackend(before), chat("What is in the shared folder?"))
    before.close()
    after = await loaded(tmp_path / "b", tiny_model, PrefixCache(tmp_path / "cache"))
    try:
        second = await ask(LocalBackend(after), chat("Please read notes.txt for me."))
        shared = await prefix_length(after, chat("Please read notes.txt for me."))
        counts = after.prefix_cache().counts
    finally:
        after.close()

    assert len(list((tmp_path / "cache").glob(f"*{SUFFIX}"))) == 1
    assert counts.from_disk == 1 and second.tools_ready
    assert second.evaluated_tokens == second.prompt_tokens - shared


def cut_short(data: bytes) -> bytes:
    return data[: len(data) // 2]


def one_byte_changed(data: bytes) -> bytes:
    middle = len(data) - 100
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def not_a_state(_data: bytes) -> bytes:
    return b"hello, I am not a model state"


def empty(_data: bytes) -> bytes:
    return b""


@pytest.mark.parametrize("damage", [cut_short, one_byte_changed, not_a_state, empty])
async def test_a_damaged_file_is_removed_and_read_again(
    tmp_path: Path, tiny_model: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    before = await loaded(tmp_path / "a", tiny_model, PrefixCache(tmp_path / "cache"))
    await ask(LocalBackend(before), chat("What is in the shared folder?"))
    before.close()
    (kept,) = (tmp_path / "cache").glob(f"*{SUFFIX}")
    kept.write_bytes(damage(kept.read_bytes()))  # type: ignore[operator]
    after = await loaded(tmp_path / "b", tiny_model, PrefixCache(tmp_path / "cache"))
    try:
        with caplog.at_level(logging.WARNING):
            answer = await ask(LocalBackend(after), chat("Please read notes.txt for me."))
        counts = after.prefix_cache().counts
    finally:
        after.close()

    assert counts.removed_damaged == 1 and counts.from_disk == 0
    assert not answer.tools_ready and answer.evaluated_tokens == answer.prompt_tokens
    assert "could not be used" in caplog.text and "removed" in caplog.text
    assert kept.exists() and len(kept.read_bytes()) > 1000  # made again from what was just read


async def test_a_changed_model_file_drops_what_was_kept_for_it(tmp_path: Path, tiny_model: Path) -> None:
    copy = tmp_path / "model.gguf"
    copy.write_bytes(tiny_model.read_bytes())
    service = await loaded(tmp_path, copy, PrefixCache(tmp_path / "cache"))
    try:
        await ask(LocalBackend(service), chat("What is in the shared folder?"))
        service.prefix_cache().flush()
        kept_before = list((tmp_path / "cache").glob(f"*{SUFFIX}"))
        os.utime(copy, (1_000_000, 1_000_000))  # a new copy of the file, say
        await service.load(copy, LoadShape(context=2048))
        service.prefix_cache().flush()
        answer = await ask(LocalBackend(service), chat("What is in the shared folder?"))
    finally:
        service.close()

    assert len(kept_before) == 1 and not kept_before[0].exists()
    assert not answer.tools_ready and answer.evaluated_tokens == answer.prompt_tokens


async def test_the_oldest_state_goes_first_beyond_the_bound(tmp_path: Path, tiny_model: Path) -> None:
    measure = await loaded(tmp_path / "m", tiny_model, PrefixCache(tmp_path / "one"))
    await ask(LocalBackend(measure), chat("Hi", system="You are a pirate. " * 3))
    measure.close()
    (one,) = (tmp_path / "one").glob(f"*{SUFFIX}")
    bound = one.stat().st_size * 3 // 2
    service = await loaded(tmp_path / "s", tiny_model, PrefixCache(tmp_path / "cache", bound, bound))
    backend = LocalBackend(service)
    try:
        await ask(backend, chat("Hi", system="You are a pirate. " * 3))
        await ask(backend, chat("Hi", system="You are a parrot. " * 3))
        back_to_pirate = await ask(backend, chat("Ahoy", system="You are a pirate. " * 3))
        service.prefix_cache().flush()
        counts = service.prefix_cache().counts
    finally:
        service.close()

    assert counts.from_memory == 0 and counts.from_disk == 0 and not back_to_pirate.tools_ready
    assert len(list((tmp_path / "cache").glob(f"*{SUFFIX}"))) == 1


async def test_a_warm_up_gives_way_to_a_waiting_chat(tmp_path: Path, tiny_model: Path) -> None:
    service = await loaded(tmp_path, tiny_model)
    engine: ModelEngine = service._engine
    messages = chat("What is in the shared folder?")
    info = service.state().info
    template = info.chat_template if info is not None else None

    def texts(llama: Llama) -> tuple[str, str]:
        prompt = model_prompt(llama, template, messages, TOOLS)
        return prompt.text, prefix_text(llama, template, messages, TOOLS, prompt)

    prompt, prefix = await service.run_on_model(texts)
    shared = Prefix(prefix, engine.prefix_cache)
    gate = threading.Event()
    try:
        engine.run(lambda _llama: gate.wait(30))  # the model is busy until both below are queued
        warming = engine.run(warm_up(shared, engine.others_waiting))
        answering = engine.run(complete(prompt, Sampling(temperature=0.0, max_tokens=4), prefix=shared))
        gate.set()
        prepared, answer = warming.result(60), answering.result(60)
    finally:
        service.close()

    assert not prepared.complete and prepared.evaluated == WARM_UP_CHUNK
    assert answer.reused_tokens == WARM_UP_CHUNK  # what the warm-up read still served the chat
    assert answer.evaluated_tokens == answer.prompt_tokens - WARM_UP_CHUNK


async def test_after_a_warm_up_the_first_chat_reads_only_its_own_words(service: ModelService) -> None:
    backend = LocalBackend(service)

    await backend.warm_up([{"role": "system", "content": SYSTEM}], TOOLS)
    answer = await ask(backend, chat("What is in the shared folder?"))
    shared = await prefix_length(service, chat("What is in the shared folder?"))

    assert answer.tools_ready and answer.evaluated_tokens == answer.prompt_tokens - shared


async def test_an_answer_tokenizes_its_prompt_once_and_a_prefix_the_first_time_it_is_seen(
    service: ModelService, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = LocalBackend(service)
    tokenized: list[bytes] = []
    original = Llama.tokenize

    def counting(llama: Llama, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        tokenized.append(text)
        return original(llama, text, add_bos, special)

    monkeypatch.setattr(Llama, "tokenize", counting)
    counts = []
    for messages in (
        chat("What is in the shared folder?"),
        chat("Please read notes.txt for me."),
        chat("Hello", system="You are a pirate."),
        chat("And now?"),
    ):
        await ask(backend, messages)
        counts.append(len(tokenized))

    assert counts == [2, 3, 5, 6], "the prompt each time; each system prompt and tools once"
