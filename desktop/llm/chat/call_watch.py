"""One running call's card, kept current: the server's progress, the keep-waiting question, and the
task the server may make of the call (its id stored with the card, for the next start).

The turn hands the watch to the server side in the call's `CallContext`: its `progress`, and the
watch itself as the call's `Patience` and `TaskKeeper`. The page answers the question (or cancels a
task) through `ChatControl.answer_slow_call`, which reaches `answer`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

from desktop.llm.chat.control import CallProgress, CallStatus, ToolCard

SHOW_EVERY = 0.1
"""Progress reaches the page at most this often; a server may send it far faster."""

CardShown = Callable[[ToolCard, bool], None]
"""Shows the card; True: also keep it in the chat's store (a change of status, not just progress)."""


class CallWatch:
    def __init__(self, card: ToolCard, show: CardShown, on_sent: Callable[[], None] | None = None) -> None:
        self.card = card
        self._show = show
        self._on_sent = on_sent
        self._shown_at = 0.0
        self._answer: asyncio.Future[bool] | None = None
        self._stop = asyncio.Event()
        self.keeping = False
        """MCP Desk is closing: a task the call became is left running, and followed at the next start."""

    async def progress(self, progress: float, total: float | None, message: str | None) -> None:
        """A progress notification: the call is running (so the user has said yes)."""
        status = CallStatus.RUNNING if self.card.status is CallStatus.WAITING else self.card.status
        self.card = replace(self.card, status=status, progress=CallProgress(progress, total, message or ""))
        now = time.monotonic()
        if now - self._shown_at >= SHOW_EVERY:
            self._shown_at = now
            self._show(self.card, False)

    def sent(self) -> None:
        """The user said yes (or a rule did): the card no longer waits for them."""
        if self.card.status is CallStatus.WAITING:
            self.card = replace(self.card, status=CallStatus.RUNNING)
            self._show(self.card, False)
        if self._on_sent is not None:
            self._on_sent()

    async def ask(self, waited_s: float) -> bool:
        """The call passed its timeout: the card asks, and the call goes on until the user answers."""
        self._answer = asyncio.get_running_loop().create_future()
        self._set(replace(self.card, status=CallStatus.SLOW, waited_s=waited_s))
        try:
            keep_waiting = await self._answer
        finally:
            self._answer = None
        self._set(replace(self.card, status=CallStatus.RUNNING if keep_waiting else CallStatus.SLOW))
        return keep_waiting

    def started(self, task_id: str, decision_seq: int) -> None:
        """The server runs the call as a task: the card keeps its id in the chat's store."""
        self._set(replace(self.card, task_id=task_id, decision_seq=decision_seq))

    def keeps(self) -> bool:
        return self.keeping

    async def stopped(self) -> None:
        await self._stop.wait()

    def answer(self, keep_waiting: bool) -> None:
        """The user's answer to the question on the card; a stop with no question open (a task's
        Cancel) stops the call all the same."""
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(keep_waiting)
        elif not keep_waiting:
            self._stop.set()

    def _set(self, card: ToolCard) -> None:
        self.card = card
        self._show(card, True)
