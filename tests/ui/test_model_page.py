"""The Model page on the real model service: generated GGUF models in temporary folders, the real
llama.cpp engine, the real GPU probe (recorded NVML answers where a GPU is needed) and a loopback hub."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desktop.core.events import EventBus
from desktop.core.service_loop import ServiceLoop
from desktop.llm.models import service as model_service
from desktop.llm.models.control import MeasuredUse, MemoryMeasured, ModelState
from desktop.llm.models.engine import LoadedModel, LoadSettings, ModelEngine
from desktop.llm.models.fit import LoadShape, Room, estimate
from desktop.llm.models.gguf_info import read_model_info
from desktop.llm.models.gpu import GpuInfo, OffloadSupport
from desktop.llm.models.gpu_probe import GpuProbe, MemorySnapshot
from desktop.llm.models.library import ModelSource
from desktop.llm.models.service import InMemorySettings, ModelService
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow
from desktop.ui.models.log_table_model import PROBLEM_TEXT
from desktop.ui.models.model_library_model import Column
from desktop.ui.pages.model_page import ModelPage
from desktop.ui.pages.model_quantize import QuantizeDialog
from desktop.ui.pages.model_texts import loaded_text, needs_text
from desktop.ui.texts import size_text
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.nvml_recorded import RecordedNvml
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, TINY, write_gguf
from tests.ui.conftest import Attach
from tests.ui.helpers import wait_for_dialog

LOAD_TIMEOUT_MS = 20_000


class NoDevices:
    def devices(self) -> tuple[GpuInfo, ...]:
        return ()


def headless_gguf(path: Path) -> Path:
    """A GGUF the gguf package reads but llama.cpp refuses: the layers it announces are not in it."""
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name("Headless")
    writer.add_context_length(2048)
    writer.add_embedding_length(64)
    writer.add_block_count(2)
    writer.add_feed_forward_length(128)
    writer.add_head_count(4)
    writer.add_tensor("token_embd.weight", np.zeros((300, 64), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """MCP Desk's own models folder and an LM Studio folder, with four models between them."""
    own, lm_studio = tmp_path / "models", tmp_path / "lmstudio" / "models"
    (lm_studio / "someone" / "Tiny-Plain-GGUF").mkdir(parents=True)
    own.mkdir()
    write_gguf(own / "tiny-chat.gguf", TINY, template=HERMES_TOOLS_TEMPLATE, name="Tinychat 2L 64d Mix1 Ep2")
    write_gguf(lm_studio / "someone" / "Tiny-Plain-GGUF" / "tiny-plain.gguf", TINY, name="Tiny Plain", seed=1)
    (own / "broken.gguf").write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * 64)
    headless_gguf(own / "headless.gguf")
    return {"own": own, "lm_studio": lm_studio}


ServiceMaker = Callable[..., ModelService]


@pytest.fixture
def engine() -> ModelEngine:
    """The model thread; the service closes it."""
    return ModelEngine()


@pytest.fixture
def make_service(
    bridge: Bridge, tmp_path: Path, folders: dict[str, Path], engine: ModelEngine
) -> Iterator[ServiceMaker]:
    made: list[ModelService] = []

    def make(**overrides: Any) -> ModelService:
        events = EventBus()
        events.subscribe(bridge.deliver)
        arguments: dict[str, Any] = {
            "vault": None,
            "probe": GpuProbe(),
            "engine": engine,
            "locations": [(ModelSource.LM_STUDIO, folders["lm_studio"])],
            "calibration_file": tmp_path / "fit-calibration.json",
        } | overrides
        service = ModelService(folders["own"], InMemorySettings(), events, **arguments)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


@pytest.fixture
def machine() -> str:
    """This machine as it is; tests parametrized with "recorded GPUs" get the recorded H100 and RTX 4090,
    with a CUDA build of llama.cpp or (", this runtime") the one installed here."""
    return "this"


@pytest.fixture
def models(
    make_service: ServiceMaker, machine: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> ModelService:
    """The service on `machine`, downloading from the loopback hub in tests that use `hub`."""
    if "hub" in request.fixturenames:
        return make_service(hub_endpoint=request.getfixturevalue("hub").endpoint)
    if machine == "this":
        return make_service()
    recorded = GpuProbe(nvml=RecordedNvml(app_pid=os.getpid()), fallback=NoDevices())
    if machine == "recorded GPUs, this runtime":
        return make_service(probe=recorded)
    supported = OffloadSupport(True, "This copy of the model runtime can run models on the graphics card.")
    monkeypatch.setattr(model_service, "offload_support", lambda frozen=False: supported)
    return make_service(probe=recorded)


@pytest.fixture
def metering(models: ModelService, service_loop: ServiceLoop) -> Iterator[None]:
    """The service's once-a-second memory loop, which tells the page whether there is a GPU."""
    running = service_loop.submit(models.run())
    yield
    running.cancel()


@pytest.fixture
def page(qtbot: QtBot, window: MainWindow, attach: Attach) -> ModelPage:
    window.show()
    attach()
    window.show_area("model")
    made = window.model_page
    qtbot.waitUntil(lambda: made.model.rowCount() == 4)
    return made


def snapshot(app_rss: int, app_vram: int | None = None) -> MemorySnapshot:
    return MemorySnapshot((), 16 * 2**30, 8 * 2**30, app_rss, app_vram, None)


def column(page: ModelPage, which: Column) -> list[str]:
    return [page.model.index(row, which).data() for row in range(page.model.rowCount())]


def selected_path(page: ModelPage) -> Path | None:
    entry = page.selected()
    return entry.found.path if entry is not None else None


def select(page: ModelPage, name: str) -> None:
    page.table.select(column(page, Column.NAME).index(name))


def test_lists_every_model_found_with_what_it_is_and_why_one_cant_load(page: ModelPage) -> None:
    assert column(page, Column.NAME) == ["Broken", "Headless", "Tiny Chat", "Tiny Plain"]
    assert column(page, Column.SOURCE) == ["MCP Desk", "MCP Desk", "MCP Desk", "LM Studio"]
    assert column(page, Column.TOOLS) == ["", "No", "Yes", "No"]
    assert column(page, Column.TYPE)[2:] == ["32-bit", "32-bit"]
    technical = page.model.index(2, Column.TYPE).data(Qt.ItemDataRole.ToolTipRole)
    assert technical == "F32: 32-bit, full precision; the largest"
    assert column(page, Column.CONTEXT)[2] == "2K"
    broken = page.model.index(0, Column.STATUS)
    assert "damaged or incomplete" in broken.data()
    assert broken.data(Qt.ItemDataRole.ForegroundRole) == PROBLEM_TEXT
    assert page.model.index(2, Column.STATUS).data() == ""


def test_selecting_a_model_shows_its_details(page: ModelPage) -> None:
    select(page, "Tiny Chat")
    values = {key: label.text() for key, label in page.details.values.items()}
    assert values["name"] == "Tiny Chat", "the file's name, not its metadata's training-run label"
    assert values["architecture"] == "llama"
    assert values["quantization"] == "32-bit, full precision; the largest"
    assert page.details.values["quantization"].toolTip() == "F32, 32.0 bits per weight"
    assert values["layers"] == "2" and values["context"] == "2,048 tokens"
    assert values["tools"] == "Yes" and values["source"] == "MCP Desk"
    assert values["path"].endswith("tiny-chat.gguf")
    assert page.load_panel.load_button.isEnabled() and page.shrink_button.isEnabled()
    assert not page.remove_button.isEnabled(), "only files the user added can be taken off the list"
    select(page, "Broken")
    assert "damaged or incomplete" in page.details.problem_label.text()
    assert page.details.problem_label.isVisible()
    assert not page.load_panel.load_button.isEnabled() and not page.shrink_button.isEnabled()


def test_without_a_gpu_the_model_runs_on_the_processor(
    qtbot: QtBot, page: ModelPage, models: ModelService, metering: None
) -> None:
    qtbot.waitUntil(lambda: models.memory() is not None)
    measured = models.memory()
    if measured is not None and measured.gpus:
        pytest.skip("this machine has a GPU the probe can read")
    select(page, "Tiny Chat")
    panel = page.load_panel
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "Runs on the processor")
    assert panel.needs_label.text().startswith("Needs about") and "main memory" in panel.needs_label.text()
    assert not panel.gpu_slider.isEnabled() and panel.gpu_label.text() == "None: runs on the processor"
    assert not panel.offload_message.isVisible(), "no graphics card: nothing to reinstall for"


@pytest.mark.parametrize("machine", ["recorded GPUs, this runtime"])
def test_a_runtime_that_cant_use_the_gpu_says_so_calmly(
    qtbot: QtBot, page: ModelPage, models: ModelService, metering: None
) -> None:
    offload = models.offload()
    if offload.supported:
        pytest.skip("the installed llama-cpp-python can use a GPU")
    select(page, "Tiny Chat")
    panel = page.load_panel
    qtbot.waitUntil(panel.offload_message.isVisible)
    assert panel.offload_message.text == offload.message
    assert not panel.gpu_slider.isEnabled()
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "Runs on the processor")


@pytest.mark.parametrize("machine", ["recorded GPUs"])
def test_moving_the_gpu_slider_changes_the_verdict(qtbot: QtBot, page: ModelPage, metering: None) -> None:
    select(page, "Tiny Chat")
    panel = page.load_panel
    qtbot.waitUntil(panel.gpu_slider.isEnabled)
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "Fits on GPU")
    assert panel.auto_box.isChecked() and panel.gpu_label.text() == "2 of 2 layers"
    assert "graphics memory" in panel.needs_label.text()
    panel.gpu_slider.setValue(1)
    assert not panel.auto_box.isChecked()
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "1 of 2 layers on GPU")
    panel.gpu_slider.setValue(0)
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "Runs on the processor")
    panel.auto_box.setChecked(True)
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "Fits on GPU")
    assert panel.gpu_slider.value() == 2


def test_loading_shows_the_loaded_state_and_unloading_clears_it(
    qtbot: QtBot, page: ModelPage, models: ModelService, bridge: Bridge
) -> None:
    select(page, "Tiny Chat")
    panel = page.load_panel
    assert panel.loaded_label.text() == "No model is loaded."
    panel.context_slider.setValue(0)
    assert panel.context_label.text() == "512 tokens, about 400 words"
    panel.load_button.click()
    assert not panel.load_button.isEnabled()
    qtbot.waitUntil(
        lambda: panel.loaded_label.text().startswith("Loaded: Tiny Chat"), timeout=LOAD_TIMEOUT_MS
    )
    assert not panel.job_row.isVisible() and not panel.message.isVisible()
    assert column(page, Column.STATUS)[2] == "Loaded"
    state = models.state()
    assert state.measured is not None and state.estimate is not None
    grown = snapshot(app_rss=state.measured.ram_before + state.estimate.ram_bytes)
    with qtbot.waitSignal(bridge.memory_measured):
        bridge.deliver(MemoryMeasured(grown))
    needs = size_text(state.estimate.ram_bytes)
    assert panel.loaded_label.text().startswith(f"Loaded: Tiny Chat. It uses {needs} of main memory now")
    qtbot.waitUntil(panel.unload_button.isEnabled)
    panel.unload_button.click()
    qtbot.waitUntil(lambda: panel.loaded_label.text() == "No model is loaded.")
    assert column(page, Column.STATUS)[2] == "" and not panel.unload_button.isEnabled()


def test_cancel_while_loading_leaves_nothing_loaded(
    qtbot: QtBot, page: ModelPage, engine: ModelEngine
) -> None:
    """The model thread is still busy with the loaded model (as while it answers) when Load is pressed."""
    select(page, "Tiny Chat")
    panel = page.load_panel
    panel.load_button.click()
    qtbot.waitUntil(lambda: panel.loaded_label.text().startswith("Loaded:"), timeout=LOAD_TIMEOUT_MS)
    release = threading.Event()
    engine.run(lambda _llama: release.wait(LOAD_TIMEOUT_MS / 1000))
    select(page, "Tiny Plain")
    panel.load_button.click()
    qtbot.waitUntil(panel.job_row.isVisible)
    assert panel.job_row.title_label.text() == "Loading Tiny Plain"
    panel.job_row.cancel_button.click()
    release.set()
    qtbot.waitUntil(
        lambda: panel.message.text == "Loading was stopped. No model is loaded.", timeout=LOAD_TIMEOUT_MS
    )
    assert panel.loaded_label.text() == "No model is loaded."
    assert not panel.job_row.isVisible() and panel.load_button.isEnabled()


def test_a_model_llama_cpp_refuses_gives_a_sentence_with_details_one_click_away(
    qtbot: QtBot, page: ModelPage
) -> None:
    select(page, "Headless")
    panel = page.load_panel
    panel.load_button.click()
    qtbot.waitUntil(panel.message.isVisible, timeout=LOAD_TIMEOUT_MS)
    assert panel.message.text.startswith("headless.gguf could not be loaded: the file may be damaged")
    assert "Traceback" not in panel.message.text
    assert panel.details.isVisible() and not panel.details.text_view.isVisible()
    assert "Failed to load model" in panel.details.text_view.toPlainText()
    assert panel.loaded_label.text() == "No model is loaded." and panel.load_button.isEnabled()


def test_adding_a_file_from_elsewhere_and_taking_it_off_the_list(
    qtbot: QtBot, page: ModelPage, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "downloads"
    elsewhere.mkdir()
    added = write_gguf(elsewhere / "my-model.gguf", TINY, name="My Model", seed=4)
    page.add_button.click()
    dialog = wait_for_dialog(qtbot, QFileDialog)
    assert dialog.nameFilters() == ["GGUF models (*.gguf)"]
    dialog.selectFile(str(added))
    dialog.accept()
    qtbot.waitUntil(lambda: page.model.rowCount() == 5)
    qtbot.waitUntil(lambda: selected_path(page) == added)
    assert page.message.text == "Added “my-model”. The file stays where it is."
    assert page.remove_button.isEnabled()
    page.remove_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 4)
    assert "is off the list" in page.message.text and added.exists()


def test_an_empty_library_points_to_download(
    qtbot: QtBot, window: MainWindow, attach: Attach, folders: dict[str, Path]
) -> None:
    for model in folders["own"].iterdir():
        model.unlink()
    for model in folders["lm_studio"].rglob("*.gguf"):
        model.unlink()
    attach()
    page = window.model_page
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.empty)
    assert "LM Studio" in page.empty.sentence_label.text()
    assert page.empty.button is not None
    page.empty.button.click()
    assert page.tabs.currentWidget() is page.download
    assert page.download.recommended.count() >= 3


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    served = tmp_path / "served"
    served.mkdir()
    files: dict[str, bytes | Path] = {
        "Tiny-Q8_0.gguf": write_gguf(served / "Tiny-Q8_0.gguf", TINY, name="Tiny Q8", seed=5),
        "Tiny-F16.gguf": write_gguf(served / "Tiny-F16.gguf", TINY, name="Tiny F16", seed=6),
    }
    with FakeHub() as fake:
        fake.add_repo("tester/Tiny-GGUF", files)
        yield fake


def test_downloading_a_model_puts_it_in_the_library(
    qtbot: QtBot, hub: FakeHub, page: ModelPage, folders: dict[str, Path]
) -> None:
    panel = page.download
    page.tabs.setCurrentWidget(panel)
    panel.repo_edit.setText("https://huggingface.co/tester/Tiny-GGUF")
    panel.find_button.click()
    qtbot.waitUntil(lambda: panel.choices.topLevelItemCount() == 2)
    groups = [panel.choices.topLevelItem(index) for index in range(2)]
    assert [group.text(0) for group in groups if group] == [
        "16-bit: the original, large",
        "8-bit: nearly the original",
    ]
    q8 = groups[1].child(0) if groups[1] else None
    assert q8 is not None and q8.text(0) == "Q8_0" and q8.text(1) == "Tiny-Q8_0.gguf"
    panel.choices.setCurrentItem(q8)
    panel.download_button.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 5, timeout=LOAD_TIMEOUT_MS)
    assert "is downloaded" in panel.message.text
    qtbot.waitUntil(lambda: selected_path(page) == folders["own"] / "tester__Tiny-GGUF" / "Tiny-Q8_0.gguf")


def test_making_a_smaller_copy(qtbot: QtBot, page: ModelPage) -> None:
    select(page, "Tiny Chat")
    page.shrink_button.click()
    dialog = wait_for_dialog(qtbot, QuantizeDialog)
    assert dialog.type_box.currentData() == "Q4_K_M"
    assert dialog.description.text()
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("Q8_0"))
    assert dialog.description.text() == "Nearly identical to the original, at about half the size of F16."
    dialog.make_button.click()
    qtbot.waitUntil(lambda: "Made “" in dialog.message.text, timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: page.model.rowCount() == 5)
    dialog.reject()


def test_the_loaded_line_measures_against_the_same_needs_shown_before_loading(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "tiny-chat.gguf", TINY)
    info = read_model_info(path)
    planned = estimate(info, LoadShape(context=512), Room(None, None, ram_available=8 * 2**30))
    loaded = LoadedModel(LoadSettings(path, 512), seconds=0.02, asked_gpu_layers=0)
    before = 100 * 2**20
    measured = MeasuredUse(planned.ram_resident_bytes, None, ram_before=before, vram_before=None)
    state = ModelState(loaded, info, planned, measured)
    needs, resident = size_text(planned.ram_bytes), size_text(planned.ram_resident_bytes)
    assert needs != resident, "right after a load the working buffers are still empty"

    assert needs_text(planned) == f"Needs about {needs} of main memory."
    assert loaded_text(state) == (
        f"Loaded: Tiny Chat. It uses {resident} of main memory now, "
        f"and up to about {needs} as the conversation fills its context."
    )
    later = snapshot(app_rss=before + planned.ram_bytes)
    assert loaded_text(state, later).startswith(f"Loaded: Tiny Chat. It uses {needs} of main memory now")
    assert loaded_text(replace(state, measured=None)) == "Loaded: Tiny Chat."
    assert loaded_text(ModelState(None)) == ""


def test_on_the_graphics_card_it_is_graphics_memory_against_the_same_needs(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "tiny-chat.gguf", TINY)
    info = read_model_info(path)
    card = Room(vram_free=8 * 2**30, vram_total=8 * 2**30, ram_available=8 * 2**30)
    planned = estimate(info, LoadShape(context=512), card)
    loaded = LoadedModel(LoadSettings(path, 512, gpu_layers=3), seconds=0.02, asked_gpu_layers=3)
    measured = MeasuredUse(40 * 2**20, 2 * 2**30, ram_before=2**30, vram_before=0)
    state = ModelState(loaded, info, planned, measured)

    assert needs_text(planned).startswith(f"Needs about {size_text(planned.vram_bytes)} of graphics memory")
    assert loaded_text(state) == (
        f"Loaded: Tiny Chat. It uses 2 GB of graphics memory, of the about {size_text(planned.vram_bytes)} "
        "it needs."
    )
    assert "It uses 3 GB" in loaded_text(state, snapshot(app_rss=2**30, app_vram=3 * 2**30))
