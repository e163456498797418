"""The model engine against bare llama-cpp-python on the same generated model and settings.

Prints generation tokens/s (goal >= 0.97x), load time (goal <= 1.05x), and the fit
estimate's error against the memory measured after a full prompt batch (goal <= 5%).
Generation and load are measured again on a real model, SmolLM2-135M-Instruct (Q4_1).
Runs on the CPU here; on a GPU machine pass --gpu to put every layer there. --quick: two
rounds, fewer tokens, the fit at one context.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import psutil
from common import QUICK, ROOT, quick_rounds, report

from desktop.llm.models.engine import LoadSettings, ModelEngine
from desktop.llm.models.fit import LoadShape, Room, estimate
from desktop.llm.models.generation import Sampling, complete
from desktop.llm.models.gguf_info import read_model_info
from tests.fixtures.real_model import real_model_path
from tests.fixtures.tiny_gguf import Shape, write_gguf

BENCH_SHAPE = Shape(layers=12, width=768, heads=12, kv_heads=4, feed_forward=2048, extra_vocab=32000)
"""About 0.55 GB in F32: big enough that per-token Python overhead would show."""
PROMPT = "hello world " * 40
TOKENS = 48 if QUICK else 96
ROUNDS = quick_rounds(5)
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


def speed_and_load(path: Path, gpu_layers: int, label: str) -> None:
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
    report(f"Generation ({label})", engine_speed, bare_speed, "tokens/s", ">= 0.97x", lower_is_better=False)
    report(f"Load ({label})", engine_loads, bare_loads, "s", "<= 1.05x")


def fit_error(path: Path) -> None:
    """Estimate vs the process's memory growth once the context is (nearly) full."""
    from llama_cpp import Llama

    info = read_model_info(path)
    process = psutil.Process()
    for context in (512,) if QUICK else (512, 2048, 4096):
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
    parser.add_argument("--quick", action="store_true", help="two rounds, fewer tokens, one context")
    args = parser.parse_args()
    layers = 999 if args.gpu else 0
    with tempfile.TemporaryDirectory(prefix="mcp-desk-bench-") as folder:
        path = write_gguf(Path(folder) / "bench.gguf", BENCH_SHAPE)
        print(f"model: {path.stat().st_size / 1e9:.2f} GB generated ({ROOT.name})")
        fit_error(path)
        speed_and_load(path, layers, "generated model")
    speed_and_load(real_model_path(), layers, "real model")


if __name__ == "__main__":
    main()
