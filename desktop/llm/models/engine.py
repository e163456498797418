"""One `llama_cpp.Llama`, one thread, forever: llama.cpp is not safe to call from two.

Everything that touches the model is a job on `ModelEngine`'s thread; callers get a
`concurrent.futures.Future` back. Loading reports progress and can be cancelled through
llama.cpp's own progress callback; a load that runs out of memory on the GPU is tried
again with fewer layers there.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from desktop.core.problem import Problem
from desktop.llm.models.prefix_cache import PrefixCache

if TYPE_CHECKING:
    from llama_cpp import Llama

T = TypeVar("T")
KV_TYPES = {"f16": 1, "q8_0": 8, "q4_0": 2}
"""ggml type ids for the KV cache (GGML_TYPE_F16, _Q8_0, _Q4_0)."""


@dataclass(frozen=True)
class LoadSettings:
    path: Path
    context: int = 4096
    gpu_layers: int = 0
    kv_type: str = "f16"
    flash_attention: bool = False
    threads: int | None = None


@dataclass(frozen=True)
class LoadedModel:
    settings: LoadSettings
    """What was actually loaded: fewer GPU layers than asked when memory ran out."""
    seconds: float
    asked_gpu_layers: int

    @property
    def fell_back(self) -> bool:
        return self.settings.gpu_layers < self.asked_gpu_layers


class ProgressListener(Protocol):
    def __call__(self, fraction: float) -> None: ...


class LoadProblem(Problem):
    """llama.cpp could not load the model."""


class LoadCancelled(Exception):
    pass


class NoModelLoaded(Exception):
    pass


_STOP = object()


class ModelEngine:
    """The model thread. `run(job)` calls `job(llama)` there, in submission order.

    `prefix_cache` keeps the model's state for prompt prefixes (memory only unless given a folder).
    """

    def __init__(
        self, llama_factory: Callable[..., Llama] | None = None, prefix_cache: PrefixCache | None = None
    ) -> None:
        self._factory = llama_factory
        self.prefix_cache = prefix_cache or PrefixCache()
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._llama: Llama | None = None
        self._loaded: LoadedModel | None = None
        self._thread = threading.Thread(target=self._serve, name="model", daemon=True)
        self._thread.start()

    @property
    def loaded(self) -> LoadedModel | None:
        return self._loaded

    def load(
        self,
        settings: LoadSettings,
        on_progress: ProgressListener | None = None,
        cancel: threading.Event | None = None,
    ) -> concurrent.futures.Future[LoadedModel]:
        """Replace whatever is loaded with `settings.path`."""
        return self._submit(lambda: self._load(settings, on_progress, cancel or threading.Event()))

    def unload(self) -> concurrent.futures.Future[None]:
        return self._submit(self._unload)

    def run(self, job: Callable[[Llama], T]) -> concurrent.futures.Future[T]:
        """Run `job` with the loaded model on the model thread (NoModelLoaded if none)."""

        def with_model() -> T:
            if self._llama is None:
                raise NoModelLoaded
            return job(self._llama)

        return self._submit(with_model)

    def others_waiting(self) -> bool:
        """Whether a job waits behind the one running (a warm-up gives way to it)."""
        return not self._jobs.empty()

    def close(self, timeout: float = 10.0) -> None:
        """Finish the queued jobs, free the model and end the thread."""
        if self._thread.is_alive():
            self._submit(self._unload)
            self._jobs.put(_STOP)
            self._thread.join(timeout)
        self.prefix_cache.close()

    def _submit(self, work: Callable[[], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((work, future))
        return future

    def _serve(self) -> None:
        while (item := self._jobs.get()) is not _STOP:
            work, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work())
            except BaseException as error:  # delivered to the caller, never lost on this thread
                future.set_exception(error)

    def _unload(self) -> None:
        if self._llama is not None:
            self._llama.close()
        self._llama = None
        self._loaded = None

    def _load(
        self, settings: LoadSettings, on_progress: ProgressListener | None, cancel: threading.Event
    ) -> LoadedModel:
        self._unload()
        started = time.perf_counter()
        attempt = settings
        while True:
            try:
                self._llama = self._open(attempt, on_progress, cancel)
                break
            except ValueError as error:
                if cancel.is_set():
                    raise LoadCancelled from error
                if attempt.gpu_layers <= 0:
                    raise _problem(settings, error) from error
                attempt = replace(attempt, gpu_layers=attempt.gpu_layers * 2 // 3)
        self._loaded = LoadedModel(attempt, time.perf_counter() - started, settings.gpu_layers)
        self.prefix_cache.use(attempt)
        return self._loaded

    def _open(
        self, settings: LoadSettings, on_progress: ProgressListener | None, cancel: threading.Event
    ) -> Llama:
        if not settings.path.exists():
            raise LoadProblem(f"{settings.path.name} is no longer there. Pick the model again.")
        factory = self._factory
        if factory is None:
            from llama_cpp import Llama

            factory = Llama
        with _reporting_progress(on_progress, cancel):
            return factory(
                str(settings.path),
                n_ctx=settings.context,
                n_gpu_layers=settings.gpu_layers,
                type_k=KV_TYPES[settings.kv_type],
                type_v=KV_TYPES[settings.kv_type],
                flash_attn=settings.flash_attention,
                n_threads=settings.threads,
                verbose=False,
            )


def _problem(settings: LoadSettings, error: Exception) -> LoadProblem:
    return LoadProblem(
        f"{settings.path.name} could not be loaded: the file may be damaged, or this version of the "
        "model runtime does not know its kind of model. Try another model, or download it again.",
        f"{type(error).__name__}: {error}",
    )


@contextlib.contextmanager
def _reporting_progress(on_progress: ProgressListener | None, cancel: threading.Event) -> Iterator[None]:
    """Hand llama.cpp a progress callback: `Llama` builds its model parameters itself.

    Only the model thread constructs `Llama`, so swapping the defaults function for the
    length of one load can't race another load.
    """
    import llama_cpp.llama_cpp as bindings

    def report(progress: float, _user_data: Any) -> bool:
        if on_progress is not None:
            on_progress(min(1.0, max(0.0, progress)))
        return not cancel.is_set()

    callback = bindings.llama_progress_callback(report)
    original = bindings.llama_model_default_params

    def with_callback() -> Any:
        params = original()
        params.progress_callback = callback
        return params

    bindings.llama_model_default_params = with_callback
    try:
        yield
    finally:
        bindings.llama_model_default_params = original
