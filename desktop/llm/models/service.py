"""The model side as the app runs it: library, fit, load, meters; downloads and smaller copies via jobs.

Coroutines run on the service loop; file reading and NVML run in worker threads, the model
on the engine's own thread. Progress goes out as events, a few a second at most.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import psutil

from desktop.core.config import ModelSettings
from desktop.core.events import EventSink
from desktop.core.secret_refs import SecretsError
from desktop.core.secrets import SecretVault
from desktop.llm.models.calibration import Calibration
from desktop.llm.models.control import (
    HF_TOKEN_SECRET,
    HubChoice,
    JobKind,
    LibraryEntry,
    MeasuredUse,
    MemoryMeasured,
    ModelLibraryChanged,
    ModelProblem,
    ModelState,
    ModelStateChanged,
)
from desktop.llm.models.engine import (
    LoadCancelled,
    LoadedModel,
    LoadProblem,
    LoadSettings,
    ModelEngine,
    NoModelLoaded,
    T,
)
from desktop.llm.models.fit import FitEstimate, LoadShape, Room, estimate, estimate_from_size
from desktop.llm.models.generation import Prefix, Prepared, warm_up
from desktop.llm.models.gguf_info import GgufError, ModelInfo, read_model_info
from desktop.llm.models.gpu import OffloadSupport, offload_support
from desktop.llm.models.gpu_probe import GpuProbe, MemorySnapshot
from desktop.llm.models.hub import RECOMMENDED, HubVariant, Recommendation, best_first, list_variants
from desktop.llm.models.jobs import ModelJobs
from desktop.llm.models.library import FoundModel, ModelSource, discover, split_parts
from desktop.llm.models.prefix_cache import PrefixCache

if TYPE_CHECKING:
    from llama_cpp import Llama

    from desktop.llm.models.quant_plan import QuantType

METER_INTERVAL_S = 1.0


class ModelSettingsKeeper(Protocol):
    def model_settings(self) -> ModelSettings: ...

    async def save_model_settings(self, settings: ModelSettings) -> None: ...


class InMemorySettings:
    """A keeper that forgets on exit (tests, and the command line)."""

    def __init__(self, settings: ModelSettings | None = None) -> None:
        self.settings = settings or ModelSettings()

    def model_settings(self) -> ModelSettings:
        return self.settings

    async def save_model_settings(self, settings: ModelSettings) -> None:
        self.settings = settings


class ModelService:
    """Implements `ModelControl`."""

    def __init__(
        self,
        models_dir: Path,
        settings: ModelSettingsKeeper,
        events: EventSink,
        *,
        vault: SecretVault | None,
        probe: GpuProbe,
        engine: ModelEngine,
        locations: Sequence[tuple[ModelSource, Path]],
        calibration_file: Path,
        hub_endpoint: str | None = None,
    ) -> None:
        self._models_dir = models_dir
        self._settings = settings
        self._events = events
        self._vault = vault
        self._probe = probe
        self._engine = engine
        self._locations = tuple(locations)
        self._calibration = Calibration(calibration_file)
        self._hub_endpoint = hub_endpoint
        self._infos: dict[tuple[Path, int, float], ModelInfo | GgufError] = {}
        self._jobs = ModelJobs(models_dir, events, hub_token=self._hub_token, hub_endpoint=hub_endpoint)
        self._state = ModelState(None)
        self._snapshot: MemorySnapshot | None = None
        self._offload: OffloadSupport | None = None

    async def run(self) -> None:
        """Measure memory once a second, for as long as the app runs."""
        while True:
            self._snapshot = await asyncio.to_thread(self._probe.snapshot)
            self._events.publish(MemoryMeasured(self._snapshot))
            await asyncio.sleep(METER_INTERVAL_S)

    def close(self) -> None:
        self._jobs.cancel_all()
        self._engine.close()
        self._probe.close()

    def state(self) -> ModelState:
        return self._state

    def memory(self) -> MemorySnapshot | None:
        return self._snapshot

    async def measure(self) -> MemorySnapshot:
        """A fresh reading, for callers that don't wait for the meter (the command line)."""
        return await asyncio.to_thread(self._probe.snapshot)

    def offload(self) -> OffloadSupport:
        """Asked the model runtime the first time it matters: loading its library costs ~25 MB."""
        if self._offload is None:
            self._offload = offload_support(frozen=getattr(sys, "frozen", False))
        return self._offload

    def recommended(self) -> tuple[Recommendation, ...]:
        """The best for this computer first: what its graphics card holds, or without one, a small
        model that fits in half its memory."""
        snapshot = self._snapshot
        if self.offload().supported:
            if snapshot is None:
                return RECOMMENDED  # its graphics card is not measured yet
            if snapshot.gpus:
                return best_first(RECOMMENDED, max(gpu.total_bytes for gpu in snapshot.gpus))
        memory = snapshot.ram_total_bytes if snapshot is not None else psutil.virtual_memory().total
        return best_first(RECOMMENDED, memory // 2, processor_only=True)

    def quant_types(self) -> tuple[QuantType, ...]:
        from desktop.llm.models.quant_plan import QUANT_TYPES

        return tuple(QUANT_TYPES.values())

    def can_make_smaller(self, file_type: str) -> bool:
        from desktop.llm.models.quant_plan import SOURCE_TYPES_ALLOWED

        return file_type in SOURCE_TYPES_ALLOWED

    def cancel(self, kind: JobKind) -> None:
        self._jobs.cancel(kind)

    async def library(self) -> list[LibraryEntry]:
        added = [Path(file) for file in self._settings.model_settings().added_files]
        found = await asyncio.to_thread(discover, self._models_dir, added, self._locations)
        return [await asyncio.to_thread(self._entry, model) for model in found]

    async def add_file(self, path: Path) -> LibraryEntry:
        settings = self._settings.model_settings()
        found = await asyncio.to_thread(discover, self._models_dir, [path], ())
        mine = next((model for model in found if path in (model.path, *model.parts)), None)
        if mine is None:
            raise ModelProblem(f"{path.name} is not a model MCP Desk can use. Pick a .gguf file.")
        entry = await asyncio.to_thread(self._entry, mine)
        if entry.problem is not None:
            raise ModelProblem(entry.problem)
        if str(path) not in settings.added_files:
            added = [*settings.added_files, str(path)]
            await self._settings.save_model_settings(settings.model_copy(update={"added_files": added}))
        self._events.publish(ModelLibraryChanged())
        return entry

    async def forget_file(self, path: Path) -> None:
        settings = self._settings.model_settings()
        added = [file for file in settings.added_files if Path(file) != path]
        await self._settings.save_model_settings(settings.model_copy(update={"added_files": added}))
        self._events.publish(ModelLibraryChanged())

    async def info(self, path: Path) -> ModelInfo:
        return await asyncio.to_thread(self._info_or_problem, path)

    async def fit(self, path: Path, shape: LoadShape) -> FitEstimate:
        info = await asyncio.to_thread(self._info_or_problem, path)
        return estimate(info, shape, await self._room(), self._calibration.factor())

    async def load(self, path: Path, shape: LoadShape) -> ModelState:
        info = await asyncio.to_thread(self._info_or_problem, path)
        title = f"Loading {info.name}"
        cancel, report = self._jobs.start(JobKind.LOAD, title)
        if self._state.loaded is not None:  # first, so the room it frees counts and it is not measured
            await self.unload()
        before = await asyncio.to_thread(self._probe.snapshot)
        planned = estimate(info, shape, self._room_in(before), self._calibration.factor())
        settings = LoadSettings(
            path, shape.context, planned.gpu_layers, shape.kv_type, shape.flash_attention, shape.threads
        )
        try:
            loaded = await asyncio.wrap_future(self._engine.load(settings, lambda f: report(f, ""), cancel))
            await asyncio.wrap_future(self._engine.run(_touch_weights))
        except LoadCancelled:
            self._jobs.finish(JobKind.LOAD, title, "Loading was cancelled.")
            return self._set_state(ModelState(None))
        except LoadProblem as problem:
            self._jobs.finish(JobKind.LOAD, title, problem=problem.message)
            self._set_state(ModelState(None))
            raise
        measured = _measured(before, await asyncio.to_thread(self._probe.snapshot), planned)
        if not loaded.fell_back:  # otherwise the estimate was for more layers than were loaded
            await asyncio.to_thread(self._calibration.record, *_comparable(measured, planned))
        await self._remember(path, shape)
        self._jobs.finish(JobKind.LOAD, title, "Loaded.", completed=True)
        return self._set_state(ModelState(loaded, info, planned, measured, _fallback_note(loaded, info)))

    async def unload(self) -> None:
        await asyncio.wrap_future(self._engine.unload())
        self._set_state(ModelState(None))

    async def run_on_model(self, job: Callable[[Llama], T]) -> T:
        """Run `job` with the loaded model on the model thread."""
        try:
            return await asyncio.wrap_future(self._engine.run(job))
        except NoModelLoaded:
            raise ModelProblem("Load a model on the Model page first, then try again.") from None

    def prefix_cache(self) -> PrefixCache:
        return self._engine.prefix_cache

    async def warm_up(self, prefix: str) -> Prepared:
        """Read a prompt prefix ahead of the chat that will need it, giving way to any other job."""
        job = warm_up(Prefix(prefix, self._engine.prefix_cache), self._engine.others_waiting)
        return await self.run_on_model(job)

    async def hub_choices(self, repo: str) -> list[HubChoice]:
        token = await asyncio.to_thread(self._hub_token)
        variants = await asyncio.to_thread(list_variants, repo, token=token, endpoint=self._hub_endpoint)
        room = await self._room()
        return [HubChoice(variant, *estimate_from_size(variant.size_bytes, room)) for variant in variants]

    async def download(self, variant: HubVariant) -> Path:
        return await self._jobs.download(variant)

    async def quantize(self, path: Path, quant: str) -> Path:
        return await self._jobs.quantize(path, quant)

    def _entry(self, found: FoundModel) -> LibraryEntry:
        if found.problem is not None:
            return LibraryEntry(found, None, found.problem)
        info = self._info(found.path, found.parts)
        if isinstance(info, GgufError):
            return LibraryEntry(found, None, info.message)
        return LibraryEntry(found, info, None)

    def _info(self, path: Path, parts: Sequence[Path] = ()) -> ModelInfo | GgufError:
        """Read once per file version; a library of big models must not be re-read each time."""
        try:
            stat = path.stat()
        except OSError:
            return GgufError(f"{path.name} is no longer there. Pick the model again.")
        key = (path, stat.st_size, stat.st_mtime)
        if key not in self._infos:
            try:
                self._infos[key] = read_model_info(path, parts or None)
            except GgufError as error:
                self._infos[key] = error
        return self._infos[key]

    def _info_or_problem(self, path: Path) -> ModelInfo:
        info = self._info(path, split_parts(path)[0])
        if isinstance(info, GgufError):
            raise ModelProblem(info.message, info.details)
        return info

    async def _room(self) -> Room:
        snapshot = (
            self._snapshot if self._snapshot is not None else await asyncio.to_thread(self._probe.snapshot)
        )
        return self._room_in(snapshot)

    def _room_in(self, snapshot: MemorySnapshot) -> Room:
        gpu = snapshot.gpus[0] if snapshot.gpus and self.offload().supported else None
        return Room(
            vram_free=gpu.free_bytes if gpu else None,
            vram_total=gpu.total_bytes if gpu else None,
            ram_available=snapshot.ram_available_bytes,
        )

    def _hub_token(self) -> str | None:
        if self._vault is None:
            return None
        try:
            return self._vault.get(HF_TOKEN_SECRET)
        except SecretsError:
            return None

    async def _remember(self, path: Path, shape: LoadShape) -> None:
        settings = self._settings.model_settings()
        chosen = {
            "last_model": str(path),
            "context": shape.context,
            "kv_type": shape.kv_type,
            "flash_attention": shape.flash_attention,
        }
        await self._settings.save_model_settings(settings.model_copy(update=chosen))

    def _set_state(self, state: ModelState) -> ModelState:
        self._state = state
        self._events.publish(ModelStateChanged(state))
        return state


def _touch_weights(llama: Llama) -> None:
    """One token through the model reads every weight once, so memory use is real, not mapped."""
    llama.eval([llama.token_bos() if llama.token_bos() >= 0 else 0])
    llama.reset()  # type: ignore[no-untyped-call]


def _measured(before: MemorySnapshot, after: MemorySnapshot, planned: FitEstimate) -> MeasuredUse:
    vram = None
    if before.app_vram_bytes is not None and after.app_vram_bytes is not None and planned.gpu_layers:
        vram = after.app_vram_bytes - before.app_vram_bytes
    ram = after.app_rss_bytes - before.app_rss_bytes
    return MeasuredUse(ram, vram, before.app_rss_bytes, before.app_vram_bytes if vram is not None else None)


def _comparable(measured: MeasuredUse, planned: FitEstimate) -> tuple[int, int]:
    """Measured and estimated bytes of the same things, right after a load, for the calibration."""
    if measured.vram_bytes is not None:
        return measured.vram_bytes, planned.vram_bytes
    return measured.ram_bytes, planned.ram_resident_bytes


def _fallback_note(loaded: LoadedModel, info: ModelInfo) -> str:
    if not loaded.fell_back:
        return ""
    on_gpu = min(loaded.settings.gpu_layers, info.layers)
    return (
        f"The graphics card ran out of memory, so {on_gpu} of {info.layers} layers run on it and "
        "the rest on the processor. Close other programs using the graphics card to load more."
    )
