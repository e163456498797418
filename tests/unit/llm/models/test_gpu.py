"""GpuProbe against the real NVML library on this machine, and against recorded H100 / RTX 4090 answers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pynvml
import pytest

from desktop.llm.models.gpu import CUDA_REINSTALL, GpuInfo, LlamaCppDevices, offload_support
from desktop.llm.models.gpu_probe import DRIVER_MISMATCH, NO_GPU, GpuProbe, Nvml
from tests.fixtures.nvml_recorded import DRIVER_VERSION, H100, RTX_4090, RecordedNvml

ME = os.getpid()
APP_ON_H100 = 8853127168
APP_ON_4090 = 1073741824


class NoDevices:
    def devices(self) -> tuple[GpuInfo, ...]:
        return ()


class OneAppleGpu:
    def devices(self) -> tuple[GpuInfo, ...]:
        return (GpuInfo(0, "Apple M2 Max", 51539607552, 1073741824, 50465865728, None, None, ()),)


def recorded_probe(**switches: object) -> tuple[GpuProbe, RecordedNvml]:
    nvml = RecordedNvml(app_pid=ME, **switches)  # type: ignore[arg-type]
    return GpuProbe(nvml=nvml, fallback=NoDevices()), nvml


def real_driver_present() -> bool:
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return False
    pynvml.nvmlShutdown()
    return True


def protocol_names() -> list[str]:
    return [n for n in vars(Nvml) if n.startswith("nvml")] + list(Nvml.__annotations__)


# --- the real library on this machine ---------------------------------------------------------


def test_real_nvml_gives_gpus_or_a_plain_sentence_and_real_ram() -> None:
    probe = GpuProbe()
    first = probe.snapshot()
    second = probe.snapshot()
    probe.close()

    assert first.ram_total_bytes == psutil.virtual_memory().total
    assert 0 < second.ram_available_bytes <= second.ram_total_bytes
    assert second.app_rss_bytes > 0
    if real_driver_present():
        assert first.gpus and first.problem is None and first.driver_version
        assert all(g.total_bytes > 0 and g.used_bytes + g.free_bytes <= g.total_bytes for g in first.gpus)
        assert second.app_vram_bytes is not None
    elif LlamaCppDevices().devices():
        assert first.gpus and first.problem is None
    else:
        assert first.gpus == () == second.gpus
        assert first.problem == NO_GPU == second.problem
        assert "Traceback" not in first.problem and first.problem.endswith(".")
        assert first.problem_details  # what NVML said, for a details pane
        assert first.app_vram_bytes is None


def test_real_pynvml_has_everything_the_protocol_names() -> None:
    assert [n for n in protocol_names() if not hasattr(pynvml, n)] == []
    assert [n for n in protocol_names() if not hasattr(RecordedNvml, n)] == []


def test_offload_support_reports_this_build_honestly() -> None:
    import llama_cpp

    support = offload_support()
    assert support.supported is bool(llama_cpp.llama_supports_gpu_offload())
    if not support.supported:
        assert "processor only" in support.message
        assert CUDA_REINSTALL in support.message
        assert "Metal" in support.message


def test_an_installed_app_without_gpu_support_points_to_the_gpu_edition_not_to_pip() -> None:
    import llama_cpp

    support = offload_support(frozen=True)
    if not llama_cpp.llama_supports_gpu_offload():
        assert "GPU edition of MCP Desk" in support.message and "pip" not in support.message


def test_llama_cpp_devices_leave_out_the_processor() -> None:
    import llama_cpp

    devices = LlamaCppDevices().devices()
    if not llama_cpp.llama_supports_gpu_offload():
        assert devices == ()  # the CPU backend device is there, but it is not a GPU
    for gpu in devices:
        assert gpu.total_bytes > 0 and gpu.name


# --- recorded answers --------------------------------------------------------------------------


def test_two_recorded_gpus_with_their_real_numbers() -> None:
    probe, _ = recorded_probe()
    snap = probe.snapshot()

    assert [g.name for g in snap.gpus] == ["NVIDIA H100 80GB HBM3", "NVIDIA GeForce RTX 4090"]
    h100, rtx = snap.gpus
    assert (h100.index, h100.total_bytes, h100.used_bytes, h100.free_bytes) == (
        0,
        85520809984,
        H100.used,
        H100.free,
    )
    assert (rtx.index, rtx.total_bytes) == (1, 25757220864)
    assert (h100.utilization_percent, h100.temperature_c) == (37, 41)
    assert (rtx.utilization_percent, rtx.temperature_c) == (8, 52)
    assert {p.pid for p in h100.processes} == {ME, 3187}
    assert {p.pid for p in rtx.processes} == {ME, 1402, 1689}
    assert snap.app_vram_bytes == APP_ON_H100 + APP_ON_4090
    assert snap.problem is None and snap.driver_version == DRIVER_VERSION


def test_nvml_starts_once_across_many_snapshots_and_close_shuts_it_down() -> None:
    probe, nvml = recorded_probe()
    for _ in range(50):
        probe.snapshot()
    assert (nvml.init_calls, nvml.shutdown_calls) == (1, 0)

    probe.close()
    probe.close()
    assert (nvml.init_calls, nvml.shutdown_calls) == (1, 1)
    assert not nvml.initialised

    assert len(probe.snapshot().gpus) == 2  # a later snapshot starts it again
    assert nvml.init_calls == 2


def test_not_supported_queries_degrade_to_none_not_failure() -> None:
    probe, _ = recorded_probe(no_utilization=True, no_temperature=True, no_processes={0, 1})
    snap = probe.snapshot()

    assert [g.total_bytes for g in snap.gpus] == [H100.total, RTX_4090.total]
    assert all(g.utilization_percent is None and g.temperature_c is None for g in snap.gpus)
    assert all(g.processes == () for g in snap.gpus)
    assert snap.app_vram_bytes is None  # the driver did not tell, which is not 0
    assert snap.problem is None


def test_app_vram_counts_only_what_the_driver_told() -> None:
    probe, nvml = recorded_probe(no_processes={1})
    assert probe.snapshot().app_vram_bytes == APP_ON_H100

    nvml.no_processes = set()
    nvml.used_memory_unknown = True  # Windows WDDM: processes listed, memory not
    snap = probe.snapshot()
    assert snap.app_vram_bytes is None
    assert {p.used_bytes for g in snap.gpus for p in g.processes} == {None}


def test_app_not_on_any_gpu_uses_zero_vram() -> None:
    probe = GpuProbe(nvml=RecordedNvml(app_pid=ME), pid=os.getppid(), fallback=NoDevices())
    assert probe.snapshot().app_vram_bytes == 0  # the driver listed every process, and not this one


def test_a_gpu_falling_off_the_bus_is_a_sentence_and_the_other_gpu_stays() -> None:
    probe, nvml = recorded_probe()
    probe.snapshot()
    nvml.lost = {1}
    snap = probe.snapshot()

    assert [g.name for g in snap.gpus] == [H100.name]
    assert (
        snap.problem
        == "GPU 1 (NVIDIA GeForce RTX 4090) stopped responding. Restart the computer to use it again."
    )
    assert snap.problem_details is not None and "GPU 1" in snap.problem_details
    assert snap.app_vram_bytes == APP_ON_H100


def test_a_gpu_lost_before_the_first_look_is_named_by_number() -> None:
    probe, _ = recorded_probe(lost={0, 1})
    snap = probe.snapshot()
    assert snap.gpus == ()
    assert snap.problem is not None and snap.problem.startswith("GPU 0 stopped responding.")
    assert "GPU 1 stopped responding." in snap.problem


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        (pynvml.NVML_ERROR_DRIVER_NOT_LOADED, NO_GPU),
        (pynvml.NVML_ERROR_LIBRARY_NOT_FOUND, NO_GPU),
        (pynvml.NVML_ERROR_LIB_RM_VERSION_MISMATCH, DRIVER_MISMATCH),
    ],
)
def test_nvml_that_cannot_start_is_a_sentence_and_is_not_retried_every_second(
    code: int, sentence: str
) -> None:
    probe, nvml = recorded_probe(init_error=code)
    snaps = [probe.snapshot() for _ in range(5)]
    assert {s.problem for s in snaps} == {sentence}
    assert all(s.gpus == () and s.ram_total_bytes > 0 for s in snaps)
    assert nvml.init_calls == 1
    probe.close()
    assert nvml.shutdown_calls == 0


def test_without_nvml_gpus_come_from_llama_cpp_devices() -> None:
    nvml = RecordedNvml(app_pid=ME, init_error=pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)
    snap = GpuProbe(nvml=nvml, fallback=OneAppleGpu()).snapshot()
    assert [g.name for g in snap.gpus] == ["Apple M2 Max"]
    assert snap.problem is None and snap.app_vram_bytes is None


def test_names_from_older_nvml_py_arrive_as_bytes_and_are_decoded() -> None:
    probe, _ = recorded_probe(names_as_bytes=True)
    assert [g.name for g in probe.snapshot().gpus] == [H100.name, RTX_4090.name]


def test_a_process_in_both_compute_and_graphics_lists_counts_once() -> None:
    both = RTX_4090.__class__(**{**RTX_4090.__dict__, "graphics": ((-1, 1073741824), (1402, 232783872))})
    probe = GpuProbe(nvml=RecordedNvml(app_pid=ME, gpus=(both,)), fallback=NoDevices())
    snap = probe.snapshot()
    assert sorted(p.pid for p in snap.gpus[0].processes) == sorted([ME, 1402])
    assert snap.app_vram_bytes == APP_ON_4090


def test_snapshots_from_a_background_thread_while_the_app_closes() -> None:
    probe, nvml = recorded_probe()
    errors: list[BaseException] = []

    def poll() -> None:
        try:
            for _ in range(200):
                probe.snapshot()
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=poll)
    thread.start()
    for _ in range(20):
        probe.close()
    thread.join()
    probe.close()
    assert errors == []
    assert not nvml.initialised and nvml.init_calls == nvml.shutdown_calls


def test_llama_cpp_devices_never_load_the_model_runtime_themselves() -> None:
    code = (
        "import sys; from desktop.llm.models.gpu import LlamaCppDevices; "
        "assert LlamaCppDevices().devices() == (); assert 'llama_cpp' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[4])
