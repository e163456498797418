"""The service loop: one plain asyncio loop in its own thread.

Every MCP session, the supervisors and the stats poller run here, so a chatty
server never competes with the Qt event loop (docs/ARCHITECTURE.md, "Threads and loops").
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import selectors
import sys
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from time import monotonic, sleep
from typing import Any, TypeVar

T = TypeVar("T")

TURN = 0.004
"""The longest the loop works without a pause while it is busy (seconds)."""
PAUSE = 0.001
"""How long it pauses, so a waiting thread (the Qt thread) can take the GIL."""
SWITCH_INTERVAL = 0.001
"""How long a thread holds the GIL while another waits for it (CPython's default is 5 ms).

Under a log flood the service thread wants the GIL all the time; at 5 ms per hand-over the Qt
thread, which needs it for every call into Python, could wait over 100 ms; at 1 ms, ~30 ms."""

MAX_STANDBY = 0.1
"""The longest the loop stands by for the Qt thread (seconds), so a stuck paint cannot stop the services."""

STAND_BY_SWITCH_INTERVAL = 0.00001
"""The switch interval meanwhile: the loop may be in the middle of a long turn, and until it
reaches the end of it and waits, each of the Qt thread's calls waits this long for the GIL."""

_qt_not_busy = threading.Event()
_qt_not_busy.set()


@contextmanager
def services_stand_by() -> Iterator[None]:
    """For work on the Qt thread that calls into Python many times (painting a table): the service
    loop waits at its next turn until the work is done.

    Each of those calls must win the GIL; under a log flood the service thread holds it and
    hands it over only once per switch interval, so a table paint (~300 calls, 3 ms of work)
    took 30-160 ms. With the loop waiting (its wait releases the GIL), the calls get it at once.
    """
    interval = sys.getswitchinterval()
    _qt_not_busy.clear()
    sys.setswitchinterval(STAND_BY_SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        _qt_not_busy.set()


class TakingTurns:
    """Mixed into the loop's selector (or proactor): a busy loop pauses now and then.

    CPython hands the GIL to a waiting thread only once the holder has kept it for a whole
    switch interval, and a loop that drops it for every short I/O call restarts that clock
    each time; under a flood the Qt thread, which needs the GIL for every call into Python,
    then waits seconds. Sleeping `PAUSE` after each `TURN` of unbroken work lets it in; and
    while the Qt thread works under `services_stand_by`, the loop waits for it to finish.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._busy_since = monotonic()

    def select(self, timeout: float | None = None) -> Any:
        if not _qt_not_busy.is_set():
            _qt_not_busy.wait(MAX_STANDBY)
        ready = super().select(timeout)  # type: ignore[misc]
        now = monotonic()
        if timeout != 0:  # the loop had nothing else to do: it was idle, not busy
            self._busy_since = now
        elif now - self._busy_since > TURN:
            sleep(PAUSE)
            self._busy_since = monotonic()
        return ready


def _new_loop() -> asyncio.AbstractEventLoop:
    if sys.platform == "win32":

        class Proactor(TakingTurns, asyncio.IocpProactor):
            pass

        return asyncio.ProactorEventLoop(Proactor())

    class Selector(TakingTurns, selectors.DefaultSelector):
        pass

    return asyncio.SelectorEventLoop(Selector())


class ServiceLoop:
    def __init__(self, name: str = "mcp-desk-services") -> None:
        self._loop = _new_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def start(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coro` on the service loop; the future resolves in the caller's world."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the service loop and block this thread until it is done."""
        return self.submit(coro).result(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        if not self._thread.is_alive():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()
