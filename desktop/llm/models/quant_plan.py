"""What a smaller copy of a GGUF model will be: the types offered, and its size before it is made.

The size is estimated the way llama.cpp's quantizer picks each tensor's type, from the source file's
header alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import gguf
import llama_cpp

from desktop.core.problem import Problem
from desktop.llm.models.library import split_parts

_T = gguf.GGMLQuantizationType


@dataclass(frozen=True)
class QuantType:
    """A target the user can pick: llama.cpp's file type, its size per weight, what it costs."""

    name: str
    ftype: int
    bits_per_weight: float
    description: str
    tensor_type: gguf.GGMLQuantizationType


def _quant(name: str, bits: float, tensor_type: _T, description: str) -> tuple[str, QuantType]:
    ftype = int(getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{name}"))
    return name, QuantType(name, ftype, bits, description, tensor_type)


QUANT_TYPES: Mapping[str, QuantType] = dict(
    [
        _quant("Q8_0", 8.5, _T.Q8_0, "Nearly identical to the original, at about half the size of F16."),
        _quant("Q6_K", 6.56, _T.Q6_K, "Practically indistinguishable from the original."),
        _quant("Q5_K_M", 5.69, _T.Q5_K, "Very close to the original; a safe choice when there is room."),
        _quant("Q5_0", 5.5, _T.Q5_0, "Close to the original; an older format, Q5_K_M is usually better."),
        _quant("Q4_K_M", 4.89, _T.Q4_K, "Smallest that stays good for most models; the usual choice."),
        _quant("Q4_0", 4.5, _T.Q4_0, "Small and fast on every device, a little worse than Q4_K_M."),
        _quant("IQ4_NL", 4.5, _T.IQ4_NL, "As small as Q4_0 with better answers; slower on some computers."),
        _quant("Q3_K_M", 3.91, _T.Q3_K, "Noticeably worse answers; only when a Q4 copy does not fit."),
        _quant("Q2_K", 2.96, _T.Q2_K, "Much worse answers; a last resort for very little memory."),
    ]
)
"""Offered targets, largest first. None of them needs an importance matrix."""

SOURCE_TYPES_ALLOWED: frozenset[str] = frozenset({"F32", "F16", "BF16", "Q8_0"})

_FALLBACK = {_T.Q2_K: _T.Q4_0, _T.Q3_K: _T.Q4_0, _T.Q4_K: _T.Q5_0, _T.Q5_K: _T.Q5_1, _T.Q6_K: _T.Q8_0}
_ROLES = (
    ("attn_v", "attn_v.weight"),
    ("attn_v", "attn_qkv.weight"),
    ("attn_v", "attn_kv_b.weight"),
    ("ffn_down", "ffn_down"),
    ("attn_output", "attn_output.weight"),
)
"""Tensor roles llama.cpp's mixes treat specially, by a part of the tensor's name."""


class QuantizeProblem(Problem):
    """A plain sentence the user can act on, and the technical details behind it."""


@dataclass(frozen=True)
class _Tensor:
    name: str
    columns: int
    elements: int
    dims: int
    kind: gguf.GGMLQuantizationType


@dataclass(frozen=True)
class _Model:
    file_type: str
    tensors: tuple[_Tensor, ...]
    header_bytes: int
    alignment: int
    layers: int
    gqa: int


@dataclass(frozen=True)
class QuantPlan:
    """A checked request for a copy: the target type, the source's type, the copy's estimated size."""

    quant: QuantType
    source_type: str
    estimated_bytes: int


def plan(source: Path, quant: str) -> QuantPlan:
    """Check that `source` can be copied at `quant` and estimate the copy; raise QuantizeProblem if not."""
    quant_type = _quant_type(quant)
    model = _read_model(source)
    _check_source(model, quant_type)
    return QuantPlan(quant_type, model.file_type, _estimate(model, quant_type))


def read_source_type(source: Path) -> str:
    """The model's file type by name ("F16", "Q4_K_M"), as written in the file or inferred."""
    return _read_model(source).file_type


def estimate_size(source: Path, quant: str) -> int:
    """About how many bytes the copy at `quant` will take."""
    return _estimate(_read_model(source), _quant_type(quant))


def _estimate(model: _Model, quant: QuantType) -> int:
    total = model.header_bytes
    for tensor in model.tensors:
        block, block_bytes = gguf.GGML_QUANT_SIZES[_target_type(quant, tensor, model)]
        total += _align(tensor.elements // block * block_bytes, model.alignment)
    return total


def _check_source(model: _Model, quant: QuantType) -> None:
    if model.file_type not in SOURCE_TYPES_ALLOWED:
        raise QuantizeProblem(
            f"This model is already compressed ({model.file_type}); making it smaller again would "
            "ruin it. Start from an F16 or Q8_0 file."
        )
    if model.file_type == quant.name:
        raise QuantizeProblem(f"This model is already {quant.name}. Pick a smaller type.")


def _quant_type(quant: str) -> QuantType:
    try:
        return QUANT_TYPES[quant]
    except KeyError:
        offered = ", ".join(QUANT_TYPES)
        raise QuantizeProblem(f"{quant} is not a size MCP Desk can make. Choose one of {offered}.") from None


def _read_model(source: Path) -> _Model:
    """The facts the estimate needs, from the file (and its other parts, for a split model)."""
    if not source.is_file():
        raise QuantizeProblem(f"The model file {source} could not be found.")
    reader = _open(source, source)
    fields = {
        name: field.contents() for name, field in reader.fields.items() if not name.startswith("tokenizer.")
    }
    readers = [reader, *_other_parts(source, fields)]
    tensors = tuple(_tensor(info) for part in readers for info in part.tensors)
    extra_infos = sum(_info_bytes(info) for part in readers[1:] for info in part.tensors)
    arch = str(fields.get("general.architecture", ""))
    heads = _int(fields.get(f"{arch}.attention.head_count"), 1)
    return _Model(
        file_type=_file_type(fields.get("general.file_type"), tensors),
        tensors=tensors,
        header_bytes=reader.data_offset + extra_infos,
        alignment=reader.alignment,
        layers=_int(fields.get(f"{arch}.block_count"), 0),
        gqa=heads // max(_int(fields.get(f"{arch}.attention.head_count_kv"), heads), 1),
    )


def _open(path: Path, source: Path) -> gguf.GGUFReader:
    try:
        return gguf.GGUFReader(path)
    except Exception as error:  # the reader raises many kinds on a file that isn't GGUF
        raise QuantizeProblem(
            f"{source.name} is not a GGUF model file, so MCP Desk can't make a smaller copy of it.",
            f"{type(error).__name__}: {error}",
        ) from error


def _other_parts(source: Path, fields: Mapping[str, object]) -> list[gguf.GGUFReader]:
    count = _int(fields.get("split.count"), 1)
    if count <= 1:
        return []
    parts, missing = split_parts(source)
    if parts[0] != source or (missing is None and len(parts) != count):
        raise QuantizeProblem("This model is split into parts. Choose its first part (the one named 00001).")
    if missing is not None:
        raise QuantizeProblem(missing)
    return [_open(part, source) for part in parts[1:]]


def _tensor(info: gguf.ReaderTensor) -> _Tensor:
    shape = [int(dim) for dim in info.shape]
    return _Tensor(info.name, shape[0], int(info.n_elements), len(shape), _T(info.tensor_type))


def _info_bytes(info: gguf.ReaderTensor) -> int:
    """Size of a tensor's entry in the header: name, dims, type, offset."""
    return 8 + len(info.name.encode()) + 4 + 8 * len(info.shape) + 4 + 8


def _file_type(value: object, tensors: tuple[_Tensor, ...]) -> str:
    if isinstance(value, int) and value in {member.value for member in gguf.LlamaFileType}:
        name = gguf.LlamaFileType(value).name
        return name.removeprefix("MOSTLY_").removeprefix("ALL_")
    weights: dict[str, int] = {}
    for tensor in tensors:
        if tensor.dims >= 2:
            weights[tensor.kind.name] = weights.get(tensor.kind.name, 0) + tensor.elements
    return max(weights, key=lambda kind: weights[kind]) if weights else "unknown"


def _target_type(quant: QuantType, tensor: _Tensor, model: _Model) -> gguf.GGMLQuantizationType:
    """The type llama.cpp gives this tensor (llama-quant.cpp, for the mixes offered here)."""
    name = tensor.name
    if tensor.dims < 2 or not name.endswith("weight") or "_norm.weight" in name or "ffn_gate_inp" in name:
        return tensor.kind
    has_output = any(other.name == "output.weight" for other in model.tensors)
    if name == "output.weight" or (name == "token_embd.weight" and not has_output):
        base = quant.tensor_type
        block = gguf.GGML_QUANT_SIZES[base][0]
        kind = _T.Q8_0 if tensor.columns % block or base == _T.Q8_0 else _T.Q6_K
    else:
        layer = int(match[1]) if (match := re.match(r"blk\.(\d+)\.", name)) else 0
        kind = _mixed_type(quant.name, quant.tensor_type, name, layer, model)
    return _fallback(kind, tensor.columns)


def _mixed_type(quant: str, base: _T, name: str, layer: int, model: _Model) -> _T:
    layers, gqa = model.layers, model.gqa
    more_bits = layer < layers // 8 or layer >= 7 * layers // 8 or (layer - layers // 8) % 3 == 2
    role = next((role for role, marker in _ROLES if marker in name), "")
    choices: dict[tuple[str, str], _T | None] = {
        ("Q2_K", "attn_v"): _T.Q4_K if gqa >= 4 else _T.Q3_K,
        ("Q3_K_M", "attn_v"): _T.Q5_K if layer < 2 else _T.Q4_K,
        ("IQ4_NL", "attn_v"): _T.Q5_K if gqa >= 4 else None,
        ("Q4_K_M", "attn_v"): _T.Q6_K if more_bits else None,
        ("Q5_K_M", "attn_v"): _T.Q6_K if more_bits else None,
        ("Q2_K", "ffn_down"): _T.Q3_K,
        ("Q3_K_M", "ffn_down"): _T.Q5_K if layer < layers // 16 else _T.Q4_K,
        ("Q4_K_M", "ffn_down"): _T.Q6_K if more_bits else None,
        ("Q5_K_M", "ffn_down"): _T.Q6_K if more_bits else None,
        ("IQ4_NL", "ffn_down"): _T.Q5_K if layer < layers // 8 else None,
        ("Q2_K", "attn_output"): _T.Q3_K,
        ("Q3_K_M", "attn_output"): _T.Q4_K,
    }
    return choices.get((quant, role)) or base


def _fallback(kind: _T, columns: int) -> _T:
    """llama.cpp's substitute when a row does not divide into the type's blocks."""
    if columns % gguf.GGML_QUANT_SIZES[kind][0] == 0:
        return kind
    substitute = _FALLBACK.get(kind, _T.F16)
    return substitute if columns % gguf.GGML_QUANT_SIZES[substitute][0] == 0 else _T.F16


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) else default


def _align(size: int, alignment: int) -> int:
    return -(-size // alignment) * alignment
