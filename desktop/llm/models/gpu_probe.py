"""What GPUs and memory this machine has, read live from NVML (or llama.cpp's own device list)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, cast

import psutil

from desktop.llm.models.gpu import GpuInfo, GpuProcess, LlamaCppDevices, decoded

NO_GPU = "No NVIDIA graphics card was found, so models run on the processor and in main memory."
NO_PERMISSION = "MCP Desk is not allowed to read the NVIDIA graphics card's status on this computer."
DRIVER_MISMATCH = (
    "The NVIDIA driver was updated but the computer has not been restarted yet. "
    "Restart it to use the graphics card."
)
NVML_FAILED = "The NVIDIA graphics card's status could not be read, so models may run on the processor."

_T = TypeVar("_T")


@dataclass(frozen=True)
class MemorySnapshot:
    """GPUs, RAM and this app's own use at one moment; `problem` is a sentence for the user."""

    gpus: tuple[GpuInfo, ...]
    ram_total_bytes: int
    ram_available_bytes: int
    app_rss_bytes: int
    app_vram_bytes: int | None
    problem: str | None
    problem_details: str | None = None
    driver_version: str | None = None


class NvmlMemory(Protocol):
    @property
    def total(self) -> int: ...
    @property
    def free(self) -> int: ...
    @property
    def used(self) -> int: ...


class NvmlUtilization(Protocol):
    @property
    def gpu(self) -> int: ...


class NvmlProcess(Protocol):
    @property
    def pid(self) -> int: ...
    @property
    def usedGpuMemory(self) -> int | None: ...


class Nvml(Protocol):
    """The part of `pynvml` (nvidia-ml-py) this module calls."""

    NVMLError: type[Exception]
    NVML_TEMPERATURE_GPU: int
    NVML_ERROR_LIBRARY_NOT_FOUND: int
    NVML_ERROR_DRIVER_NOT_LOADED: int
    NVML_ERROR_NO_PERMISSION: int
    NVML_ERROR_LIB_RM_VERSION_MISMATCH: int
    NVML_ERROR_GPU_IS_LOST: int

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    def nvmlSystemGetDriverVersion(self) -> str | bytes: ...
    def nvmlDeviceGetCount(self) -> int: ...
    def nvmlDeviceGetHandleByIndex(self, index: int) -> object: ...
    def nvmlDeviceGetName(self, handle: object) -> str | bytes: ...
    def nvmlDeviceGetMemoryInfo(self, handle: object) -> NvmlMemory: ...
    def nvmlDeviceGetUtilizationRates(self, handle: object) -> NvmlUtilization: ...
    def nvmlDeviceGetTemperature(self, handle: object, sensor: int) -> int: ...
    def nvmlDeviceGetComputeRunningProcesses(self, handle: object) -> Sequence[NvmlProcess]: ...
    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: object) -> Sequence[NvmlProcess]: ...


class DeviceLister(Protocol):
    """Where GPUs come from when NVML has none (Apple, AMD, Intel)."""

    def devices(self) -> tuple[GpuInfo, ...]: ...


@dataclass(frozen=True)
class _GpuRead:
    info: GpuInfo
    processes_known: bool


class GpuProbe:
    """Reads GPUs and memory; one per app, called from one background thread about once a second."""

    RETRY_INIT_AFTER_S = 30.0

    def __init__(
        self, nvml: Nvml | None = None, pid: int | None = None, fallback: DeviceLister | None = None
    ) -> None:
        self._nvml = nvml
        self._pid = os.getpid() if pid is None else pid
        self._process = psutil.Process(self._pid)
        self._fallback = LlamaCppDevices() if fallback is None else fallback
        self._lock = threading.Lock()
        self._ready = False
        self._failed_at: float | None = None
        self._init_problem: tuple[str, str] = (NO_GPU, "")
        self._driver_version: str | None = None
        self._handles: dict[int, object] = {}
        self._names: dict[int, str] = {}

    def snapshot(self) -> MemorySnapshot:
        """GPUs, RAM and our own use now; never raises for a missing or failing GPU."""
        with self._lock:
            reads, problem, details = self._read_gpus()
            driver = self._driver_version
        ram = psutil.virtual_memory()
        return MemorySnapshot(
            gpus=tuple(r.info for r in reads),
            ram_total_bytes=ram.total,
            ram_available_bytes=ram.available,
            app_rss_bytes=self._process.memory_info().rss,
            app_vram_bytes=_app_vram(reads, self._pid),
            problem=problem,
            problem_details=details,
            driver_version=driver,
        )

    def close(self) -> None:
        """Shut NVML down; a later snapshot starts it again."""
        with self._lock:
            if self._ready and self._nvml is not None:
                with contextlib.suppress(self._nvml.NVMLError):
                    self._nvml.nvmlShutdown()
            self._ready = False
            self._failed_at = None
            self._handles.clear()
            self._names.clear()

    def _read_gpus(self) -> tuple[list[_GpuRead], str | None, str | None]:
        if not self._start():
            problem, why = self._init_problem
            return self._fallback_reads(problem, why or None)
        nvml = cast(Nvml, self._nvml)
        try:
            count = nvml.nvmlDeviceGetCount()
        except nvml.NVMLError as err:
            return [], _init_sentence(nvml, err), str(err)
        if count == 0:
            return self._fallback_reads(NO_GPU, "NVML reports no GPUs")
        reads: list[_GpuRead] = []
        problems: list[str] = []
        details: list[str] = []
        for index in range(count):
            try:
                reads.append(self._read_gpu(nvml, index))
            except nvml.NVMLError as err:
                problems.append(self._device_sentence(nvml, index, err))
                details.append(f"GPU {index}: {err}")
        return reads, " ".join(problems) or None, "; ".join(details) or None

    def _start(self) -> bool:
        """Initialise NVML once; after a failure, try again only every RETRY_INIT_AFTER_S."""
        if self._ready:
            return True
        if self._failed_at is not None and time.monotonic() - self._failed_at < self.RETRY_INIT_AFTER_S:
            return False
        if self._nvml is None:
            try:
                import pynvml
            except ImportError as err:
                return self._failed(NO_GPU, f"nvidia-ml-py is not installed: {err}")
            self._nvml = cast(Nvml, pynvml)
        nvml = self._nvml
        try:
            nvml.nvmlInit()
        except nvml.NVMLError as err:
            return self._failed(_init_sentence(nvml, err), str(err))
        self._ready = True
        self._failed_at = None
        self._driver_version = self._optional(lambda: decoded(nvml.nvmlSystemGetDriverVersion()))
        return True

    def _failed(self, problem: str, details: str) -> bool:
        self._failed_at = time.monotonic()
        self._init_problem = (problem, details)
        return False

    def _nvml_ready(self) -> Nvml:
        return cast(Nvml, self._nvml)

    def _fallback_reads(
        self, problem: str, details: str | None
    ) -> tuple[list[_GpuRead], str | None, str | None]:
        gpus = self._fallback.devices()
        if gpus:
            return [_GpuRead(g, processes_known=False) for g in gpus], None, details
        return [], problem, details

    def _read_gpu(self, nvml: Nvml, index: int) -> _GpuRead:
        handle = self._handles.get(index)
        if handle is None:
            handle = self._handles[index] = nvml.nvmlDeviceGetHandleByIndex(index)
        if index not in self._names:
            self._names[index] = decoded(nvml.nvmlDeviceGetName(handle))
        memory = nvml.nvmlDeviceGetMemoryInfo(handle)
        utilization = self._optional(lambda: int(nvml.nvmlDeviceGetUtilizationRates(handle).gpu))
        temperature = self._optional(
            lambda: int(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))
        )
        compute = self._optional(lambda: nvml.nvmlDeviceGetComputeRunningProcesses(handle))
        graphics = self._optional(lambda: nvml.nvmlDeviceGetGraphicsRunningProcesses(handle))
        info = GpuInfo(
            index=index,
            name=self._names[index],
            total_bytes=int(memory.total),
            used_bytes=int(memory.used),
            free_bytes=int(memory.free),
            utilization_percent=utilization,
            temperature_c=temperature,
            processes=_merge_processes(compute or (), graphics or ()),
        )
        return _GpuRead(info, processes_known=compute is not None or graphics is not None)

    def _optional(self, query: Callable[[], _T]) -> _T | None:
        """A query some GPUs and drivers do not answer (NOT_SUPPORTED and the like)."""
        nvml = self._nvml_ready()
        try:
            return query()
        except nvml.NVMLError:
            return None

    def _device_sentence(self, nvml: Nvml, index: int, err: Exception) -> str:
        label = f"GPU {index}" + (f" ({self._names[index]})" if index in self._names else "")
        if getattr(err, "value", None) == nvml.NVML_ERROR_GPU_IS_LOST:
            return f"{label} stopped responding. Restart the computer to use it again."
        return f"{label} could not be read just now ({err})."


def _init_sentence(nvml: Nvml, err: Exception) -> str:
    code = getattr(err, "value", None)
    if code in (nvml.NVML_ERROR_LIBRARY_NOT_FOUND, nvml.NVML_ERROR_DRIVER_NOT_LOADED):
        return NO_GPU
    if code == nvml.NVML_ERROR_NO_PERMISSION:
        return NO_PERMISSION
    if code == nvml.NVML_ERROR_LIB_RM_VERSION_MISMATCH:
        return DRIVER_MISMATCH
    return NVML_FAILED


def _merge_processes(*lists: Sequence[NvmlProcess]) -> tuple[GpuProcess, ...]:
    """One entry per pid; a process with compute and graphics work is listed by NVML in both."""
    merged: dict[int, int | None] = {}
    for process in (p for found in lists for p in found):
        used = process.usedGpuMemory
        if merged.get(process.pid) is None:
            merged[process.pid] = None if used is None else int(used)
    return tuple(GpuProcess(pid, used) for pid, used in merged.items())


def _app_vram(reads: Sequence[_GpuRead], pid: int) -> int | None:
    """Our pid's use on every GPU whose process list the driver gave; None when it told nothing.

    NVML reports host pids, so inside a container with its own pid namespace this reads 0.
    """
    total = 0
    told = False
    for read in reads:
        if not read.processes_known:
            continue
        mine = [p.used_bytes for p in read.info.processes if p.pid == pid]
        if not mine:
            told = True
        elif mine[0] is not None:
            total += mine[0]
            told = True
    return total if told else None
