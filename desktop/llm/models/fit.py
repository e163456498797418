"""Will it fit? An estimate from the GGUF's own tensor sizes, before anything is loaded.

The compute-buffer terms follow what llama.cpp's graph allocator reserves (measured
against its own "compute buffer size" report across model shapes): the largest of the
logits, the feed-forward activations, and the attention scores, which grow with the
context unless flash attention is on.

What a model needs, everywhere it is shown: its weights, the KV cache for the chosen
context, and the working buffers it fills while answering, at a full context. On a GPU
llama.cpp takes all of it when the model loads; in system memory the working buffers fill
in as a conversation grows, so right after a load only the resident part is in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from desktop.llm.models.gguf_info import ModelInfo

MIB = 1024 * 1024
KV_BYTES_PER_VALUE = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
MICRO_BATCH = 512
CONTEXT_PADDING = 256
GPU_RUNTIME_BYTES = 350 * MIB
"""What the CUDA runtime itself takes on the card before the first tensor."""
CPU_RUNTIME_BYTES = 16 * MIB
GPU_MARGIN_FRACTION = 0.05
GPU_MARGIN_MIN_BYTES = 256 * MIB
RAM_MARGIN_BYTES = 512 * MIB


class Verdict(Enum):
    FITS_ON_GPU = "fits on GPU"
    PARTLY_ON_GPU = "partly on GPU"
    PROCESSOR_ONLY = "runs on the processor"
    TOO_BIG = "too big for this machine"

    @property
    def label(self) -> str:
        """The verdict as a sentence start: "Fits on GPU"."""
        return str(self.value[0].upper() + self.value[1:])


@dataclass(frozen=True)
class LoadShape:
    """What the user chooses before loading; `gpu_layers=None` lets the estimate pick."""

    context: int = 4096
    kv_type: str = "f16"
    flash_attention: bool = False
    gpu_layers: int | None = None
    threads: int | None = None
    """Processor threads for generation; None lets llama.cpp pick (half the cores)."""


@dataclass(frozen=True)
class Room:
    """Free memory right now, other programs included."""

    vram_free: int | None
    """None when there is no usable GPU (none found, or a processor-only build)."""
    vram_total: int | None
    ram_available: int


@dataclass(frozen=True)
class FitEstimate:
    verdict: Verdict
    gpu_layers: int
    """Layers for llama.cpp's n_gpu_layers (layers + 1 puts the output layer there too)."""
    total_layers: int
    vram_bytes: int
    ram_bytes: int
    ram_working_bytes: int
    """The part of `ram_bytes` for working buffers, touched only as prompts arrive."""
    kv_bytes: int
    compute_bytes: int

    @property
    def ram_resident_bytes(self) -> int:
        """System memory in use right after a load: weights, the (zeroed) KV cache, the runtime."""
        return self.ram_bytes - self.ram_working_bytes

    @property
    def summary(self) -> str:
        if self.verdict is Verdict.PARTLY_ON_GPU:
            return f"{min(self.gpu_layers, self.total_layers)} of {self.total_layers} layers on GPU"
        return self.verdict.label


def kv_cache_bytes(info: ModelInfo, context: int, kv_type: str, layers: int | None = None) -> int:
    per_token = info.kv_heads * (info.key_length + info.value_length) * KV_BYTES_PER_VALUE[kv_type]
    padded = -(-context // CONTEXT_PADDING) * CONTEXT_PADDING
    return int(padded * per_token * (info.layers if layers is None else layers))


def compute_bytes(info: ModelInfo, context: int, flash_attention: bool, *, reserved: bool = True) -> int:
    """Working buffers for one micro-batch at a full context.

    `reserved`: what llama.cpp sets aside, all of it on a GPU. In system memory only the
    pages in use count, and a chat asks for the last token's logits only, not the batch's.
    """
    batch = min(context, MICRO_BATCH)
    feed_forward = 4 * batch * info.feed_forward_length * 4
    logit_rows = batch if reserved else 1
    logits = logit_rows * info.vocab_size * 4 + 2 * batch * info.embedding_length * 4
    if flash_attention:
        attention = feed_forward + context * batch * 2
    else:
        attention = context * batch * (info.heads + 1) * 4 + 7 * batch * info.embedding_length * 4
    return max(logits, feed_forward, attention) + info.vocab_size * 4


def cpu_scratch_bytes(info: ModelInfo, context: int, flash_attention: bool) -> int:
    """The processor's scratch space for one micro-batch, beside the compute buffer.

    Without flash attention the attention weights (context × batch × heads) are converted to
    half precision there before they multiply the V cache (measured: 75 MiB for a 9-head model
    at a context of 8192).
    """
    return 0 if flash_attention else context * min(context, MICRO_BATCH) * info.heads * 2


def estimate(info: ModelInfo, shape: LoadShape, room: Room, scale: float = 1.0) -> FitEstimate:
    """Pick GPU layers (unless `shape` names them) and say where the model will live.

    `scale` corrects the byte counts by what past loads measured (`Calibration.factor`).
    """
    offloadable = info.layers + 1
    if room.vram_free is None:
        layers = 0
    elif shape.gpu_layers is None:
        layers = _most_layers(info, shape, int(_vram_budget(room) / scale))
    else:
        layers = max(0, min(shape.gpu_layers, offloadable))
    vram, ram, working = (int(part * scale) for part in _split(info, shape, layers))
    kv = kv_cache_bytes(info, shape.context, shape.kv_type)
    compute = compute_bytes(info, shape.context, shape.flash_attention)
    if ram > room.ram_available - RAM_MARGIN_BYTES or (layers and vram > _vram_budget(room)):
        verdict = Verdict.TOO_BIG
    elif layers == 0:
        verdict = Verdict.PROCESSOR_ONLY
    elif layers >= offloadable:
        verdict = Verdict.FITS_ON_GPU
    else:
        verdict = Verdict.PARTLY_ON_GPU
    return FitEstimate(verdict, layers, info.layers, vram, ram, working, kv, compute)


def _split(info: ModelInfo, shape: LoadShape, gpu_layers: int) -> tuple[int, int, int]:
    """Bytes on the GPU, in system memory, and of those the working buffers, with `gpu_layers` offloaded."""
    on_gpu = min(gpu_layers, info.layers)
    output_on_gpu = gpu_layers > info.layers
    kv_gpu = kv_cache_bytes(info, shape.context, shape.kv_type, on_gpu)
    kv_cpu = kv_cache_bytes(info, shape.context, shape.kv_type, info.layers - on_gpu)
    compute = compute_bytes(info, shape.context, shape.flash_attention)
    weights_gpu = sum(info.layer_bytes[:on_gpu]) + (info.output_bytes if output_on_gpu else 0)
    weights_cpu = info.weight_bytes - weights_gpu
    resident = weights_cpu + kv_cpu + CPU_RUNTIME_BYTES
    if gpu_layers == 0:
        working = compute_bytes(info, shape.context, shape.flash_attention, reserved=False)
        working += cpu_scratch_bytes(info, shape.context, shape.flash_attention)
        return 0, resident + working, working
    working = min(compute, MICRO_BATCH * info.embedding_length * 4 * 4)
    vram = weights_gpu + kv_gpu + compute + GPU_RUNTIME_BYTES
    return vram, resident + working, working


def _most_layers(info: ModelInfo, shape: LoadShape, budget: int) -> int:
    for layers in range(info.layers + 1, 0, -1):
        if _split(info, shape, layers)[0] <= budget:
            return layers
    return 0


def _vram_budget(room: Room) -> int:
    if room.vram_free is None:
        return 0
    margin = max(GPU_MARGIN_MIN_BYTES, int((room.vram_total or room.vram_free) * GPU_MARGIN_FRACTION))
    return room.vram_free - margin


def estimate_from_size(file_bytes: int, room: Room) -> tuple[Verdict, int]:
    """A rough verdict for a file not downloaded yet, whose tensors can't be read."""
    runtime = CPU_RUNTIME_BYTES if room.vram_free is None else GPU_RUNTIME_BYTES
    needed = int(file_bytes * 1.1) + runtime
    budget = _vram_budget(room)
    if room.vram_free is not None and needed <= budget:
        return Verdict.FITS_ON_GPU, needed
    if needed > room.ram_available - RAM_MARGIN_BYTES + max(0, budget):
        return Verdict.TOO_BIG, needed
    if room.vram_free is not None and budget > needed // 4:
        return Verdict.PARTLY_ON_GPU, needed
    return Verdict.PROCESSOR_ONLY, needed
