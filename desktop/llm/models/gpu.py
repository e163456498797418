"""The GPUs as data, the ones llama.cpp's own backends list, and whether llama.cpp can use one."""

from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass
from typing import cast

CUDA_REINSTALL = 'CMAKE_ARGS="-DGGML_CUDA=on" pip install --force-reinstall --no-cache-dir llama-cpp-python'


@dataclass(frozen=True)
class GpuProcess:
    """One process using a GPU; `used_bytes` is None where the driver does not tell."""

    pid: int
    used_bytes: int | None


@dataclass(frozen=True)
class GpuInfo:
    """One GPU at one moment."""

    index: int
    name: str
    total_bytes: int
    used_bytes: int
    free_bytes: int
    utilization_percent: int | None
    temperature_c: int | None
    processes: tuple[GpuProcess, ...]


@dataclass(frozen=True)
class OffloadSupport:
    """Whether the installed llama.cpp can put model layers on a GPU, said for the user."""

    supported: bool
    message: str


def decoded(value: str | bytes) -> str:
    """A name NVML or ggml gave, as text; older libraries give bytes."""
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


_RUNTIME_MODULE = "llama_cpp.llama_cpp"
# ggml_backend_dev_type values; 2 meant ACCEL (BLAS, AMX) before ggml added IGPU in Sep 2025.
_DEV_GPU = 1
_DEV_IGPU = 2
_IGPU_SINCE = (0, 10)


class LlamaCppDevices:
    """GPUs as llama.cpp's ggml backends see them (Metal, Vulkan, ROCm, CUDA) through ctypes.

    llama-cpp-python has no Python binding for ggml_backend_dev_*, but libllama's handle resolves
    them from libggml. Reading memory of a CUDA/HIP device creates that runtime's context once.
    It never loads the model runtime itself (~25 MB and numpy): until something else has (a model,
    the Model page's question about graphics-card support), it sees no devices.
    """

    def __init__(self) -> None:
        self._lib: ctypes.CDLL | None = None
        self._devices: list[tuple[int, str]] | None = None

    def devices(self) -> tuple[GpuInfo, ...]:
        if self._devices is None:
            if _RUNTIME_MODULE not in sys.modules:
                return ()
            self._devices = self._find()
        return tuple(self._read(i, dev, name) for i, (dev, name) in enumerate(self._devices))

    def _find(self) -> list[tuple[int, str]]:
        try:
            import llama_cpp.llama_cpp as bindings

            lib = ctypes.CDLL(bindings._lib._name)
            _declare(lib)
            gpu_types = {_DEV_GPU, _DEV_IGPU} if _ggml_version(lib) >= _IGPU_SINCE else {_DEV_GPU}
            found = []
            for i in range(lib.ggml_backend_dev_count()):
                dev = lib.ggml_backend_dev_get(i)
                if dev and lib.ggml_backend_dev_type(dev) in gpu_types:
                    label = lib.ggml_backend_dev_description(dev) or lib.ggml_backend_dev_name(dev) or b"GPU"
                    found.append((int(dev), decoded(label)))
        except (ImportError, OSError, AttributeError, RuntimeError):
            return []
        self._lib = lib
        return found

    def _read(self, index: int, dev: int, name: str) -> GpuInfo:
        free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
        cast(ctypes.CDLL, self._lib).ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        used = max(total.value - free.value, 0)
        return GpuInfo(index, name, total.value, used, free.value, None, None, ())


def _declare(lib: ctypes.CDLL) -> None:
    lib.ggml_backend_dev_count.restype = ctypes.c_size_t
    lib.ggml_backend_dev_count.argtypes = []
    lib.ggml_backend_dev_get.restype = ctypes.c_void_p
    lib.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    for text_fn in (lib.ggml_backend_dev_name, lib.ggml_backend_dev_description):
        text_fn.restype = ctypes.c_char_p
        text_fn.argtypes = [ctypes.c_void_p]
    lib.ggml_backend_dev_type.restype = ctypes.c_int
    lib.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    size_p = ctypes.POINTER(ctypes.c_size_t)
    lib.ggml_backend_dev_memory.restype = None
    lib.ggml_backend_dev_memory.argtypes = [ctypes.c_void_p, size_p, size_p]


def _ggml_version(lib: ctypes.CDLL) -> tuple[int, ...]:
    try:
        version_fn = lib.ggml_version
    except AttributeError:
        return (0, 0)
    version_fn.restype = ctypes.c_char_p
    version_fn.argtypes = []
    parts = decoded(version_fn() or b"0.0").split("-")[0].split(".")
    return tuple(int(p) for p in parts if p.isdigit())


def offload_support(frozen: bool = False) -> OffloadSupport:
    """Whether the installed llama-cpp-python can run model layers on a graphics card.

    `frozen`: this is an installed MCP Desk, where nobody can reinstall a Python package.
    """
    try:
        import llama_cpp
    except (ImportError, OSError, RuntimeError) as err:
        return OffloadSupport(False, f"The model runtime (llama-cpp-python) could not be loaded: {err}")
    if bool(llama_cpp.llama_supports_gpu_offload()):
        return OffloadSupport(True, "This copy of the model runtime can run models on the graphics card.")
    if frozen:
        return OffloadSupport(
            False,
            "This copy of MCP Desk runs models on the processor only, which works but answers slowly. "
            "To use an NVIDIA or AMD graphics card, install the GPU edition of MCP Desk.",
        )
    return OffloadSupport(
        False,
        "This copy of the model runtime (llama-cpp-python) runs models on the processor only. "
        f"To use an NVIDIA graphics card, reinstall it with CUDA support: {CUDA_REINSTALL} . "
        "On a Mac the standard install already uses the graphics chip (Metal).",
    )
