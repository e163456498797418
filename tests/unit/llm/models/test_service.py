from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from desktop.core.events import Event, EventBus
from desktop.llm.models.control import (
    JobKind,
    MemoryMeasured,
    ModelJobProgressed,
    ModelLibraryChanged,
    ModelProblem,
    ModelStateChanged,
)
from desktop.llm.models.engine import ModelEngine
from desktop.llm.models.fit import LoadShape
from desktop.llm.models.gpu_probe import GpuProbe
from desktop.llm.models.hub import PROCESSOR_BILLIONS
from desktop.llm.models.library import ModelSource
from desktop.llm.models.service import InMemorySettings, ModelService

pytestmark = pytest.mark.anyio


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.listeners: list[Callable[[Event], None]] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        for listener in self.listeners:
            listener(event)

    def of(self, kind: type) -> list[Event]:
        return [event for event in self.events if isinstance(event, kind)]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def settings() -> InMemorySettings:
    return InMemorySettings()


@pytest.fixture
async def service(
    tmp_path: Path, settings: InMemorySettings, recorder: Recorder
) -> AsyncIterator[ModelService]:
    events = EventBus()
    events.subscribe(recorder)
    elsewhere = tmp_path / "lmstudio"
    elsewhere.mkdir()
    service = ModelService(
        tmp_path / "models",
        settings,
        events,
        vault=None,
        probe=GpuProbe(),
        engine=ModelEngine(),
        locations=[(ModelSource.LM_STUDIO, elsewhere)],
        calibration_file=tmp_path / "calibration.json",
    )
    yield service
    service.close()


def place(model: Path, folder: Path, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(model, folder / (name or model.name)))


async def test_the_library_lists_models_with_what_they_are(
    service: ModelService, tiny_model: Path, tmp_path: Path
) -> None:
    ours = place(tiny_model, tmp_path / "models")
    theirs = place(tiny_model, tmp_path / "lmstudio" / "someone" / "repo", "other.gguf")
    (tmp_path / "models" / "broken.gguf").write_bytes(b"GGUF" + b"\0" * 20)

    entries = {entry.found.path: entry for entry in await service.library()}

    assert entries[ours].info is not None and entries[ours].info.layers == 2
    assert entries[theirs].found.read_only and entries[theirs].problem is None
    broken = entries[tmp_path / "models" / "broken.gguf"]
    assert broken.info is None and broken.problem is not None and "damaged" in broken.problem


async def test_added_files_are_remembered_and_can_be_forgotten(
    service: ModelService, settings: InMemorySettings, recorder: Recorder, tiny_model: Path, tmp_path: Path
) -> None:
    outside = place(tiny_model, tmp_path / "downloads")

    entry = await service.add_file(outside)
    listed = [entry.found.path for entry in await service.library()]
    await service.forget_file(outside)

    assert entry.found.source is ModelSource.ADDED and entry.info is not None
    assert outside in listed
    assert settings.settings.added_files == []
    assert len(recorder.of(ModelLibraryChanged)) == 2


async def test_adding_something_that_is_not_a_model_says_so(service: ModelService, tmp_path: Path) -> None:
    notes = tmp_path / "notes.gguf"
    notes.write_text("shopping list")

    with pytest.raises(ModelProblem, match="not a GGUF"):
        await service.add_file(notes)


async def test_load_measures_memory_against_the_estimate_and_unload_frees(
    service: ModelService, settings: InMemorySettings, recorder: Recorder, small_model: Path, tmp_path: Path
) -> None:
    state = await service.load(small_model, LoadShape(context=2048))
    await service.unload()

    assert state.loaded is not None and state.loaded.settings.gpu_layers == 0
    assert state.estimate is not None and state.measured is not None
    resident = state.estimate.ram_resident_bytes
    assert 0.85 < state.measured.ram_bytes / resident < 1.15  # what is in memory right after a load
    assert service.state().loaded is None
    assert [event.state.loaded is not None for event in recorder.of(ModelStateChanged)] == [True, False]
    jobs = [event.progress for event in recorder.of(ModelJobProgressed)]
    assert jobs[0].fraction is None and jobs[-1].finished and jobs[-1].problem is None
    assert jobs[-1].completed
    assert settings.settings.last_model == str(small_model) and settings.settings.context == 2048
    assert (tmp_path / "calibration.json").exists()


async def test_loading_over_a_loaded_model_measures_only_the_new_one(
    service: ModelService, recorder: Recorder, small_model: Path
) -> None:
    await service.load(small_model, LoadShape(context=2048))
    state = await service.load(small_model, LoadShape(context=1024))
    await service.unload()

    assert state.estimate is not None and state.measured is not None
    assert 0.85 < state.measured.ram_bytes / state.estimate.ram_resident_bytes < 1.15
    loaded = [event.state.loaded is not None for event in recorder.of(ModelStateChanged)]
    assert loaded == [True, False, True, False], "the first is unloaded before the second is measured"


async def test_a_cancelled_load_leaves_nothing_loaded(
    service: ModelService, recorder: Recorder, small_model: Path
) -> None:
    service.cancel(JobKind.LOAD)  # a cancel before the load belongs to an earlier job

    def cancel_once_started(event: Event) -> None:
        if isinstance(event, ModelJobProgressed) and not event.progress.finished:
            service.cancel(JobKind.LOAD)

    recorder.listeners.append(cancel_once_started)
    state = await service.load(small_model, LoadShape(context=512))

    assert state.loaded is None
    last = recorder.of(ModelJobProgressed)[-1]
    assert isinstance(last, ModelJobProgressed)
    assert last.progress.finished and last.progress.detail == "Loading was cancelled."
    assert not last.progress.completed


async def test_a_damaged_model_fails_to_load_with_a_sentence(
    service: ModelService, tiny_model: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "models" / "broken.gguf"
    broken.parent.mkdir()
    broken.write_bytes(tiny_model.read_bytes()[:300_000])

    with pytest.raises(ModelProblem, match="damaged or incomplete"):
        await service.load(broken, LoadShape(context=256))

    assert service.state().loaded is None


async def test_the_meter_reports_memory_every_second(service: ModelService, recorder: Recorder) -> None:
    measured = asyncio.Event()
    recorder.listeners.append(lambda event: measured.set() if isinstance(event, MemoryMeasured) else None)
    meter = asyncio.ensure_future(service.run())
    await measured.wait()
    meter.cancel()

    [event] = recorder.of(MemoryMeasured)
    assert isinstance(event, MemoryMeasured)
    assert event.snapshot.ram_total_bytes > 0 and event.snapshot.app_rss_bytes > 0
    assert service.memory() is event.snapshot


async def test_without_a_graphics_card_it_recommends_a_small_model(
    service: ModelService, recorder: Recorder
) -> None:
    if service.offload().supported and (await service.measure()).gpus:
        pytest.skip("this machine has a graphics card the model runtime can use")
    measured = asyncio.Event()
    recorder.listeners.append(lambda event: measured.set() if isinstance(event, MemoryMeasured) else None)
    meter = asyncio.create_task(service.run())
    await asyncio.wait_for(measured.wait(), 10)
    meter.cancel()

    best = service.recommended()[0]

    assert best.params_billions <= PROCESSOR_BILLIONS, best.repo


async def test_a_smaller_copy_lands_in_the_library(
    service: ModelService, recorder: Recorder, tiny_model: Path, tmp_path: Path
) -> None:
    source = place(tiny_model, tmp_path / "downloads")

    made = await service.quantize(source, "Q8_0")
    entries = {entry.found.path: entry for entry in await service.library()}

    assert made == tmp_path / "models" / "tiny-test-Q8_0.gguf"
    info = entries[made].info
    assert info is not None and info.file_type == "Q8_0"
    assert recorder.of(ModelLibraryChanged)
    assert recorder.of(ModelJobProgressed)[-1].progress.finished  # type: ignore[attr-defined]


async def test_the_processor_only_build_is_said_plainly(service: ModelService) -> None:
    support = service.offload()

    assert support.message
    if not support.supported:
        assert "processor only" in support.message
