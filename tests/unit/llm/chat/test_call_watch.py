"""A running call's card: the server's progress shown (not stored), and the keep-waiting question."""

from __future__ import annotations

import asyncio

import pytest

from desktop.llm.chat.call_watch import CallWatch
from desktop.llm.chat.control import CallProgress, CallStatus, ToolCard

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Shown:
    def __init__(self) -> None:
        self.cards: list[tuple[ToolCard, bool]] = []

    def __call__(self, card: ToolCard, keep: bool) -> None:
        self.cards.append((card, keep))


def _watch(shown: Shown) -> CallWatch:
    return CallWatch(ToolCard("c1", "slow__hold", {}, CallStatus.WAITING), shown)


async def test_once_the_call_is_sent_the_card_no_longer_waits_for_the_user() -> None:
    shown, heard = Shown(), []
    watch = CallWatch(ToolCard("c1", "slow__hold", {}, CallStatus.WAITING), shown, lambda: heard.append(1))
    watch.sent()
    ((card, keep),) = shown.cards
    assert card.status is CallStatus.RUNNING and not keep
    assert heard == [1]


async def test_progress_marks_the_call_running_and_is_shown_without_being_stored() -> None:
    shown = Shown()
    watch = _watch(shown)
    await watch.progress(1, 4, "One of four")
    ((card, keep),) = shown.cards
    assert card.status is CallStatus.RUNNING and not keep
    assert card.progress == CallProgress(1, 4, "One of four") and card.progress.fraction == 0.25


async def test_a_burst_of_progress_is_shown_once_and_kept_whole() -> None:
    shown = Shown()
    watch = _watch(shown)
    for step in range(1, 51):
        await watch.progress(step, None, None)
    assert len(shown.cards) == 1
    assert watch.card.progress == CallProgress(50, None, "") and watch.card.progress.fraction is None


@pytest.mark.parametrize("keep_waiting", [True, False])
async def test_the_question_waits_for_the_users_answer(keep_waiting: bool) -> None:
    shown = Shown()
    watch = _watch(shown)
    asked = asyncio.ensure_future(watch.ask(60.0))
    await asyncio.sleep(0)
    assert watch.card.status is CallStatus.SLOW and watch.card.waited_s == 60.0 and shown.cards[-1][1]
    assert not asked.done()
    watch.answer(keep_waiting)
    assert await asked is keep_waiting
    assert watch.card.status is (CallStatus.RUNNING if keep_waiting else CallStatus.SLOW)


async def test_an_answer_with_no_question_open_is_ignored() -> None:
    watch = _watch(Shown())
    watch.answer(False)
    assert watch.card.status is CallStatus.WAITING


async def test_a_stop_with_no_question_open_stops_the_call() -> None:
    watch = _watch(Shown())
    stopped = asyncio.ensure_future(watch.stopped())
    await asyncio.sleep(0)
    assert not stopped.done()
    watch.answer(True)
    await asyncio.sleep(0)
    assert not stopped.done(), "keep waiting with nothing asked changes nothing"
    watch.answer(False)
    await asyncio.wait_for(stopped, 5)


async def test_a_task_is_kept_with_the_card_and_kept_running_only_while_closing() -> None:
    shown = Shown()
    watch = _watch(shown)
    watch.started("t-1", 12)
    assert (watch.card.task_id, watch.card.decision_seq) == ("t-1", 12) and shown.cards[-1][1]
    assert not watch.keeps()
    watch.keeping = True
    assert watch.keeps()
