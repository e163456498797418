"""The model side's jobs (load, download, smaller copy): a stop switch each, progress as events.

Downloads and smaller copies run here, in worker threads; the service runs loads with these switches.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.core.events import EventSink
from desktop.llm.models.control import (
    JobKind,
    JobProgress,
    ModelJobProgressed,
    ModelLibraryChanged,
    ModelProblem,
)
from desktop.llm.models.hub import HubProblem
from desktop.llm.models.library import model_stem

if TYPE_CHECKING:
    from desktop.llm.models.download import DownloadProgress
    from desktop.llm.models.hub import HubVariant
    from desktop.llm.models.quantize import QuantizeProgress

PROGRESS_INTERVAL_S = 0.1
GB = 1e9

Reporter = Callable[[float | None, str], None]
"""Takes the fraction done (None: unknown) and a line of detail; callable from any thread."""


class ModelJobs:
    """One stop switch per kind of job; progress goes out as events, ten a second at most."""

    def __init__(
        self,
        models_dir: Path,
        events: EventSink,
        *,
        hub_token: Callable[[], str | None],
        hub_endpoint: str | None,
    ) -> None:
        self._models_dir = models_dir
        self._events = events
        self._hub_token = hub_token
        self._hub_endpoint = hub_endpoint
        self._cancels = {kind: threading.Event() for kind in JobKind}

    def cancel(self, kind: JobKind) -> None:
        self._cancels[kind].set()

    def cancel_all(self) -> None:
        for cancel in self._cancels.values():
            cancel.set()

    def start(self, kind: JobKind, title: str) -> tuple[threading.Event, Reporter]:
        """Announce a job; return its fresh stop switch and its progress reporter."""
        self._cancels[kind] = threading.Event()
        return self._cancels[kind], self._reporter(kind, title)

    def finish(
        self,
        kind: JobKind,
        title: str,
        detail: str = "",
        problem: str | None = None,
        *,
        completed: bool = False,
    ) -> None:
        done = JobProgress(kind, title, 1.0 if problem is None else None, detail, True, problem, completed)
        self._events.publish(ModelJobProgressed(done))

    async def download(self, variant: HubVariant) -> Path:
        from desktop.llm.models.download import DownloadCancelled, download_variant

        title = f"Downloading {variant.name}"
        cancel, report = self.start(JobKind.DOWNLOAD, title)

        def progressed(progress: DownloadProgress) -> None:
            speed = f" · {progress.bytes_per_second / 1e6:.1f} MB/s" if progress.bytes_per_second else ""
            detail = f"{progress.done_bytes / GB:.1f} of {progress.total_bytes / GB:.1f} GB{speed}"
            report(progress.done_bytes / progress.total_bytes if progress.total_bytes else None, detail)

        token = await asyncio.to_thread(self._hub_token)
        target = self._models_dir / variant.repo.replace("/", "__")
        try:
            path = await asyncio.to_thread(
                download_variant,
                variant,
                target,
                token=token,
                endpoint=self._hub_endpoint,
                on_progress=progressed,
                cancel=cancel,
            )
        except DownloadCancelled as stopped:
            self.finish(JobKind.DOWNLOAD, title, str(stopped))
            raise ModelProblem(str(stopped)) from stopped
        except HubProblem as problem:
            self.finish(JobKind.DOWNLOAD, title, problem=problem.message)
            raise
        self.finish(JobKind.DOWNLOAD, title, "Downloaded.", completed=True)
        self._events.publish(ModelLibraryChanged())
        return path

    async def quantize(self, path: Path, quant: str) -> Path:
        # The quantizer reads GGUF with numpy and takes its types from the model runtime:
        # neither is loaded until a copy is made.
        from desktop.llm.models.quant_plan import QuantizeProblem
        from desktop.llm.models.quantize import QuantizeCancelled, quantize

        title = f"Making a {quant} copy of {path.name}"
        cancel, report = self.start(JobKind.QUANTIZE, title)

        def progressed(progress: QuantizeProgress) -> None:
            report(
                progress.fraction,
                f"{progress.written_bytes / GB:.1f} of about {progress.estimated_bytes / GB:.1f} GB",
            )

        self._models_dir.mkdir(parents=True, exist_ok=True)
        target = self._models_dir / f"{model_stem(path)}-{quant}.gguf"
        try:
            result = await asyncio.to_thread(
                quantize, path, target, quant, on_progress=progressed, cancel=cancel
            )
        except QuantizeCancelled:
            self.finish(JobKind.QUANTIZE, title, "Stopped; nothing was kept.")
            raise ModelProblem("Making the smaller copy was stopped; nothing was kept.") from None
        except QuantizeProblem as problem:
            self.finish(JobKind.QUANTIZE, title, problem=problem.message)
            raise
        self.finish(JobKind.QUANTIZE, title, "Done.", completed=True)
        self._events.publish(ModelLibraryChanged())
        return result.target

    def _reporter(self, kind: JobKind, title: str) -> Reporter:
        """A progress listener for worker threads that publishes at most ten times a second."""
        last = [0.0]
        self._events.publish(ModelJobProgressed(JobProgress(kind, title, None)))

        def report(fraction: float | None, detail: str) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or fraction == 1.0:
                last[0] = now
                self._events.publish(ModelJobProgressed(JobProgress(kind, title, fraction, detail)))

        return report
