"""`mcp-desk model …`: the model library, fit, smaller copies and downloads, without a window."""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from desktop.cli.output import emit
from desktop.core.events import Event
from desktop.llm.models.control import JobKind, ModelJobProgressed, ModelProblem
from desktop.llm.models.fit import LoadShape, Verdict

if TYPE_CHECKING:
    from desktop.llm.models.control import LibraryEntry
    from desktop.services import Services

GB = 1e9
T = TypeVar("T")


def add_model_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    model = sub.add_parser("model", help="local models: list, info, quantize, pull").add_subparsers(
        required=True, metavar="ACTION"
    )
    listing = model.add_parser("list", help="the models MCP Desk can find on this computer")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)
    info = model.add_parser("info", help="what a GGUF file holds and whether it fits this machine")
    info.add_argument("file", type=Path)
    info.add_argument("--ctx", type=int, default=4096, help="context size to estimate for (default 4096)")
    info.add_argument("--kv", choices=["f16", "q8_0", "q4_0"], default="f16", help="KV cache type")
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=_info)
    quantize = model.add_parser("quantize", help="make a smaller copy with llama.cpp's quantizer")
    quantize.add_argument("source", type=Path)
    quantize.add_argument("target", type=Path)
    quantize.add_argument("--type", dest="quant", default="Q4_K_M", help="e.g. Q8_0, Q5_K_M, Q4_K_M")
    quantize.set_defaults(run=_quantize)
    pull = model.add_parser("pull", help="download a GGUF model from the Hugging Face Hub")
    pull.add_argument("repo", help="owner/name, e.g. Qwen/Qwen2.5-3B-Instruct-GGUF")
    pull.add_argument("--quant", help="which quantization (default: Q4_K_M, else the best that fits)")
    pull.add_argument("--list", action="store_true", help="only list the files and whether they fit")
    pull.set_defaults(run=_pull)


async def _list(services: Services, args: argparse.Namespace) -> int:
    entries = await services.models.library()

    def line(entry: LibraryEntry) -> str:
        kind = entry.info.file_type if entry.info else "?"
        where = entry.found.source.label
        problem = f"  — {entry.problem}" if entry.problem else ""
        return f"{entry.found.name}  {kind}  {entry.found.size_bytes / GB:.1f} GB  [{where}]{problem}"

    data = [
        {
            "name": entry.found.name,
            "path": str(entry.found.path),
            "source": entry.found.source.value,
            "size_bytes": entry.found.size_bytes,
            "file_type": entry.info.file_type if entry.info else None,
            "problem": entry.problem,
        }
        for entry in entries
    ]
    text = "\n".join(map(line, entries)) or "No models found. Download one with: mcp-desk model pull REPO"
    emit(args, data, text)
    return 0


async def _info(services: Services, args: argparse.Namespace) -> int:
    info = await services.models.info(args.file)
    fit = await services.models.fit(args.file, LoadShape(context=args.ctx, kv_type=args.kv))
    offload = services.models.offload()
    data = {"model": asdict(info) | {"chat_template": bool(info.chat_template)}, "fit": asdict(fit)}
    data["fit"]["summary"] = fit.summary
    data["gpu_offload"] = asdict(offload)
    text = "\n".join(
        [
            f"{info.name} ({info.architecture}, {info.parameters / 1e9:.2f} B parameters)",
            f"quantization: {info.file_type}, {info.bits_per_weight:.2f} bits per weight, "
            f"{info.file_bytes / GB:.2f} GB",
            f"layers: {info.layers}, trained context: {info.context_length}, "
            f"tools in chat template: {'yes' if info.supports_tools else 'no'}",
            f"at context {args.ctx}: {fit.summary}; needs {fit.vram_bytes / GB:.2f} GB graphics memory "
            f"and {fit.ram_bytes / GB:.2f} GB system memory (KV cache {fit.kv_bytes / GB:.2f} GB)",
            *([] if offload.supported else [offload.message]),
        ]
    )
    emit(args, data, text)
    return 0


async def _quantize(services: Services, args: argparse.Namespace) -> int:
    from desktop.llm.models.quantize import QuantizeCancelled, QuantizeProgress, quantize

    cancel = threading.Event()

    def progressed(progress: QuantizeProgress) -> None:
        _progress_line(progress.fraction, f"{progress.written_bytes / GB:.2f} GB written")

    try:
        result = await _cancellable(
            asyncio.to_thread(
                quantize, args.source, args.target, args.quant, on_progress=progressed, cancel=cancel
            ),
            cancel.set,
        )
    except QuantizeCancelled:
        print("\nStopped; nothing was kept.", file=sys.stderr)
        return 130
    print(f"\nWrote {result.target} ({result.size_bytes / GB:.2f} GB in {result.seconds:.0f} s)")
    return 0


async def _pull(services: Services, args: argparse.Namespace) -> int:
    choices = await services.models.hub_choices(args.repo)
    if not choices:
        raise ModelProblem(f"{args.repo} has no GGUF model files. Pick a repository whose name ends in GGUF.")
    if args.list:
        for choice in choices:
            size = choice.variant.size_bytes / GB
            print(f"{choice.variant.quant:10} {size:6.1f} GB  {choice.verdict.value}  {choice.variant.name}")
        return 0
    wanted = (args.quant or "Q4_K_M").upper()
    picked = next((choice for choice in choices if choice.variant.quant == wanted), None)
    if picked is None and args.quant is None:
        picked = max(
            (c for c in choices if c.verdict is not Verdict.TOO_BIG),
            key=lambda c: c.variant.size_bytes,
            default=None,
        )
    if picked is None:
        quants = ", ".join(choice.variant.quant for choice in choices)
        raise ModelProblem(f"{args.repo} has no {wanted} file. It has: {quants}.")
    unsubscribe = services.events.subscribe(_print_download_progress)
    try:
        stop = partial(services.models.cancel, JobKind.DOWNLOAD)
        path = await _cancellable(services.models.download(picked.variant), stop)
    finally:
        unsubscribe()
    print(f"\nSaved {path}")
    return 0


def _print_download_progress(event: Event) -> None:
    if isinstance(event, ModelJobProgressed) and not event.progress.finished:
        _progress_line(event.progress.fraction, event.progress.detail)


def _progress_line(fraction: float | None, detail: str) -> None:
    percent = f"{fraction * 100:5.1f}%" if fraction is not None else "  ... "
    end = "\r" if sys.stderr.isatty() else "\n"
    print(f"{percent}  {detail}", end=end, file=sys.stderr, flush=True)


async def _cancellable(work: Awaitable[T], stop: Callable[[], None]) -> T:
    """Await `work`; Ctrl-C calls `stop` and waits until the work has stopped."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except (KeyboardInterrupt, asyncio.CancelledError):
        stop()
        return await task
