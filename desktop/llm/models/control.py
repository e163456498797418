"""What the UI and the CLI may ask of the model side, and the events it publishes.

`ModelService` implements `ModelControl`; widgets depend on the Protocol only.
Coroutines run on the service loop; the model itself runs on the engine's thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from desktop.core.events import ModelEvent
from desktop.core.problem import Problem

if TYPE_CHECKING:
    from pathlib import Path

    from desktop.llm.models.engine import LoadedModel
    from desktop.llm.models.fit import FitEstimate, LoadShape, Verdict
    from desktop.llm.models.gguf_info import ModelInfo
    from desktop.llm.models.gpu import OffloadSupport
    from desktop.llm.models.gpu_probe import MemorySnapshot
    from desktop.llm.models.hub import HubVariant, Recommendation
    from desktop.llm.models.library import FoundModel
    from desktop.llm.models.quant_plan import QuantType

HF_TOKEN_SECRET = "HF_TOKEN"
"""The keyring secret the Hugging Face downloads use, when the user has set one."""


@dataclass(frozen=True)
class LibraryEntry:
    found: FoundModel
    info: ModelInfo | None
    problem: str | None
    """Why it can't be loaded as it is, in a sentence (None when it can)."""


@dataclass(frozen=True)
class HubChoice:
    variant: HubVariant
    verdict: Verdict
    needed_bytes: int
    """Memory it needs at the default context: the file plus cache and buffers, roughly."""


@dataclass(frozen=True)
class MeasuredUse:
    """What a loaded model takes: how much this app's memory grew from just before the load.

    `ram_bytes` and `vram_bytes` are that growth right after the load; `now` follows it later. On
    the GPU llama.cpp takes everything at once; in main memory the working buffers fill in as a
    conversation grows, up to what the estimate says the model needs.
    """

    ram_bytes: int
    vram_bytes: int | None
    """None when the model has no layers on a GPU, or the driver does not tell."""
    ram_before: int
    vram_before: int | None

    @property
    def on_gpu(self) -> bool:
        return self.vram_bytes is not None

    def now(self, snapshot: MemorySnapshot | None) -> int:
        """The growth by `snapshot` (None: right after the load) where the model mostly lives."""
        if self.vram_bytes is not None:
            if snapshot is None or snapshot.app_vram_bytes is None or self.vram_before is None:
                return self.vram_bytes
            return max(0, snapshot.app_vram_bytes - self.vram_before)
        return self.ram_bytes if snapshot is None else max(0, snapshot.app_rss_bytes - self.ram_before)


class JobKind(Enum):
    LOAD = "load"
    DOWNLOAD = "download"
    QUANTIZE = "quantize"


@dataclass(frozen=True)
class JobProgress:
    kind: JobKind
    title: str
    fraction: float | None
    """None while the size of the job is unknown."""
    detail: str = ""
    finished: bool = False
    problem: str | None = None
    completed: bool = False
    """Finished and did all it set out to (not cancelled, no problem)."""


@dataclass(frozen=True)
class ModelState:
    loaded: LoadedModel | None
    info: ModelInfo | None = None
    estimate: FitEstimate | None = None
    measured: MeasuredUse | None = None
    note: str = ""
    """A sentence about the load, e.g. that it fell back to fewer GPU layers."""


@dataclass(frozen=True)
class ModelLibraryChanged(ModelEvent):
    """Models were added, removed, downloaded or made; ask `library()` again."""


@dataclass(frozen=True)
class MemoryMeasured(ModelEvent):
    """Once a second: GPUs, RAM and what this app uses."""

    snapshot: MemorySnapshot


@dataclass(frozen=True)
class ModelJobProgressed(ModelEvent):
    progress: JobProgress


@dataclass(frozen=True)
class ModelStateChanged(ModelEvent):
    state: ModelState


class ModelProblem(Problem):
    """A problem on the model side, as a sentence and its technical details."""


class ModelControl(Protocol):
    async def library(self) -> list[LibraryEntry]: ...

    async def add_file(self, path: Path) -> LibraryEntry: ...

    async def forget_file(self, path: Path) -> None: ...

    async def info(self, path: Path) -> ModelInfo: ...

    async def fit(self, path: Path, shape: LoadShape) -> FitEstimate: ...

    async def load(self, path: Path, shape: LoadShape) -> ModelState: ...

    async def unload(self) -> None: ...

    def cancel(self, kind: JobKind) -> None: ...

    def state(self) -> ModelState: ...

    def memory(self) -> MemorySnapshot | None: ...

    def offload(self) -> OffloadSupport: ...

    def recommended(self) -> tuple[Recommendation, ...]:
        """The best for this computer first."""
        ...

    async def hub_choices(self, repo: str) -> list[HubChoice]: ...

    async def download(self, variant: HubVariant) -> Path: ...

    def quant_types(self) -> tuple[QuantType, ...]: ...

    def can_make_smaller(self, file_type: str) -> bool:
        """Whether a model of this file type can be a source for a smaller copy."""
        ...

    async def quantize(self, path: Path, quant: str) -> Path: ...
