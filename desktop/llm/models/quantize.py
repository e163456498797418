"""Make a smaller copy of a GGUF model with llama.cpp's own quantizer, in a child process.

The child can be stopped at any moment and a crash inside llama.cpp can't take the app down.
The quantizer reports no progress, so the parent watches the output file grow against the
estimate of its final size from the plan.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

import llama_cpp

from desktop.llm.models.quant_plan import QuantizeProblem, plan

_POLL_SECONDS = 0.2
_RUNNING_CAP = 0.99
"""Progress stays below 1.0 until the finished file is in place."""


@dataclass(frozen=True)
class QuantizeProgress:
    fraction: float
    written_bytes: int
    estimated_bytes: int


@dataclass(frozen=True)
class QuantizeResult:
    target: Path
    size_bytes: int
    seconds: float


class ProgressListener(Protocol):
    def __call__(self, progress: QuantizeProgress, /) -> None: ...


class QuantizeCancelled(Exception):
    """The user stopped it; nothing was left behind."""


def quantize(
    source: Path,
    target: Path,
    quant: str,
    *,
    on_progress: ProgressListener | None = None,
    cancel: threading.Event | None = None,
    threads: int = 0,
) -> QuantizeResult:
    """Write a `quant` copy of `source` to `target` (threads=0: all cores). Blocks: use a worker thread."""
    started = time.monotonic()
    planned = plan(source, quant)
    estimated = planned.estimated_bytes
    temp = target.with_name(target.name + ".part")
    _check_target(target, temp, estimated)
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    args = (str(source), str(temp), planned.quant.ftype, threads, planned.source_type == "Q8_0", sender)
    process = context.Process(target=_quantize_in_child, args=args, daemon=True, name="mcp-desk-quantize")
    finished = False
    try:
        process.start()
        sender.close()
        _watch(process, temp, estimated, on_progress, cancel)
        _check_exit(process, receiver)
        if target.exists():
            raise QuantizeProblem(_exists_message(target))
        temp.rename(target)
        finished = True
    finally:
        _stop(process)
        receiver.close()
        if not finished:
            temp.unlink(missing_ok=True)
    size = target.stat().st_size
    if on_progress is not None:
        on_progress(QuantizeProgress(1.0, size, estimated))
    return QuantizeResult(target, size, time.monotonic() - started)


def _quantize_in_child(
    source: str, temp: str, ftype: int, threads: int, requantize: bool, report: Connection
) -> None:
    """Runs in the spawned child: call llama.cpp, send its log tail back if it fails."""
    log: list[str] = []

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def collect(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        log.append(text.decode("utf-8", "replace"))

    llama_cpp.llama_log_set(collect, ctypes.c_void_p(0))
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = threads
    params.allow_requantize = requantize
    result = llama_cpp.llama_model_quantize(os.fsencode(source), os.fsencode(temp), ctypes.byref(params))
    if result != 0:
        report.send("".join(log)[-4000:])
        report.close()
        sys.exit(1)


def _watch(
    process: BaseProcess,
    temp: Path,
    estimated: int,
    on_progress: ProgressListener | None,
    cancel: threading.Event | None,
) -> None:
    """Report the temp file's growth until the child ends; raise QuantizeCancelled on cancel."""
    best = 0.0
    while True:
        if cancel is not None and cancel.is_set():
            raise QuantizeCancelled()
        if not process.is_alive():
            return
        if on_progress is not None:
            written = temp.stat().st_size if temp.exists() else 0
            best = max(best, min(written / max(estimated, 1), _RUNNING_CAP))
            on_progress(QuantizeProgress(best, written, estimated))
        process.join(_POLL_SECONDS)


def _check_exit(process: BaseProcess, receiver: Connection) -> None:
    process.join()
    code = process.exitcode
    if code == 0:
        return
    log = ""
    try:
        if receiver.poll():
            log = str(receiver.recv())
    except (EOFError, OSError):
        pass
    if code is not None and code > 0 and log:
        raise QuantizeProblem("llama.cpp could not make a smaller copy of this model.", log)
    raise QuantizeProblem(
        "The quantizer stopped unexpectedly, perhaps because the computer ran out of memory.",
        f"child exit code {code}",
    )


def _stop(process: BaseProcess) -> None:
    """Terminate the child, then kill it if it does not go."""
    if process.pid is None:
        return
    if process.is_alive():
        process.terminate()
        process.join(3)
    if process.is_alive():
        process.kill()
        process.join(3)
    process.close()


def _check_target(target: Path, temp: Path, estimated: int) -> None:
    """Refuse an existing target, a folder that can't be written, a disk too full."""
    if target.exists():
        raise QuantizeProblem(_exists_message(target))
    if not target.parent.is_dir():
        raise QuantizeProblem(f"The folder {target.parent} does not exist. Choose another folder.")
    try:
        temp.write_bytes(b"")
    except OSError as error:
        raise QuantizeProblem(
            f"MCP Desk can't write to the folder {target.parent}. Choose a folder you can save files in.",
            str(error),
        ) from error
    free = shutil.disk_usage(target.parent).free
    if free < estimated:
        temp.unlink(missing_ok=True)
        raise QuantizeProblem(
            f"There is not enough free space there: the copy needs about {_human(estimated)} "
            f"and only {_human(free)} is free. Free some space or choose another drive."
        )


def _exists_message(target: Path) -> str:
    return f"A file named {target.name} is already there. Choose another name or remove the old file first."


def _human(size: int) -> str:
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"
