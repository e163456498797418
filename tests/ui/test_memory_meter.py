"""The memory meters: recorded GPU numbers, the real probe on a machine without an NVIDIA GPU,
the status-bar meter fed by the real model service, and the tray's one-line summary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from desktop.core.service_loop import ServiceLoop
from desktop.llm.models.control import MemoryMeasured, ModelState, ModelStateChanged
from desktop.llm.models.engine import LoadedModel, LoadSettings
from desktop.llm.models.gpu import GpuInfo, GpuProcess
from desktop.llm.models.gpu_probe import NO_GPU, GpuProbe, MemorySnapshot
from desktop.llm.models.service import ModelService
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow
from desktop.ui.tray import Tray
from desktop.ui.widgets.memory_meter import APP_COLOUR, CompactMemoryMeter, MemoryMeter, memory_summary
from tests.fixtures.nvml_recorded import APP_PID, DRIVER_VERSION, H100, RTX_4090, RecordedGpu
from tests.ui.conftest import Attach

ME = os.getpid()
GIB = 1024**3


def recorded(gpu: RecordedGpu, index: int) -> GpuInfo:
    processes = tuple(
        GpuProcess(ME if pid == APP_PID else pid, used) for pid, used in (*gpu.compute, *gpu.graphics)
    )
    return GpuInfo(
        index, gpu.name, gpu.total, gpu.used, gpu.free, gpu.utilization_gpu, gpu.temperature_c, processes
    )


def snapshot(*gpus: RecordedGpu, app_vram: int | None = None) -> MemorySnapshot:
    """What the probe hands over on a desktop with 32 GiB of RAM, 12 of them used."""
    return MemorySnapshot(
        gpus=tuple(recorded(gpu, index) for index, gpu in enumerate(gpus)),
        ram_total_bytes=32 * GIB,
        ram_available_bytes=20 * GIB,
        app_rss_bytes=3 * GIB // 2,
        app_vram_bytes=app_vram,
        problem=None,
        driver_version=DRIVER_VERSION,
    )


@pytest.fixture
def meter(qtbot: QtBot) -> MemoryMeter:
    made = MemoryMeter()
    qtbot.addWidget(made)
    made.resize(600, 200)
    made.show()
    return made


def test_one_gpu_shows_its_use_and_this_apps_part(meter: MemoryMeter) -> None:
    assert meter.waiting_label.isVisible()
    meter.show_snapshot(snapshot(RTX_4090, app_vram=1073741824))
    assert not meter.waiting_label.isVisible()
    gpu, ram = meter.gpu_rows[0], meter.ram_row
    assert gpu.title.text() == "NVIDIA GeForce RTX 4090 · 8% busy · 52 °C"
    assert gpu.text.text() == "VRAM 1.6 of 24 GB used (this app 1 GB)"
    assert ram is not None and ram.text.text() == "RAM 12 of 32 GB used (this app 1.5 GB)"
    assert not meter.problem_label.isVisible()


def test_each_gpu_gets_a_bar_split_into_this_app_other_programs_and_free(meter: MemoryMeter) -> None:
    meter.show_snapshot(snapshot(H100, RTX_4090, app_vram=8853127168 + 1073741824))
    h100, rtx = meter.gpu_rows
    assert h100.text.text() == "VRAM 10.8 of 79.6 GB used (this app 8.2 GB)"
    assert rtx.text.text() == "VRAM 1.6 of 24 GB used (this app 1 GB)"
    usage = h100.bar.usage
    assert usage is not None and (usage.app, usage.others) == (8853127168, 11562647552 - 8853127168)
    picture = h100.bar.grab().toImage()
    middle = picture.height() // 2
    assert picture.pixelColor(4, middle) == QColor(APP_COLOUR), "this app's part starts the bar"
    assert picture.pixelColor(picture.width() - 4, middle) != QColor(APP_COLOUR), "most of it is free"


def test_the_real_probe_without_an_nvidia_gpu_says_so_in_a_sentence(meter: MemoryMeter) -> None:
    probe = GpuProbe()
    measured = probe.snapshot()
    probe.close()
    if measured.gpus:
        pytest.skip("this machine has a GPU the probe can read")
    meter.show_snapshot(measured)
    assert meter.gpu_rows == []
    assert meter.problem_label.isVisible() and meter.problem_label.text() == NO_GPU
    assert meter.ram_row is not None and meter.ram_row.text.text().startswith("RAM ")
    compact = CompactMemoryMeter()
    compact.show_snapshot(measured)
    assert compact.vram_label.isHidden() and compact.ram_label.text().startswith("RAM ")
    assert NO_GPU in compact.toolTip()


def test_the_status_bar_meter_follows_the_service(
    qtbot: QtBot,
    bridge: Bridge,
    window: MainWindow,
    attach: Attach,
    models: ModelService,
    service_loop: ServiceLoop,
) -> None:
    window.show()
    attach()
    assert not window.memory_meter.isVisible(), "nothing measured yet"
    metering = service_loop.submit(models.run())
    try:
        qtbot.waitUntil(window.memory_meter.isVisible)
        assert window.memory_meter.ram_label.text().startswith("RAM ")
        assert "RAM" in window.memory_meter.toolTip()
        with qtbot.waitSignal(bridge.memory_measured, timeout=3000):
            pass
        assert window.model_page.meter.ram_row is not None
    finally:
        metering.cancel()


def test_the_tray_tooltip_sums_up_memory_and_names_the_loaded_model(qtbot: QtBot, bridge: Bridge) -> None:
    window = MainWindow(tray_available=True)
    window.attach(bridge)
    qtbot.addWidget(window)
    tray = Tray(bridge, window)
    measured = snapshot(RTX_4090, app_vram=1073741824)
    with qtbot.waitSignal(bridge.memory_measured):
        bridge.deliver(MemoryMeasured(measured))
    assert memory_summary(measured) == "VRAM 1.6/24 GB · RAM 12/32 GB"
    assert tray.icon.toolTip() == "MCP Desk\nStarting…\nVRAM 1.6/24 GB · RAM 12/32 GB"
    loaded = LoadedModel(LoadSettings(Path("/models/qwen2.5-7b-instruct-q4_k_m.gguf")), 1.5, 0)
    with qtbot.waitSignal(bridge.model_state_changed):
        bridge.deliver(ModelStateChanged(ModelState(loaded)))
    assert tray.icon.toolTip().splitlines()[2] == "Model: qwen2.5-7b-instruct-q4_k_m.gguf"
    with qtbot.waitSignal(bridge.model_state_changed):
        bridge.deliver(ModelStateChanged(ModelState(None)))
    assert "Model:" not in tray.icon.toolTip()
    assert window.memory_meter.vram_label.text() == "VRAM 1.6/24 GB"
