from __future__ import annotations

from pathlib import Path

import pytest

from desktop.llm.models.gguf_info import GgufError, read_model_info
from desktop.llm.models.library import split_parts
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, TINY, Shape, write_gguf


def test_metadata_reads_back_what_was_written(tiny_model: Path) -> None:
    info = read_model_info(tiny_model)

    assert (info.architecture, info.name, info.file_type) == ("llama", "Tiny Test", "F32")
    assert (info.layers, info.embedding_length, info.heads, info.kv_heads) == (2, 64, 4, 2)
    assert (info.context_length, info.feed_forward_length, info.key_length) == (TINY.context, 128, 16)
    assert info.bits_per_weight == pytest.approx(32.0)
    assert info.file_bytes == tiny_model.stat().st_size
    assert len(info.layer_bytes) == 2 and len(set(info.layer_bytes)) == 1
    assert info.weight_bytes < info.file_bytes
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert not info.supports_tools


def test_a_template_that_offers_tools_is_recognised(tmp_path: Path) -> None:
    info = read_model_info(write_gguf(tmp_path / "tools.gguf", template=HERMES_TOOLS_TEMPLATE))

    assert info.supports_tools


def test_split_parts_read_as_one_model(tmp_path: Path, tiny_model: Path) -> None:
    first = write_gguf(tmp_path / "split.gguf", split_max_tensors=6)
    parts, problem = split_parts(first)

    info = read_model_info(first, parts)

    assert problem is None and len(parts) == 4
    assert info.name == "Split"
    assert info.parameters == read_model_info(tiny_model).parameters
    assert info.file_bytes == sum(part.stat().st_size for part in parts)


def test_parameter_count_matches_the_shape(tmp_path: Path) -> None:
    shape = Shape(layers=3, width=128, heads=4, kv_heads=4, feed_forward=256)
    info = read_model_info(write_gguf(tmp_path / "three.gguf", shape))

    per_layer = 4 * 128 * 128 + 3 * 128 * 256 + 2 * 128
    assert info.parameters == 3 * per_layer + 2 * info.vocab_size * 128 + 128


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not a model at all", "not a GGUF model"),
        (b"GGUF\x03\x00\x00\x00", "damaged or incomplete"),
    ],
    ids=["not-gguf", "truncated"],
)
def test_files_that_are_not_models_get_a_sentence(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(content)

    with pytest.raises(GgufError) as caught:
        read_model_info(path)

    assert words in caught.value.message
    assert "Traceback" not in caught.value.message


def test_a_model_cut_short_by_a_broken_download_is_refused(tmp_path: Path, tiny_model: Path) -> None:
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_model.read_bytes()[: tiny_model.stat().st_size // 2])

    with pytest.raises(GgufError, match="damaged or incomplete"):
        read_model_info(cut)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(GgufError, match="can't open"):
        read_model_info(tmp_path / "gone.gguf")
