"""Generated GGUF models: a real llama-architecture file with random weights.

The tiny one (2 layers, 64 wide) loads in llama-cpp-python in milliseconds and, held to a
grammar, emits whatever JSON a test needs. Larger shapes serve memory and speed benchmarks.
It lives in the app, not in the tests, because `mcp-desk --smoke-test` loads one too,
in the frozen app as well as from source. Nothing here downloads weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
"""ChatML, as Qwen and Hermes models carry it (without their tool blocks)."""

HERMES_TOOLS_TEMPLATE = (
    "{% if tools %}<|im_start|>system\n<tools>{% for tool in tools %}{{ tool | tojson }}{% endfor %}"
    "</tools><|im_end|>\n{% endif %}" + CHATML_TEMPLATE
)
"""A ChatML template that lists `tools` the way Hermes/Qwen templates do, for tool-support detection."""

SPECIAL_TOKENS = ("<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>")
WORDS = (
    "the", "a", "to", "of", "and", "is", "in", "it", "you", "that", "time", "file", "tool", "call",
    "name", "arguments", "hello", "world", "user", "assistant", "system",
)  # fmt: skip


@dataclass(frozen=True)
class Shape:
    layers: int = 2
    width: int = 64
    heads: int = 4
    kv_heads: int = 2
    feed_forward: int = 128
    context: int = 2048
    extra_vocab: int = 0
    """Filler tokens beyond bytes and words: a bigger vocabulary makes a bigger model cheaply."""


TINY = Shape()
SMALL = Shape(layers=8, width=512, heads=8, kv_heads=4, feed_forward=1536, extra_vocab=32000)
"""About 230 MB in F32: big enough that memory use is measurable, quick to generate."""


def vocabulary(extra: int) -> tuple[list[str], list[float], list[int]]:
    """A SentencePiece vocabulary with byte fallback: every text can be spelled."""
    tokens: list[str] = list(SPECIAL_TOKENS)
    types = [
        gguf.TokenType.UNKNOWN,
        gguf.TokenType.CONTROL,
        gguf.TokenType.CONTROL,
        gguf.TokenType.CONTROL,
        gguf.TokenType.CONTROL,
    ]
    tokens += [f"<0x{byte:02X}>" for byte in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    pieces = [chr(c) for c in range(33, 127)] + ["▁" + word for word in WORDS] + ["▁"]
    pieces += [f"▁w{index}" for index in range(extra)]
    tokens += pieces
    types += [gguf.TokenType.NORMAL] * len(pieces)
    scores = [0.0] * len(SPECIAL_TOKENS) + [0.0] * 256 + [-float(index) for index in range(len(pieces))]
    return tokens, scores, [int(kind) for kind in types]


def write_gguf(
    path: Path,
    shape: Shape = TINY,
    *,
    template: str = CHATML_TEMPLATE,
    name: str = "tiny-test",
    split_max_tensors: int = 0,
    seed: int = 0,
) -> Path:
    """Write a model to `path` (or `path`'s split parts) and return the first file."""
    tokens, scores, types = vocabulary(shape.extra_vocab)
    rng = np.random.default_rng(seed)
    head_dim = shape.width // shape.heads
    writer = gguf.GGUFWriter(path, "llama", split_max_tensors=split_max_tensors)
    writer.add_name(name)
    writer.add_context_length(shape.context)
    writer.add_embedding_length(shape.width)
    writer.add_block_count(shape.layers)
    writer.add_feed_forward_length(shape.feed_forward)
    writer.add_head_count(shape.heads)
    writer.add_head_count_kv(shape.kv_heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(SPECIAL_TOKENS.index("<|im_end|>"))
    writer.add_add_bos_token(False)
    writer.add_chat_template(template)

    def weights(*dims: int) -> npt.NDArray[np.float32]:
        return (rng.standard_normal(dims) * 0.02).astype(np.float32)

    kv_width = head_dim * shape.kv_heads
    writer.add_tensor("token_embd.weight", weights(len(tokens), shape.width))
    for layer in range(shape.layers):
        block = f"blk.{layer}"
        writer.add_tensor(f"{block}.attn_norm.weight", np.ones(shape.width, dtype=np.float32))
        writer.add_tensor(f"{block}.attn_q.weight", weights(shape.width, shape.width))
        writer.add_tensor(f"{block}.attn_k.weight", weights(kv_width, shape.width))
        writer.add_tensor(f"{block}.attn_v.weight", weights(kv_width, shape.width))
        writer.add_tensor(f"{block}.attn_output.weight", weights(shape.width, shape.width))
        writer.add_tensor(f"{block}.ffn_norm.weight", np.ones(shape.width, dtype=np.float32))
        writer.add_tensor(f"{block}.ffn_gate.weight", weights(shape.feed_forward, shape.width))
        writer.add_tensor(f"{block}.ffn_up.weight", weights(shape.feed_forward, shape.width))
        writer.add_tensor(f"{block}.ffn_down.weight", weights(shape.width, shape.feed_forward))
    writer.add_tensor("output_norm.weight", np.ones(shape.width, dtype=np.float32))
    writer.add_tensor("output.weight", weights(len(tokens), shape.width))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    if split_max_tensors:
        return sorted(path.parent.glob(f"{path.stem}-00001-of-*.gguf"))[0]
    return path
