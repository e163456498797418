from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from desktop.llm.models.fit import (
    CPU_RUNTIME_BYTES,
    MIB,
    LoadShape,
    Room,
    Verdict,
    compute_bytes,
    cpu_scratch_bytes,
    estimate,
    estimate_from_size,
    kv_cache_bytes,
)
from desktop.llm.models.gguf_info import ModelInfo, read_model_info
from tests.fixtures.tiny_gguf import Shape, write_gguf

GB = 1024**3
LLAMA_8B_Q4 = ModelInfo(
    path=Path("llama-3.1-8b-q4_k_m.gguf"),
    parts=(Path("llama-3.1-8b-q4_k_m.gguf"),),
    name="Llama 3.1 8B Instruct",
    architecture="llama",
    file_type="Q4_K_M",
    file_bytes=4_920_000_000,
    parameters=8_030_000_000,
    layers=32,
    context_length=131072,
    embedding_length=4096,
    feed_forward_length=14336,
    heads=32,
    kv_heads=8,
    key_length=128,
    value_length=128,
    vocab_size=128256,
    layer_bytes=(132_000_000,) * 32,
    output_bytes=430_000_000,
    input_bytes=290_000_000,
    chat_template="{% if tools %}…{% endif %}",
)
"""The shape of a real Llama 3.1 8B at Q4_K_M, with its tensor sizes rounded."""
PLENTY = Room(vram_free=23 * GB, vram_total=24 * GB, ram_available=30 * GB)


@pytest.mark.parametrize(
    ("shape", "context", "flash", "reported_mib"),
    [
        (
            Shape(layers=2, width=256, heads=4, kv_heads=4, feed_forward=512, extra_vocab=1000),
            2048,
            False,
            23.51,
        ),
        (
            Shape(layers=2, width=256, heads=4, kv_heads=4, feed_forward=512, extra_vocab=1000),
            8192,
            True,
            12.01,
        ),
        (
            Shape(layers=2, width=1024, heads=16, kv_heads=4, feed_forward=4096, extra_vocab=1000),
            8192,
            False,
            283.01,
        ),
        (
            Shape(layers=2, width=512, heads=32, kv_heads=8, feed_forward=1024, extra_vocab=100),
            2048,
            True,
            10.01,
        ),
        (
            Shape(layers=2, width=256, heads=4, kv_heads=2, feed_forward=512, extra_vocab=60000),
            512,
            False,
            119.43,
        ),
    ],
    ids=["scores", "flash", "wide", "many-heads", "big-vocab"],
)
def test_compute_buffers_match_what_llama_cpp_reports(
    tmp_path: Path, shape: Shape, context: int, flash: bool, reported_mib: float
) -> None:
    """`reported_mib` is llama.cpp's own "CPU compute buffer size" for these generated models."""
    info = read_model_info(write_gguf(tmp_path / "m.gguf", shape))

    assert compute_bytes(info, context, flash) / MIB == pytest.approx(reported_mib, rel=0.05)


def test_kv_cache_grows_with_context_and_shrinks_with_its_type() -> None:
    f16 = kv_cache_bytes(LLAMA_8B_Q4, 8192, "f16")

    assert f16 == 8192 * 32 * 8 * 256 * 2  # 1 GiB, as llama.cpp allocates it for Llama 3 8B
    assert kv_cache_bytes(LLAMA_8B_Q4, 16384, "f16") == 2 * f16
    assert kv_cache_bytes(LLAMA_8B_Q4, 8192, "q8_0") < f16 < 2 * kv_cache_bytes(LLAMA_8B_Q4, 8192, "q4_0") * 2


def test_a_big_card_takes_every_layer() -> None:
    fit = estimate(LLAMA_8B_Q4, LoadShape(context=8192), PLENTY)

    assert fit.verdict is Verdict.FITS_ON_GPU
    assert fit.gpu_layers == 33
    assert fit.summary == "Fits on GPU"
    assert 5.5 * GB < fit.vram_bytes < 7.5 * GB


def test_a_small_card_takes_some_layers_and_says_how_many() -> None:
    room = Room(vram_free=4 * GB, vram_total=6 * GB, ram_available=30 * GB)

    fit = estimate(LLAMA_8B_Q4, LoadShape(context=8192), room)

    assert fit.verdict is Verdict.PARTLY_ON_GPU
    assert 5 < fit.gpu_layers < 32
    assert fit.summary == f"{fit.gpu_layers} of 32 layers on GPU"
    assert fit.vram_bytes <= room.vram_free


def test_more_context_leaves_room_for_fewer_layers() -> None:
    room = Room(vram_free=6 * GB, vram_total=8 * GB, ram_available=30 * GB)

    short = estimate(LLAMA_8B_Q4, LoadShape(context=4096), room)
    long = estimate(LLAMA_8B_Q4, LoadShape(context=32768), room)
    quantized_cache = estimate(LLAMA_8B_Q4, LoadShape(context=32768, kv_type="q4_0"), room)

    assert long.gpu_layers < short.gpu_layers
    assert long.gpu_layers < quantized_cache.gpu_layers


def test_without_a_gpu_it_runs_on_the_processor() -> None:
    fit = estimate(LLAMA_8B_Q4, LoadShape(), Room(None, None, ram_available=16 * GB))

    assert (fit.verdict, fit.gpu_layers, fit.vram_bytes) == (Verdict.PROCESSOR_ONLY, 0, 0)
    assert fit.ram_bytes > LLAMA_8B_Q4.weight_bytes


def test_too_little_memory_anywhere_is_too_big() -> None:
    fit = estimate(LLAMA_8B_Q4, LoadShape(), Room(vram_free=1 * GB, vram_total=2 * GB, ram_available=3 * GB))

    assert fit.verdict is Verdict.TOO_BIG


def test_layers_the_user_forces_are_honoured_and_judged() -> None:
    small_card = Room(vram_free=4 * GB, vram_total=6 * GB, ram_available=30 * GB)

    assert estimate(LLAMA_8B_Q4, LoadShape(gpu_layers=10), small_card).gpu_layers == 10
    assert estimate(LLAMA_8B_Q4, LoadShape(gpu_layers=99), PLENTY).gpu_layers == 33
    assert estimate(LLAMA_8B_Q4, LoadShape(gpu_layers=33), small_card).verdict is Verdict.TOO_BIG
    assert estimate(LLAMA_8B_Q4, LoadShape(gpu_layers=0), small_card).verdict is Verdict.PROCESSOR_ONLY


def test_past_measurements_scale_the_estimate() -> None:
    plain = estimate(LLAMA_8B_Q4, LoadShape(), PLENTY)
    corrected = estimate(LLAMA_8B_Q4, LoadShape(), PLENTY, scale=1.1)

    assert corrected.vram_bytes == pytest.approx(plain.vram_bytes * 1.1, rel=0.001)


def test_on_the_processor_the_attention_scratch_counts_unless_flash_attention_is_on() -> None:
    room = Room(None, None, ram_available=64 * GB)
    plain = estimate(LLAMA_8B_Q4, LoadShape(context=8192), room)
    flash = estimate(LLAMA_8B_Q4, LoadShape(context=8192, flash_attention=True), room)

    assert cpu_scratch_bytes(LLAMA_8B_Q4, 8192, flash_attention=False) == 8192 * 512 * 32 * 2
    assert cpu_scratch_bytes(LLAMA_8B_Q4, 8192, flash_attention=True) == 0
    assert plain.ram_working_bytes >= cpu_scratch_bytes(LLAMA_8B_Q4, 8192, False) > flash.ram_working_bytes
    assert plain.ram_resident_bytes == flash.ram_resident_bytes


def test_resident_memory_leaves_out_the_working_buffers() -> None:
    fit = estimate(LLAMA_8B_Q4, LoadShape(), Room(None, None, ram_available=16 * GB))

    assert fit.ram_resident_bytes == fit.ram_bytes - fit.ram_working_bytes
    assert fit.ram_working_bytes >= fit.compute_bytes


@pytest.mark.parametrize(
    ("room", "verdict"),
    [
        (PLENTY, Verdict.FITS_ON_GPU),
        (Room(vram_free=3 * GB, vram_total=4 * GB, ram_available=16 * GB), Verdict.PARTLY_ON_GPU),
        (Room(None, None, ram_available=16 * GB), Verdict.PROCESSOR_ONLY),
        (Room(None, None, ram_available=2 * GB), Verdict.TOO_BIG),
    ],
    ids=["fits", "partly", "processor", "too-big"],
)
def test_a_file_not_downloaded_yet_gets_a_verdict_from_its_size(room: Room, verdict: Verdict) -> None:
    assert estimate_from_size(4_920_000_000, room)[0] is verdict


def test_without_a_graphics_card_a_file_needs_no_graphics_runtime() -> None:
    needed = estimate_from_size(1_000_000_000, Room(None, None, ram_available=16 * GB))[1]

    assert needed == 1_100_000_000 + CPU_RUNTIME_BYTES


def test_a_verdict_never_promises_more_than_the_free_memory() -> None:
    crowded = replace(PLENTY, vram_free=5 * GB)

    fit = estimate(LLAMA_8B_Q4, LoadShape(context=8192), crowded)

    assert fit.vram_bytes <= crowded.vram_free
