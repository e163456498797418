"""One turn of a chat: the model answers, asks for tools, sees their results, answers again.

Every tool call goes through `ToolHost.call_tool`, whose consent gate asks the user.
What the model writes is untrusted: a garbled call becomes a card saying so and a
message back to the model, a tool it wasn't offered is refused, and a result that reads
like instructions makes the rest of the turn ask even where a rule would allow.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import replace
from typing import Any, Protocol

from desktop.core.consent import CallContext
from desktop.core.events import EventSink, ServerState, ServerStatus, ToolInfo
from desktop.core.problem import Problem
from desktop.llm.backends.backend import ChatBackend, Completion, Message, ToolCallRequest, ToolChoice
from desktop.llm.chat.control import (
    CallStatus,
    ChatMessage,
    ChatMessageChanged,
    ChatSettings,
    ChatTextArrived,
    ChatTurnChanged,
    ContextMeasured,
    ContextUse,
    Role,
    ToolCard,
)
from desktop.llm.chat.store import ChatStore, new_message
from desktop.llm.chat.tool_offer import CHARS_PER_TOKEN, Offer, offer, prepare_result
from desktop.servers.control import ToolCallOutcome

MAX_STEPS = 6
"""Model → tools → model rounds in one turn before MCP Desk pauses it."""
FLUSH_EVERY = 0.08
MAX_SHOWN_RESULT = 200_000


class ToolHost(Protocol):
    def statuses(self) -> list[ServerStatus]: ...
    def tools(self, server: str | None = None) -> list[ToolInfo]: ...
    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome: ...


def running_tools(host: ToolHost) -> list[ToolInfo]:
    running = {s.name for s in host.statuses() if s.state is ServerState.RUNNING}
    return [tool for tool in host.tools() if tool.server in running]


def model_messages(settings: ChatSettings, messages: list[ChatMessage]) -> list[Message]:
    """The chat as the model sees it: notes left out, cards as tool calls."""
    out: list[Message] = []
    if settings.system_prompt.strip():
        out.append({"role": "system", "content": settings.system_prompt})
    for message in messages:
        if message.role is Role.USER:
            out.append({"role": "user", "content": message.text})
        elif message.role is Role.TOOL:
            out.append({"role": "tool", "tool_call_id": message.tool_call_id, "content": message.text})
        elif message.role is Role.ASSISTANT and (message.text or message.cards):
            entry: Message = {"role": "assistant", "content": message.text}
            if message.cards:
                entry["tool_calls"] = [_call(card) for card in message.cards]
            out.append(entry)
    return out


class ChatTurn:
    def __init__(
        self,
        chat_id: str,
        title: str,
        store: ChatStore,
        host: ToolHost,
        backend: ChatBackend,
        events: EventSink,
    ) -> None:
        self.chat_id = chat_id
        self.cancel = threading.Event()
        self._title = title
        self._store = store
        self._host = host
        self._backend = backend
        self._events = events
        self._streamer = _Streamer(chat_id, events)
        self._reply: ChatMessage | None = None

    async def run(self) -> None:
        """Answer until done, stopped or failed; the caller says when the chat is free again."""
        self._status(True, "Thinking…")
        try:
            await self._steps()
        except asyncio.CancelledError:
            self._stopped()
        except Problem as problem:
            self._finish_reply()
            self._note(problem.message, problem.details)
        except Exception as exc:  # a bug here must end the turn, not the app
            self._finish_reply()
            self._note("Something went wrong on MCP Desk's side while answering.", repr(exc))

    async def _steps(self) -> None:
        settings = self._store.settings(self.chat_id)
        suspicious = False
        for step in range(MAX_STEPS):
            history = model_messages(settings, self._store.messages(self.chat_id))
            made = self._offer(settings, history)
            use = await self.measure(history, made)
            if use.used + settings.params.max_tokens > use.limit:
                self._note(_too_long(use))
                return
            choice = settings.tool_choice if step == 0 else ToolChoice.AUTO
            if not made.tools:
                choice = ToolChoice.NONE
            completion = await self._complete(history, made, settings, choice)
            if completion.finish_reason == "cancelled" or not completion.tool_calls:
                return
            suspicious = await self._run_calls(made, suspicious)
            if self.cancel.is_set():
                return
        self._note(
            f"The model used tools {MAX_STEPS} times in a row, so MCP Desk paused it. "
            "Send a message to let it go on."
        )

    def _offer(self, settings: ChatSettings, history: list[Message]) -> Offer:
        if settings.tool_choice is ToolChoice.NONE:
            return Offer((), [], 0)
        question = next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
        tools = [tool for tool in running_tools(self._host) if settings.offers(tool)]
        return offer(tools, str(question), self._backend.context_limit())

    async def measure(self, history: list[Message], made: Offer) -> ContextUse:
        tools = sum(len(str(s)) for s in made.specs) // CHARS_PER_TOKEN
        try:
            used = await self._backend.count_tokens(history, made.specs)
        except Problem:
            used = tools + sum(len(str(m.get("content", ""))) for m in history) // CHARS_PER_TOKEN
        use = ContextUse(used, tools, self._backend.context_limit(), len(made.tools), made.left_out)
        self._events.publish(ContextMeasured(self.chat_id, use))
        return use

    async def _complete(
        self, history: list[Message], made: Offer, settings: ChatSettings, choice: ToolChoice
    ) -> Completion:
        reply = self._store.add(new_message(self.chat_id, Role.ASSISTANT, ""))
        self._reply = reply
        self._publish(reply)
        self._streamer.start(reply.id)
        flusher = asyncio.create_task(self._streamer.run())
        try:
            completion = await self._backend.complete(
                history, made.specs, settings.params, choice, self._streamer.push, self.cancel
            )
        finally:
            flusher.cancel()
            self._streamer.flush()
        names = {tool.qualified_name for tool in made.tools}
        cards = tuple(_card(call, names) for call in completion.tool_calls)
        self._reply = replace(reply, text=completion.text, cards=cards)
        self._save(self._reply)
        return completion

    async def _run_calls(self, made: Offer, suspicious: bool) -> bool:
        assert self._reply is not None
        tools = {tool.qualified_name: tool for tool in made.tools}
        for index, card in enumerate(self._reply.cards):
            if self.cancel.is_set():
                break
            if card.status is CallStatus.GARBLED:
                self._answer(card, f"{card.result} Write the tool call again, as valid JSON.")
                continue
            self._set_card(index, replace(card, status=CallStatus.WAITING))
            self._status(True, "Waiting for your answer…")
            context = CallContext("chat", self.chat_id, self._title, suspicious)
            started = time.perf_counter()
            try:
                outcome = await self._host.call_tool(card.tool, card.arguments or {}, context)
            except Problem as problem:
                self._set_card(index, replace(card, status=CallStatus.FAILED, result=problem.message))
                self._answer(card, f"The tool could not be called: {problem.message}")
                continue
            finally:
                self._status(True, "Thinking…")
            # A failed call sends an error message, not the structured data the tool promised.
            tool = tools.get(card.tool) if outcome.ok else None
            prepared = prepare_result(tool, outcome.text, outcome.structured, self._backend.context_limit())
            suspicious = suspicious or bool(prepared.flags)
            self._set_card(index, _finished(card, outcome, prepared.flags, prepared.note, started))
            self._answer(card, outcome.text if outcome.denied else prepared.for_model)
        return suspicious

    def _answer(self, card: ToolCard, text: str) -> None:
        message = new_message(self.chat_id, Role.TOOL, text, tool_call_id=card.call_id)
        self._publish(self._store.add(message))

    def _set_card(self, index: int, card: ToolCard) -> None:
        assert self._reply is not None
        cards = list(self._reply.cards)
        cards[index] = card
        self._reply = replace(self._reply, cards=tuple(cards))
        self._save(self._reply)

    def _stopped(self) -> None:
        self.cancel.set()
        if self._reply is None:
            return
        cards = tuple(
            replace(c, status=CallStatus.DENIED, result="Stopped before you answered.")
            if c.status is CallStatus.WAITING
            else c
            for c in self._reply.cards
        )
        text = self._reply.text or self._streamer.text
        self._reply = replace(self._reply, text=text, cards=cards)
        self._save(self._reply)

    def _finish_reply(self) -> None:
        if self._reply is not None and not self._reply.text and not self._reply.cards:
            self._reply = replace(self._reply, text=self._streamer.text)
            self._save(self._reply)

    def _note(self, text: str, details: str = "") -> None:
        self._publish(self._store.add(new_message(self.chat_id, Role.NOTE, text, details=details)))

    def _save(self, message: ChatMessage) -> None:
        self._store.update(message)
        self._publish(message)

    def _publish(self, message: ChatMessage) -> None:
        self._events.publish(ChatMessageChanged(message))

    def _status(self, busy: bool, status: str = "") -> None:
        self._events.publish(ChatTurnChanged(self.chat_id, busy, status))


class _Streamer:
    """Collects text from the model thread and publishes it a few times a second."""

    def __init__(self, chat_id: str, events: EventSink) -> None:
        self._chat_id = chat_id
        self._events = events
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._message_id = 0
        self.text = ""

    def start(self, message_id: int) -> None:
        with self._lock:
            self._message_id, self._pending, self.text = message_id, [], ""

    def push(self, text: str) -> None:
        with self._lock:
            self._pending.append(text)
            self.text += text

    async def run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            self.flush()

    def flush(self) -> None:
        with self._lock:
            text, self._pending = "".join(self._pending), []
        if text:
            self._events.publish(ChatTextArrived(self._chat_id, self._message_id, text))


def _call(card: ToolCard) -> dict[str, Any]:
    return {
        "id": card.call_id,
        "type": "function",
        "function": {"name": card.tool, "arguments": card.arguments or {}},
    }


def _card(call: ToolCallRequest, offered: set[str]) -> ToolCard:
    call_id = call.id or f"call_{uuid.uuid4().hex[:12]}"
    if call.arguments is None:
        problem = call.problem or "The model's tool call could not be read."
        return ToolCard(call_id, call.name, None, CallStatus.GARBLED, result=problem, note=call.raw[:2000])
    if call.name not in offered:
        problem = f"The model asked for a tool it was not offered: “{call.name}”."
        return ToolCard(call_id, call.name, call.arguments, CallStatus.GARBLED, result=problem)
    return ToolCard(call_id, call.name, call.arguments, CallStatus.RUNNING)


def _finished(
    card: ToolCard, outcome: ToolCallOutcome, flags: tuple[Any, ...], note: str, started: float
) -> ToolCard:
    status = CallStatus.DENIED if outcome.denied else CallStatus.DONE if outcome.ok else CallStatus.FAILED
    return replace(
        card,
        arguments=outcome.arguments if outcome.arguments is not None else card.arguments,
        status=status,
        result=outcome.text[:MAX_SHOWN_RESULT],
        structured=outcome.structured,
        duration_s=outcome.duration_s or (time.perf_counter() - started),
        audit_seq=outcome.audit_seq,
        flags=tuple(flags),
        note=note,
    )


def _too_long(use: ContextUse) -> str:
    return (
        f"This chat no longer fits in the model's memory for text ({use.used:,} of {use.limit:,} tokens "
        "with room for the answer). Start a new chat, or load the model with a larger context on the "
        "Model page."
    )
