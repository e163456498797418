from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.llm.models.engine import LoadCancelled, LoadProblem, LoadSettings, ModelEngine, NoModelLoaded
from desktop.llm.models.generation import Sampling, complete


@pytest.fixture
def engine() -> Iterator[ModelEngine]:
    engine = ModelEngine()
    yield engine
    engine.close()


def test_load_generate_unload_on_the_model_thread(engine: ModelEngine, tiny_model: Path) -> None:
    progress: list[float] = []
    loaded = engine.load(LoadSettings(tiny_model, context=256), progress.append).result(30)
    texts: list[str] = []
    threads: set[str] = set()

    def note_thread(text: str) -> None:
        texts.append(text)
        threads.add(threading.current_thread().name)

    result = engine.run(complete("hello", Sampling(max_tokens=8, seed=1), note_thread)).result(30)
    engine.unload().result(30)

    assert loaded.settings.path == tiny_model and not loaded.fell_back
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert result.tokens == 8 and result.finish_reason == "length"
    assert "".join(texts) == result.text and result.prompt_tokens > 0
    assert threads == {"model"}
    assert engine.loaded is None
    with pytest.raises(NoModelLoaded):
        engine.run(lambda llama: None).result(30)


def test_a_grammar_holds_the_model_to_json(engine: ModelEngine, tiny_model: Path) -> None:
    engine.load(LoadSettings(tiny_model, context=256)).result(30)
    grammar = r'root ::= "{\"name\": \"" [a-z]+ "\"}"'

    result = engine.run(complete("call a tool", Sampling(max_tokens=24, seed=3), grammar=grammar)).result(30)

    assert result.text.startswith('{"name": "')


def test_stop_ends_generation_between_tokens(engine: ModelEngine, tiny_model: Path) -> None:
    engine.load(LoadSettings(tiny_model, context=512)).result(30)
    stop = threading.Event()
    texts: list[str] = []

    def stop_after_three(text: str) -> None:
        texts.append(text)
        if len(texts) == 3:
            stop.set()

    result = engine.run(complete("hello", Sampling(max_tokens=200), stop_after_three, stop)).result(30)

    assert result.finish_reason == "cancelled"
    assert len(texts) == 3


def test_cancelling_a_load_leaves_nothing_loaded(engine: ModelEngine, small_model: Path) -> None:
    cancel = threading.Event()

    with pytest.raises(LoadCancelled):
        engine.load(LoadSettings(small_model, context=256), lambda _f: cancel.set(), cancel).result(60)

    assert engine.loaded is None


def test_a_damaged_model_is_a_sentence(engine: ModelEngine, tmp_path: Path, tiny_model: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(tiny_model.read_bytes()[:4096])

    with pytest.raises(LoadProblem, match="could not be loaded") as caught:
        engine.load(LoadSettings(broken, context=256)).result(30)

    assert "ValueError" in caught.value.details


def test_a_vanished_model_is_a_sentence(engine: ModelEngine, tmp_path: Path) -> None:
    with pytest.raises(LoadProblem, match="no longer there"):
        engine.load(LoadSettings(tmp_path / "gone.gguf")).result(30)


def test_out_of_graphics_memory_tries_again_with_fewer_layers(tiny_model: Path) -> None:
    """What llama-cpp-python raises when the GPU allocation fails, then success with fewer layers."""
    asked: list[int] = []

    class ShortOfMemory:
        def __init__(self, path: str, *, n_gpu_layers: int, **_: Any) -> None:
            asked.append(n_gpu_layers)
            if n_gpu_layers > 10:
                raise ValueError(f"Failed to create llama_context from {path}")

        def close(self) -> None:
            pass

    engine = ModelEngine(llama_factory=ShortOfMemory)  # type: ignore[arg-type]
    loaded = engine.load(LoadSettings(tiny_model, gpu_layers=33)).result(30)
    engine.close()

    assert asked == [33, 22, 14, 9]
    assert loaded.fell_back and loaded.settings.gpu_layers == 9 and loaded.asked_gpu_layers == 33


def test_jobs_run_in_order_one_at_a_time(engine: ModelEngine, tiny_model: Path) -> None:
    engine.load(LoadSettings(tiny_model, context=256)).result(30)
    order: list[int] = []
    running = threading.Lock()

    def job(number: int) -> Any:
        def run(_llama: Any) -> None:
            assert running.acquire(blocking=False)
            order.append(number)
            running.release()

        return run

    futures = [engine.run(job(number)) for number in range(20)]
    for future in futures:
        future.result(30)

    assert order == list(range(20))


def test_the_next_turn_reuses_the_prompt_already_in_the_cache(engine: ModelEngine, tiny_model: Path) -> None:
    engine.load(LoadSettings(tiny_model, context=1024)).result(30)
    first_turn = "<|im_start|>user\nhello world<|im_end|>\n<|im_start|>assistant\n"
    first = engine.run(complete(first_turn, Sampling(max_tokens=6, seed=1))).result(30)
    second_turn = first_turn + first.text + "<|im_end|>\n<|im_start|>user\nand the time<|im_end|>\n"

    second = engine.run(complete(second_turn, Sampling(max_tokens=6, seed=1))).result(30)

    assert first.reused_tokens == 0
    assert second.reused_tokens >= first.prompt_tokens
    assert second.reused_tokens < second.prompt_tokens


def test_bytes_that_are_not_text_are_decoded_once_each(engine: ModelEngine, tiny_model: Path) -> None:
    """Random weights write lone and broken UTF-8 bytes: each token is still decoded once, never the
    whole answer again, and the stream and the answer agree."""
    engine.load(LoadSettings(tiny_model, context=512)).result(30)
    texts: list[str] = []
    decoded: list[bytes] = []

    def job(llama: Any) -> Any:
        detokenize = llama.detokenize

        def counted(tokens: list[int], *args: Any, **kwargs: Any) -> bytes:
            decoded.append(detokenize(tokens, *args, **kwargs))
            return bytes(decoded[-1])

        llama.detokenize = counted
        try:
            return complete("hello", Sampling(temperature=1.0, max_tokens=64, seed=0), texts.append)(llama)
        finally:
            del llama.detokenize

    result = engine.run(job).result(30)

    broken = [piece for piece in decoded if not _is_text(piece)]
    assert result.tokens == 64 and len(decoded) == 64
    assert broken and "\ufffd" in result.text
    assert "".join(texts) == result.text


def _is_text(piece: bytes) -> bool:
    try:
        piece.decode()
    except UnicodeDecodeError:
        return False
    return True
