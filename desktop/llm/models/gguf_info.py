"""What a GGUF file says about itself, read with the `gguf` package (never by hand)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.problem import Problem
from desktop.llm.models.library import model_stem
from desktop.llm.models.naming import name_for

TOOL_TEMPLATE_MARKERS = ("tools", "tool_call", "[TOOL_CALLS]", "<|python_tag|>")
"""Words a chat template only uses when it knows how to offer tools to the model."""
LAYER_TENSOR = re.compile(r"^blk\.(\d+)\.")
OUTPUT_TENSORS = frozenset({"output.weight", "output_norm.weight", "output.bias", "output_norm.bias"})


class GgufError(Problem):
    """A file that can't be read as a model; `message` is a sentence for the user."""


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    parts: tuple[Path, ...]
    name: str
    """As people name it, from the file's name (`naming.name_for`), not its own metadata."""
    architecture: str
    file_type: str
    """The quantization as people name it: Q4_K_M, Q8_0, F16…"""
    file_bytes: int
    parameters: int
    layers: int
    context_length: int
    embedding_length: int
    feed_forward_length: int
    heads: int
    kv_heads: int
    key_length: int
    value_length: int
    vocab_size: int
    layer_bytes: tuple[int, ...]
    """Weights of each repeating layer: what moves to the GPU layer by layer."""
    output_bytes: int
    """The output layer, which goes to the GPU once every repeating layer is there."""
    input_bytes: int
    """The token embeddings, which llama.cpp keeps in system memory."""
    chat_template: str | None

    @property
    def bits_per_weight(self) -> float:
        return 8 * self.weight_bytes / self.parameters if self.parameters else 0.0

    @property
    def weight_bytes(self) -> int:
        return sum(self.layer_bytes) + self.output_bytes + self.input_bytes

    @property
    def supports_tools(self) -> bool:
        template = self.chat_template or ""
        return any(marker in template for marker in TOOL_TEMPLATE_MARKERS)


def read_model_info(path: Path, parts: Sequence[Path] | None = None) -> ModelInfo:
    """Read `path` (the first part of a split model, with `parts` naming them all)."""
    import gguf

    files = tuple(parts) if parts else (path,)
    readers = [_open(part) for part in files]
    fields = readers[0].fields

    def value(key: str, default: Any = None) -> Any:
        field = fields.get(key)
        return default if field is None else field.contents()

    architecture = str(value("general.architecture", "unknown"))

    def arch_value(key: str, default: int = 0) -> int:
        return int(value(f"{architecture}.{key}", default))

    sizes: dict[int, int] = defaultdict(int)
    output_bytes = input_bytes = parameters = 0
    counts: dict[int, int] = defaultdict(int)
    for reader in readers:
        for tensor in reader.tensors:
            parameters += int(tensor.n_elements)
            counts[int(tensor.tensor_type)] += int(tensor.n_elements)
            layer = LAYER_TENSOR.match(tensor.name)
            if layer:
                sizes[int(layer.group(1))] += int(tensor.n_bytes)
            elif tensor.name in OUTPUT_TENSORS:
                output_bytes += int(tensor.n_bytes)
            else:
                input_bytes += int(tensor.n_bytes)
    layers = arch_value("block_count", len(sizes))
    heads = arch_value("attention.head_count", 1) or 1
    embedding = arch_value("embedding_length")
    tokens = fields.get("tokenizer.ggml.tokens")
    return ModelInfo(
        path=path,
        parts=files,
        name=name_for(path, model_stem(path), str(value("general.name", "") or "")),
        architecture=architecture,
        file_type=_file_type(value("general.file_type"), counts, gguf),
        file_bytes=sum(part.stat().st_size for part in files),
        parameters=parameters,
        layers=layers,
        context_length=arch_value("context_length"),
        embedding_length=embedding,
        feed_forward_length=_largest(value(f"{architecture}.feed_forward_length", 4 * embedding)),
        heads=heads,
        kv_heads=arch_value("attention.head_count_kv", heads) or heads,
        key_length=arch_value("attention.key_length", embedding // heads),
        value_length=arch_value("attention.value_length", embedding // heads),
        vocab_size=len(tokens.data) if tokens is not None else 0,
        layer_bytes=tuple(sizes[index] for index in range(layers)),
        output_bytes=output_bytes,
        input_bytes=input_bytes,
        chat_template=value("tokenizer.chat_template"),
    )


def _open(path: Path) -> Any:
    import gguf

    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as error:
        raise GgufError(
            f"MCP Desk can't open {path.name}. Check that the file is still there.", str(error)
        ) from error
    if magic != b"GGUF":
        raise GgufError(f"{path.name} is not a GGUF model file, so it can't be loaded.", f"magic {magic!r}")
    try:
        return gguf.GGUFReader(path)
    except Exception as error:  # the reader raises ValueError, struct.error, IndexError… on damage
        raise GgufError(
            f"{path.name} is damaged or incomplete. Download it again.", f"{type(error).__name__}: {error}"
        ) from error


def _file_type(code: Any, counts: dict[int, int], gguf: Any) -> str:
    if code is not None:
        try:
            name = str(gguf.LlamaFileType(int(code)).name)
        except ValueError:
            name = ""
        if name:
            return name.removeprefix("MOSTLY_").removeprefix("ALL_")
    if not counts:
        return "unknown"
    dominant = max(counts, key=lambda kind: counts[kind])
    return str(gguf.GGMLQuantizationType(dominant).name)


def _largest(value: Any) -> int:
    """Some architectures give a number per layer; the widest one sizes the buffers."""
    return max((int(item) for item in value), default=0) if isinstance(value, list) else int(value)
