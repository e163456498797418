"""The service loop pauses now and then while it is busy, so the Qt thread gets the GIL."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from desktop.core import service_loop
from desktop.core.service_loop import (
    PAUSE,
    STAND_BY_SWITCH_INTERVAL,
    SWITCH_INTERVAL,
    TURN,
    ServiceLoop,
    TakingTurns,
    services_stand_by,
)


class Clock:
    """Fake monotonic time; `sleep` advances it and is recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.paused_at: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.paused_at.append(self.now)
        self.now += seconds


class Ready:
    """A selector that returns at once, whatever the timeout."""

    def select(self, timeout: float | None = None) -> list[object]:
        return []


class Selector(TakingTurns, Ready):
    pass


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(service_loop, "monotonic", clock.monotonic)
    monkeypatch.setattr(service_loop, "sleep", clock.sleep)
    return clock


def busy_for(selector: Selector, clock: Clock, seconds: float, step: float) -> None:
    """Iterations of a loop that always has more work ready (select with timeout 0)."""
    end = clock.now + seconds
    while clock.now < end:
        selector.select(0)
        clock.now += step


def test_a_busy_loop_pauses_once_per_turn(clock: Clock) -> None:
    step = TURN / 10
    selector = Selector()
    start = clock.now
    busy_for(selector, clock, 10 * TURN, step)
    assert set(clock.sleeps) == {PAUSE}
    turns = [b - a for a, b in zip([start, *clock.paused_at], clock.paused_at, strict=False)]
    assert len(turns) >= 5
    assert all(TURN < turn <= TURN + PAUSE + step for turn in turns[1:])
    assert TURN < turns[0] <= TURN + step


def test_a_loop_that_waits_between_bits_of_work_never_pauses(clock: Clock) -> None:
    selector = Selector()
    for _ in range(100):
        busy_for(selector, clock, TURN / 2, TURN / 10)
        selector.select(0.05)  # nothing was ready: the loop waited, a turn for the others
    assert clock.sleeps == []


def test_a_running_service_loop_hands_the_gil_over_every_millisecond() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # CPython's default
    loop = ServiceLoop("switch-interval")
    loop.start()
    try:
        assert sys.getswitchinterval() == SWITCH_INTERVAL
    finally:
        loop.stop()
        sys.setswitchinterval(before)


async def _turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


def test_a_busy_loop_stands_by_while_the_qt_thread_paints() -> None:
    before = sys.getswitchinterval()
    loop = ServiceLoop("stand-by")
    loop.start()
    try:
        with services_stand_by():
            assert sys.getswitchinterval() == pytest.approx(STAND_BY_SWITCH_INTERVAL)
            busy = loop.submit(_turns(3))
            time.sleep(0.05)
            assert not busy.done()
        assert sys.getswitchinterval() == SWITCH_INTERVAL
        busy.result(1)
    finally:
        loop.stop()
        sys.setswitchinterval(before)
