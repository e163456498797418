"""Models as a person names them: “SmolLM2 135M Instruct”, not a file's metadata.

A GGUF's own `general.name` is often a training run's label (“Smollm2 135M 8k Lc100K Mix1 Ep2”),
while the repository or file name is what the publisher chose to show people, so names come from
there. A quantization code (“Q4_K_M”) is read for how many bits it keeps per weight.
"""

from __future__ import annotations

import re
from pathlib import Path

_QUANT = re.compile(
    r"[-_. ](?:i?q[1-8](?:_[a-z0-9]+)*|tq[12]_0|mxfp4|bf16|fp16|f16|f32)$",
    re.IGNORECASE,
)
_SIZE = re.compile(r"^(?:\d+x)?\d+(?:\.\d+)?[bmk]$", re.IGNORECASE)
_VERSION = re.compile(r"^v\d")
_BITS = re.compile(r"^(?:I?Q|TQ)(\d)|^B?F(\d\d)", re.IGNORECASE)
_DIGEST_STEM = re.compile(r"^sha256[-:][0-9a-f]{16,}$")
_NOISE = {"gguf", "latest"}


def friendly_name(name: str) -> str:
    """“SmolLM2 135M Instruct” for “SmolLM2-135M-Instruct.Q4_1”, “Qwen2.5 7B Instruct” for
    “Qwen/Qwen2.5-7B-Instruct-GGUF · qwen2.5-7b-instruct-q4_k_m” or “qwen2.5:7b”."""
    last = name.split(" · ")[-1].rsplit("/", 1)[-1].removesuffix(".gguf")
    while (bare := _QUANT.sub("", last)) != last:
        last = bare
    words = [word for word in re.split(r"[-_ :]+", last) if word and word.lower() not in _NOISE]
    return " ".join(_word(word) for word in words) or name


def _word(word: str) -> str:
    if _SIZE.match(word):
        return word.upper().replace("X", "x")
    if _VERSION.match(word) or not word.islower():
        return word
    return word[0].upper() + word[1:]


def name_for(path: Path, stem: str, recorded: str) -> str:
    """The name to show for the model file `path` whose name without the extension is `stem`.

    A file named just `model` takes its folder's name (Jan's way); a content-addressed file (an
    Ollama blob) has no name of its own, so `recorded`, the file's own metadata, stands in.
    """
    if _DIGEST_STEM.match(stem):
        return recorded or stem
    if stem.casefold() == "model" and path.parent.name:
        return friendly_name(path.parent.name)
    return friendly_name(stem)


def quant_bits(code: str) -> int | None:
    """4 for “Q4_K_M”, 16 for “F16”; None for a code that names no size."""
    found = _BITS.match(code)
    return int(found[1] or found[2]) if found else None
