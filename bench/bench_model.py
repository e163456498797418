"""The model engine against bare llama-cpp-python on the same generated model and settings.

Prints generation tokens/s (goal >= 0.97x), load time (goal <= 1.05x), and the fit
estimate's error against the memory measured after a full prompt batch (goal <= 5%).
Runs on the CPU here; on a GPU machine pass --gpu to put every layer there.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from pathlib import Path

import psutil
from common import ROOT, fresh_home, report

from desktop.llm.models.engine import LoadSettings, ModelEngine
from desktop.llm.models.fit import LoadShape, Room, estimate
from desktop.llm.models.generation import Sampling, complete
from desktop.llm.models.gguf_info import read_model_info
from tests.fixtures.tiny_gguf import Shape, write_gguf

BENCH_SHAPE = Shape(layers=12, width=768, heads=12, kv_heads=4, feed_forward=2048, extra_vocab=32000)
"""About 0.55 GB in F32: big enough that per-token Python overhead would show."""
PROMPT = "hello world " * 40
TOKENS = 96
ROUNDS = 5
CONTEXT = 2048


def bare_load(path: Path, gpu_layers: int) -> tuple[float, object]:
    from llama_cpp import Llama

    started = time.perf_counter()
    llama = Llama(str(path), n_ctx=CONTEXT, n_gpu_layers=gpu_layers, verbose=False)
    return time.perf_counter() - started, llama


def bare_tokens_per_second(llama: object) -> float:
    from llama_cpp import Llama

    assert isinstance(llama, Llama)
    started = time.perf_counter()
    made = 0
    for _chunk in llama.create_completion(PROMPT, max_tokens=TOKENS, temperature=0.0, seed=1, stream=True):
        made += 1
    llama.reset()
    return made / (time.perf_counter() - started)


def engine_tokens_per_second(engine: ModelEngine) -> float:
    started = time.perf_counter()
    result = engine.run(complete(PROMPT, Sampling(temperature=0.0, max_tokens=TOKENS, seed=1))).result()
    engine.run(lambda llama: llama.reset()).result()
    return result.tokens / (time.perf_counter() - started)


def speed_and_load(path: Path, gpu_layers: int) -> None:
    engine = ModelEngine()
    bare_loads, engine_loads, bare_speed, engine_speed = [], [], [], []
    for _round in range(ROUNDS):
        seconds, llama = bare_load(path, gpu_layers)
        bare_loads.append(seconds)
        bare_speed.append(bare_tokens_per_second(llama))
        llama.close()  # type: ignore[attr-defined]
        del llama
        gc.collect()
        loaded = engine.load(LoadSettings(path, CONTEXT, gpu_layers)).result()
        engine_loads.append(loaded.seconds)
        engine_speed.append(engine_tokens_per_second(engine))
        engine.unload().result()
    engine.close()
    ours, bare = statistics.median(engine_speed), statistics.median(bare_speed)
    ratio = ours / bare
    print(f"Generation: MCP Desk {ours:.1f} tokens/s vs bare {bare:.1f} -> {ratio:.3f}x (goal >= 0.97x)")
    report("Load", engine_loads, bare_loads, "s", "<= 1.05x")


def fit_error(path: Path) -> None:
    """Estimate vs the process's memory growth once the context is (nearly) full."""
    from llama_cpp import Llama

    info = read_model_info(path)
    process = psutil.Process()
    for context in (512, 2048, 4096):
        fit = estimate(info, LoadShape(context=context), Room(None, None, psutil.virtual_memory().available))
        gc.collect()
        before = process.memory_info().rss
        llama = Llama(str(path), n_ctx=context, verbose=False)
        llama.eval(llama.tokenize(("hello world " * context).encode())[: context - 8])
        measured = process.memory_info().rss - before
        llama.close()
        del llama
        error = (fit.ram_bytes - measured) / measured
        print(
            f"Fit estimate at context {context}: estimated {fit.ram_bytes / 2**20:.0f} MiB, "
            f"measured {measured / 2**20:.0f} MiB -> error {error * 100:+.1f}% (goal within 5%)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gpu", action="store_true", help="all layers on the GPU (needs a CUDA build)")
    args = parser.parse_args()
    path = write_gguf(fresh_home() / "bench.gguf", BENCH_SHAPE)
    print(f"model: {path.stat().st_size / 1e9:.2f} GB generated ({ROOT.name})")
    fit_error(path)
    speed_and_load(path, 999 if args.gpu else 0)


if __name__ == "__main__":
    main()
