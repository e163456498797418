"""Tasks left running when MCP Desk closed, followed again when their server is running.

A card whose call the server runs as a task keeps the task's id in the chat's store. At the next
start, once that server runs, each such card still running is followed (`ToolHost.resume_task`,
audited as that call's result) and its result delivered into the chat: the card finished, and
the tool's answer added for the model to read at the chat's next turn.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from desktop.core.consent import CallContext, ProgressSink
from desktop.llm.chat.cards import STOPPED_HERE, finished
from desktop.llm.chat.control import CallProgress, CallStatus, ChatMessage, ChatMessageChanged, Role, ToolCard
from desktop.llm.chat.store import ChatStore, new_message

if TYPE_CHECKING:
    from desktop.core.events import EventSink
    from desktop.llm.chat.turn import ToolHost

RUNNING = (CallStatus.WAITING, CallStatus.RUNNING, CallStatus.SLOW)
STOPPED_FOR_MODEL = "The user stopped the call before the server answered."
RESUMED = "Picked up again after MCP Desk restarted"
"""What a task's card says while it is followed again after a restart."""


class TaskResumer:
    def __init__(self, store: ChatStore, host: ToolHost, events: EventSink) -> None:
        self._store = store
        self._host = host
        self._events = events
        self._following: dict[str, asyncio.Task[None]] = {}
        self._cancelled: set[str] = set()

    def server_running(self, server: str) -> None:
        """Follow again every stored task of `server` whose card is still running."""
        for message in self._store.with_tasks():
            for card in message.cards:
                key = f"{message.id}/{card.call_id}"
                if _left_running(card, server) and key not in self._following:
                    self._following[key] = asyncio.get_running_loop().create_task(
                        self._follow(message.id, card)
                    )

    def cancel(self, call_id: str) -> None:
        """The user cancelled a task being followed: `tasks/cancel`, and its card says stopped."""
        for key, task in self._following.items():
            if key.endswith(f"/{call_id}"):
                self._cancelled.add(key)
                task.cancel()

    def close(self) -> None:
        for task in self._following.values():
            task.cancel()

    async def _follow(self, message_id: int, card: ToolCard) -> None:
        try:
            await self._deliver(message_id, card)
        finally:
            self._following.pop(f"{message_id}/{card.call_id}", None)

    async def _deliver(self, message_id: int, card: ToolCard) -> None:
        message = self._store.message(message_id)
        if message is None or card.decision_seq is None:
            return
        started = time.perf_counter()
        progress = self._progress(message_id, card)
        await progress(0, None, None)
        context = CallContext("chat", message.chat_id, progress=progress)
        try:
            outcome = await self._host.resume_task(
                card.tool, card.task_id, card.decision_seq, card.arguments or {}, context
            )
        except asyncio.CancelledError:
            if f"{message_id}/{card.call_id}" not in self._cancelled:
                raise
            self._put(
                message_id,
                replace(
                    self._card(message_id, card),
                    status=CallStatus.STOPPED,
                    result=STOPPED_HERE,
                    progress=None,
                ),
            )
            self._answer(message.chat_id, card.call_id, STOPPED_FOR_MODEL)
            return
        done = finished(self._card(message_id, card), outcome, (), "", started)
        self._put(message_id, done)
        self._answer(
            message.chat_id,
            card.call_id,
            outcome.text if outcome.ok else f"The tool could not finish: {outcome.text}",
        )

    def _answer(self, chat_id: str, call_id: str, text: str) -> None:
        answer = new_message(chat_id, Role.TOOL, text, tool_call_id=call_id)
        self._events.publish(ChatMessageChanged(self._store.add(answer)))

    def _progress(self, message_id: int, card: ToolCard) -> ProgressSink:
        """The task's status on its card, shown (not stored), as for a call running now, saying it was
        picked up again."""

        async def shown(progress: float, total: float | None, message: str | None) -> None:
            stored = self._store.message(message_id)
            if stored is not None:
                words = f"{RESUMED} · {message}" if message else RESUMED
                now = CallProgress(progress, total, words)
                running = replace(self._card(message_id, card), status=CallStatus.RUNNING, progress=now)
                self._events.publish(ChatMessageChanged(_with(stored, running)))

        return shown

    def _card(self, message_id: int, card: ToolCard) -> ToolCard:
        stored = self._store.message(message_id)
        return next((c for c in (stored.cards if stored else ()) if c.call_id == card.call_id), card)

    def _put(self, message_id: int, card: ToolCard) -> None:
        stored = self._store.message(message_id)
        if stored is None:
            return
        updated = _with(stored, card)
        self._store.update(updated)
        self._events.publish(ChatMessageChanged(updated))


def _with(message: ChatMessage, card: ToolCard) -> ChatMessage:
    return replace(message, cards=tuple(card if c.call_id == card.call_id else c for c in message.cards))


def _left_running(card: ToolCard, server: str) -> bool:
    return bool(card.task_id) and card.status in RUNNING and card.tool.partition("__")[0] == server
