"""Names a person reads: from the publisher's repository or file name, not the file's own metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.llm.models.gguf_info import read_model_info
from desktop.llm.models.naming import friendly_name, name_for, quant_bits


@pytest.mark.parametrize(
    ("found", "shown"),
    [
        ("SmolLM2-135M-Instruct.Q4_1", "SmolLM2 135M Instruct"),
        ("qwen2.5-7b-instruct-q4_k_m", "Qwen2.5 7B Instruct"),
        ("Qwen/Qwen2.5-7B-Instruct-GGUF · qwen2.5-7b-instruct-q4_k_m", "Qwen2.5 7B Instruct"),
        ("Qwen/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5 7B Instruct"),
        ("Meta-Llama-3.1-8B-Instruct-Q4_K_M", "Meta Llama 3.1 8B Instruct"),
        ("mistral-7b-instruct-v0.3.Q4_K_M", "Mistral 7B Instruct v0.3"),
        ("Mixtral-8x7B-Instruct-v0.1.Q5_K_M", "Mixtral 8x7B Instruct v0.1"),
        ("phi-4-mini-instruct-bf16", "Phi 4 Mini Instruct"),
        ("qwen2.5:7b", "Qwen2.5 7B"),
        ("llama3.2:latest", "Llama3.2"),
    ],
)
def test_a_friendly_name_comes_from_the_repository_or_file_name(found: str, shown: str) -> None:
    assert friendly_name(found) == shown


def test_a_file_without_a_name_of_its_own_is_named_otherwise() -> None:
    assert name_for(Path("jan/models/Qwen2.5-3B-Instruct-GGUF/model.gguf"), "model", "qwen") == (
        "Qwen2.5 3B Instruct"
    )
    blob = "sha256-" + "ab" * 32
    assert name_for(Path(f"ollama/blobs/{blob}"), blob, "Llama 3.2 3B Instruct") == "Llama 3.2 3B Instruct"


@pytest.mark.parametrize(
    ("code", "bits"), [("Q4_1", 4), ("Q4_K_M", 4), ("IQ2_XS", 2), ("Q8_0", 8), ("BF16", 16), ("F32", 32)]
)
def test_a_quantization_code_says_how_many_bits_it_keeps(code: str, bits: int) -> None:
    assert quant_bits(code) == bits
    assert quant_bits("MXFP4") is None and quant_bits("unknown") is None


def test_the_real_model_is_shown_by_its_name_not_its_training_runs_label(real_model: Path) -> None:
    info = read_model_info(real_model)

    assert info.name == "SmolLM2 135M Instruct"
    assert info.file_type == "Q4_1"
