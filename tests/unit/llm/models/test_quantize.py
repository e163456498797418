"""llama.cpp's own quantizer on generated GGUF models, run in a real child process."""

from __future__ import annotations

import threading
from pathlib import Path

import gguf
import llama_cpp
import numpy as np
import psutil
import pytest

from desktop.llm.models.quant_plan import (
    QUANT_TYPES,
    SOURCE_TYPES_ALLOWED,
    QuantizeProblem,
    estimate_size,
    read_source_type,
)
from desktop.llm.models.quantize import QuantizeCancelled, QuantizeProgress, quantize
from tests.fixtures.tiny_gguf import Shape, write_gguf

MEDIUM = Shape(layers=4, width=256, feed_forward=512, extra_vocab=2000)
"""About 14 MB in F32: big enough that the estimate has to be right, quick to quantize."""
LARGE = Shape(layers=4, width=1024, heads=8, kv_heads=4, feed_forward=2048, extra_vocab=4000)
"""About 180 MB in F32: seconds of work for the K-quant mix, so cancel finds it running."""


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gguf(tmp_path_factory.mktemp("medium") / "medium-f32.gguf", MEDIUM)


@pytest.fixture(scope="module")
def medium_q4_0(medium: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return quantize(medium, tmp_path_factory.mktemp("q4") / "medium-Q4_0.gguf", "Q4_0").target


def quantizer_children() -> list[psutil.Process]:
    """Processes spawned for quantizing: other tests' daemons and the resource tracker aside."""
    children = psutil.Process().children(recursive=True)
    spawned = [(child, " ".join(_cmdline(child))) for child in children]
    return [child for child, line in spawned if "spawn_main" in line and "resource_tracker" not in line]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def tensor_types(path: Path) -> dict[str, gguf.GGMLQuantizationType]:
    return {
        tensor.name: gguf.GGMLQuantizationType(tensor.tensor_type) for tensor in gguf.GGUFReader(path).tensors
    }


def file_type(path: Path) -> int:
    value = gguf.GGUFReader(path).fields["general.file_type"].contents()
    assert isinstance(value, int)
    return value


def test_a_q8_0_copy_holds_q8_0_weights_and_loads(tmp_path: Path) -> None:
    source = write_gguf(tmp_path / "tiny-f32.gguf")
    reports: list[QuantizeProgress] = []

    result = quantize(source, tmp_path / "tiny-Q8_0.gguf", "Q8_0", on_progress=reports.append)

    assert result.target == tmp_path / "tiny-Q8_0.gguf"
    assert result.size_bytes == result.target.stat().st_size
    assert result.seconds > 0
    assert file_type(result.target) == gguf.LlamaFileType.MOSTLY_Q8_0
    assert read_source_type(result.target) == "Q8_0"
    for name, kind in tensor_types(result.target).items():
        assert kind == (gguf.GGMLQuantizationType.F32 if "norm" in name else gguf.GGMLQuantizationType.Q8_0)
    model = llama_cpp.Llama(str(result.target), n_ctx=128, verbose=False)
    assert model.tokenize(b"hello world", add_bos=False)
    model.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tiny-Q8_0.gguf", "tiny-f32.gguf"]


def test_progress_rises_and_ends_at_one(medium: Path, tmp_path: Path) -> None:
    reports: list[QuantizeProgress] = []

    result = quantize(medium, tmp_path / "out.gguf", "Q8_0", on_progress=reports.append)

    fractions = [report.fraction for report in reports]
    assert fractions == sorted(fractions)
    assert all(0.0 <= fraction <= 1.0 for fraction in fractions)
    assert fractions[-1] == 1.0
    assert fractions.count(1.0) == 1
    assert reports[-1].written_bytes == result.size_bytes
    assert {report.estimated_bytes for report in reports} == {estimate_size(medium, "Q8_0")}


@pytest.mark.parametrize("quant", list(QUANT_TYPES))
def test_every_offered_type_is_made_and_the_estimate_holds(medium: Path, tmp_path: Path, quant: str) -> None:
    estimated = estimate_size(medium, quant)

    result = quantize(medium, tmp_path / f"medium-{quant}.gguf", quant)

    assert file_type(result.target) == QUANT_TYPES[quant].ftype
    assert abs(estimated - result.size_bytes) <= 0.1 * result.size_bytes
    assert result.size_bytes < medium.stat().st_size / 3


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gguf(tmp_path_factory.mktemp("large") / "large-f32.gguf", LARGE)


@pytest.mark.parametrize("while_writing", [False, True], ids=["at-first-report", "while-writing"])
def test_cancel_stops_the_child_and_leaves_nothing(large: Path, tmp_path: Path, while_writing: bool) -> None:
    assert 100_000_000 < large.stat().st_size < 200_000_000
    cancel = threading.Event()
    running: list[psutil.Process] = []
    seen: list[QuantizeProgress] = []

    def on_progress(progress: QuantizeProgress) -> None:
        seen.append(progress)
        if not cancel.is_set() and (progress.written_bytes > 0 or not while_writing):
            running.extend(quantizer_children())
            cancel.set()

    with pytest.raises(QuantizeCancelled):
        quantize(large, tmp_path / "large-Q4_K_M.gguf", "Q4_K_M", on_progress=on_progress, cancel=cancel)

    assert running, "the quantizer was not running when cancel was set"
    assert seen[-1].fraction < 1.0
    assert not any(child.is_running() for child in running)
    assert quantizer_children() == []
    assert list(tmp_path.iterdir()) == []


def test_an_already_compressed_source_is_refused(medium_q4_0: Path, tmp_path: Path) -> None:
    assert read_source_type(medium_q4_0) == "Q4_0"
    assert "Q4_0" not in SOURCE_TYPES_ALLOWED

    with pytest.raises(QuantizeProblem) as caught:
        quantize(medium_q4_0, tmp_path / "smaller.gguf", "Q2_K")

    assert caught.value.message == (
        "This model is already compressed (Q4_0); making it smaller again would ruin it. "
        "Start from an F16 or Q8_0 file."
    )
    assert list(tmp_path.iterdir()) == []


def test_a_q8_0_source_can_be_made_smaller_but_not_q8_0_again(medium: Path, tmp_path: Path) -> None:
    q8 = quantize(medium, tmp_path / "medium-Q8_0.gguf", "Q8_0").target

    result = quantize(q8, tmp_path / "medium-Q4_K_M.gguf", "Q4_K_M")

    assert file_type(result.target) == gguf.LlamaFileType.MOSTLY_Q4_K_M
    assert abs(estimate_size(q8, "Q4_K_M") - result.size_bytes) <= 0.1 * result.size_bytes
    with pytest.raises(QuantizeProblem, match="already Q8_0"):
        quantize(q8, tmp_path / "again.gguf", "Q8_0")


def test_a_split_source_becomes_one_file(tmp_path: Path) -> None:
    (tmp_path / "split").mkdir()
    first = write_gguf(tmp_path / "split" / "model.gguf", MEDIUM, split_max_tensors=10)
    assert first.name == "model-00001-of-00004.gguf"

    result = quantize(first, tmp_path / "model-Q8_0.gguf", "Q8_0")

    assert len(tensor_types(result.target)) == 4 * 9 + 3
    assert abs(estimate_size(first, "Q8_0") - result.size_bytes) <= 0.1 * result.size_bytes
    with pytest.raises(QuantizeProblem, match="Choose its first part"):
        estimate_size(first.with_name("model-00002-of-00004.gguf"), "Q8_0")


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "notes.gguf"
    source.write_text("these are not weights\n" * 100)

    with pytest.raises(QuantizeProblem, match="not a GGUF model file") as caught:
        quantize(source, tmp_path / "out.gguf", "Q4_K_M")

    assert caught.value.details
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.gguf"]


def test_an_existing_target_is_left_alone(tmp_path: Path) -> None:
    source = write_gguf(tmp_path / "tiny-f32.gguf")
    target = tmp_path / "tiny-Q8_0.gguf"
    target.write_bytes(b"keep me")

    with pytest.raises(QuantizeProblem, match="already there"):
        quantize(source, target, "Q8_0")

    assert target.read_bytes() == b"keep me"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tiny-Q8_0.gguf", "tiny-f32.gguf"]


def test_a_missing_folder_and_an_unknown_type_are_refused(tmp_path: Path) -> None:
    source = write_gguf(tmp_path / "tiny-f32.gguf")

    with pytest.raises(QuantizeProblem, match="does not exist"):
        quantize(source, tmp_path / "nowhere" / "out.gguf", "Q8_0")
    with pytest.raises(QuantizeProblem, match="Choose one of Q8_0, Q6_K"):
        quantize(source, tmp_path / "out.gguf", "Q9_9")


def test_llama_cpp_refusing_the_model_is_a_problem_with_its_words(tmp_path: Path) -> None:
    source = tmp_path / "strange.gguf"
    writer = gguf.GGUFWriter(source, "no-such-architecture")
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tensor("blk.0.attn_q.weight", np.zeros((64, 64), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    with pytest.raises(QuantizeProblem, match="could not make a smaller copy") as caught:
        quantize(source, tmp_path / "out.gguf", "Q8_0")

    assert "no-such-architecture" in caught.value.details
    assert quantizer_children() == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["strange.gguf"]
