"""One turn of a chat: the model answers, asks for tools, sees their results, answers again.

Every tool call goes through `ToolHost.call_tool`, whose consent gate asks the user.
What the model writes is untrusted: a garbled call becomes a card saying so and a
message back to the model, a tool it wasn't offered is refused, and a result that reads
like instructions makes the rest of the turn ask even where a rule would allow.

The user stays in charge of the loop. A "no" ends the tool round: the model is told, and
answers once more in words with no tools offered, so it can say what it would do instead
but cannot ask again. "Stop this answer" in the consent question ends the turn. A call the
model already made in this turn, with nothing since that could change its answer, is not
asked again: its card says so, the tool round ends the same way, and the model answers in
words from the result it already has (small models ask for the same folder again and again).
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from typing import Any, Protocol

from desktop.core.consent import AnswerStopped, CallContext
from desktop.core.events import EventSink, ServerState, ServerStatus, ToolInfo
from desktop.core.problem import Problem
from desktop.core.tool_label import tool_label
from desktop.llm.backends.backend import ChatBackend, Completion, Message, ToolChoice
from desktop.llm.backends.tool_choices import narrowed
from desktop.llm.chat.call_watch import CallWatch
from desktop.llm.chat.cards import call_key, finished, new_card, tool_call
from desktop.llm.chat.control import (
    CallStatus,
    Caveat,
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
from desktop.llm.chat.result_words import for_model, image_messages
from desktop.llm.chat.store import ChatStore, new_message
from desktop.llm.chat.tool_offer import CHARS_PER_TOKEN, Offer, OfferMemory, prepare_result
from desktop.servers.control import ToolCallOutcome

MAX_STEPS = 6
"""Model → tools → model rounds in one turn before MCP Desk pauses it."""
STOPPED_WAITING = "Stopped before you answered."
STOPPED_HERE = "You stopped the answer here."
SKIPPED_STOPPED = "Not run: the answer was stopped."
STOPPED_RUN = "Stopped while it was running: you stopped the answer."
SKIPPED_REFUSED = "Not asked: you said no to an earlier call in this answer."
SKIPPED_REPEAT = (
    "Not run: the model asked for exactly this earlier in this answer, so you weren't asked twice."
)
REPEAT_NOTE = (
    "The model asked again for a tool it had just used, with the same details, so MCP Desk did not ask "
    "you twice. Its result is in the card above; try asking in other words if you need more."
)
NO_WORDS_NOTE = "The model gave no answer in words. Press Try again, or ask in other words."
REPEAT_FOR_MODEL = (
    "You already made this call with these arguments; its result is above. Answer the user from it."
)
SKIPPED_AFTER_REPEAT = "Not run: the model had repeated an earlier call, so it answers from what it has."
FLUSH_EVERY = 0.08


class ToolHost(Protocol):
    def statuses(self) -> list[ServerStatus]: ...
    def tools(self, server: str | None = None) -> list[ToolInfo]: ...
    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome: ...
    async def resume_task(
        self,
        qualified_name: str,
        task_id: str,
        decision_seq: int,
        arguments: dict[str, Any],
        context: CallContext,
    ) -> ToolCallOutcome: ...


def running_tools(host: ToolHost) -> list[ToolInfo]:
    running = {s.name for s in host.statuses() if s.state is ServerState.RUNNING}
    return [tool for tool in host.tools() if tool.server in running]


def model_messages(
    settings: ChatSettings, messages: list[ChatMessage], sees_images: bool = False
) -> list[Message]:
    """The chat as the model sees it: notes and replaced answers left out, cards as tool calls.

    For a model that sees images, the images a round of calls returned follow its tool messages."""
    out: list[Message] = []
    if settings.system_prompt.strip():
        out.append({"role": "system", "content": settings.system_prompt})
    answered: list[ToolCard] = []
    for message in messages:
        if message.replaced:
            continue
        if message.role is not Role.TOOL:
            out.extend(image_messages(answered, sees_images))
            answered = []
        if message.role is Role.USER:
            out.append({"role": "user", "content": message.text})
        elif message.role is Role.TOOL:
            out.append({"role": "tool", "tool_call_id": message.tool_call_id, "content": message.text})
        elif message.role is Role.ASSISTANT and (message.text or message.cards):
            entry: Message = {"role": "assistant", "content": message.text}
            if message.cards:
                entry["tool_calls"] = [tool_call(card) for card in message.cards]
                answered = list(message.cards)
            out.append(entry)
    out.extend(image_messages(answered, sees_images))
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
        *,
        tools_work: bool,
        offers: OfferMemory | None = None,
        sees_images: bool = False,
    ) -> None:
        """`tools_work` False: the model wasn't made to use tools (its answers in words get a caveat).

        `offers` keeps the chat's tools from turn to turn, so the model need not read them again.
        """
        self.chat_id = chat_id
        self._sees_images = sees_images
        self._offers = offers or OfferMemory()
        self.cancel = threading.Event()
        self._title = title
        self._store = store
        self._host = host
        self._backend = backend
        self._events = events
        self._tools_work = tools_work
        self._streamer = _Streamer(chat_id, events)
        self._reply: ChatMessage | None = None
        self._suspicious = False
        self._called = False
        """The model asked for at least one tool in this turn."""
        self._refused = False
        """The user said no to a call: the tool round is over."""
        self._repeated = False
        """The model asked for a call it had already made in this turn: the tool round is over."""
        self._made: set[str] = set()
        """Calls made since the last one that may have changed something (see `_remember`)."""
        self.watches: dict[str, CallWatch] = {}
        self.closing = False
        """The calls running now, by card, for the user's answer when one takes longer than usual."""

    async def run(self) -> None:
        """Answer until done, stopped or failed; the caller says when the chat is free again."""
        self._status(True, "Thinking…")
        try:
            await self._steps()
        except asyncio.CancelledError:
            self._stopped(STOPPED_WAITING)
        except Problem as problem:
            self._finish_reply()
            self._note(problem.message, problem.details)
        except Exception as exc:  # a bug here must end the turn, not the app
            self._finish_reply()
            self._note("Something went wrong on MCP Desk's side while answering.", repr(exc))

    async def _steps(self) -> None:
        settings = self._store.settings(self.chat_id)
        for step in range(MAX_STEPS):
            history = model_messages(settings, self._store.messages(self.chat_id), self._sees_images)
            made = self._offer(settings, history)
            use = await self.measure(history, made)
            if use.used + settings.params.max_tokens > use.limit:
                self._note(_too_long(use))
                return
            choice = _choice(settings, step, made)
            # After a "no" or a repeat the model answers once more, without tools; that ends the turn.
            last_word = self._refused or self._repeated
            completion = await self._complete(history, made, settings, choice)
            self._events.publish(
                ContextMeasured(self.chat_id, replace(use, tools_ready=completion.tools_ready))
            )
            if completion.finish_reason == "cancelled":
                return
            if not completion.tool_calls:
                self._mark_reply(choice, made)
                if not completion.text.strip():
                    self._note(REPEAT_NOTE if self._repeated else NO_WORDS_NOTE)
                return
            await self._run_calls(made)
            if self.cancel.is_set() or last_word:
                return
        self._note(
            f"The model used tools {MAX_STEPS} times in a row, so MCP Desk paused it. "
            "Send a message to let it go on."
        )

    def _offer(self, settings: ChatSettings, history: list[Message]) -> Offer:
        if settings.tool_choice is ToolChoice.NONE or self._refused or self._repeated:
            return Offer((), [])
        question = next((m["content"] for m in reversed(history) if m["role"] == "user"), "")
        tools = [tool for tool in running_tools(self._host) if settings.offers(tool)]
        made = self._offers.offer(self.chat_id, tools, str(question), self._backend.context_limit())
        return replace(made, specs=narrowed(made.specs, settings.argument_choices))

    async def measure(self, history: list[Message], made: Offer) -> ContextUse:
        tools = sum(len(str(s)) for s in made.specs) // CHARS_PER_TOKEN
        try:
            used = await self._backend.count_tokens(history, made.specs)
        except Problem:
            used = tools + sum(len(str(m.get("content", ""))) for m in history) // CHARS_PER_TOKEN
        left_out = tuple(tool_label(tool) for tool in made.left_out)
        use = ContextUse(used, tools, self._backend.context_limit(), len(made.tools), left_out)
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
        if not made.tools:  # a call to no tool at all is not a call: keep the words
            completion = replace(completion, tool_calls=())
        offered = {tool.qualified_name: tool for tool in made.tools}
        cards = tuple(new_card(call, offered) for call in completion.tool_calls)
        self._called = self._called or bool(cards)
        self._reply = replace(reply, text=completion.text, cards=cards)
        self._save(self._reply)
        return completion

    def _mark_reply(self, choice: ToolChoice, made: Offer) -> None:
        """An answer in words where a tool was due: say it may be made up rather than looked up."""
        assert self._reply is not None
        if choice is ToolChoice.REQUIRED:
            caveat = Caveat.NO_TOOL_USED
        elif made.tools and not self._tools_work and not self._called:
            caveat = Caveat.CANNOT_USE_TOOLS
        else:
            return
        self._reply = replace(self._reply, caveat=caveat)
        self._save(self._reply)

    async def _run_calls(self, made: Offer) -> None:
        assert self._reply is not None
        tools = {tool.qualified_name: tool for tool in made.tools}
        for index, card in enumerate(self._reply.cards):
            if self.cancel.is_set():
                break
            if self._refused or self._repeated:
                self._skip(index, card, SKIPPED_REFUSED if self._refused else SKIPPED_AFTER_REPEAT)
            elif card.status is CallStatus.GARBLED:
                self._answer(card, f"{card.result} Write the tool call again, as valid JSON.")
            elif call_key(card) in self._made:
                self._repeated = True
                self._skip(index, card, SKIPPED_REPEAT, REPEAT_FOR_MODEL)
            else:
                await self._call(index, card, tools.get(card.tool))

    async def _call(self, index: int, card: ToolCard, tool: ToolInfo | None) -> None:
        self._set_card(index, replace(card, status=CallStatus.WAITING))
        self._status(True, "Waiting for your answer…")
        watch = CallWatch(
            replace(card, status=CallStatus.WAITING),
            lambda c, keep: self._set_card(index, c, keep),
            lambda: self._status(True, "Running the tool…"),
        )
        self.watches[card.call_id] = watch
        context = CallContext(
            "chat",
            self.chat_id,
            self._title,
            self._suspicious,
            progress=watch.progress,
            patience=watch,
            tasks=watch,
        )
        started = time.perf_counter()
        try:
            outcome = await self._host.call_tool(card.tool, card.arguments or {}, context)
        except AnswerStopped:
            self._stopped(STOPPED_HERE)
            return
        except Problem as problem:
            self._remember(card, tool)
            self._set_card(index, replace(card, status=CallStatus.FAILED, result=problem.message))
            self._answer(card, f"The tool could not be called: {problem.message}")
            return
        finally:
            self.watches.pop(card.call_id, None)
            self._status(True, "Thinking…")
        self._remember(card, tool)
        self._refused = self._refused or outcome.denied
        # A failed call sends an error message, not the structured data the tool promised.
        prepared = prepare_result(
            tool if outcome.ok else None,
            for_model(outcome, self._sees_images),
            outcome.structured,
            self._backend.context_limit(),
        )
        self._suspicious = self._suspicious or bool(prepared.flags)
        self._set_card(index, finished(card, outcome, prepared.flags, prepared.note, started, tool))
        self._answer(card, outcome.text if outcome.denied else prepared.for_model)

    def _remember(self, card: ToolCard, tool: ToolInfo | None) -> None:
        """A call that may have changed something makes every earlier call worth making again."""
        if tool is None or tool.annotations.get("readOnlyHint") is not True:
            self._made.clear()
        self._made.add(call_key(card))

    def _skip(self, index: int, card: ToolCard, why: str, for_model: str = "") -> None:
        self._set_card(index, replace(card, status=CallStatus.SKIPPED, result=why))
        self._answer(card, for_model or why)

    def _answer(self, card: ToolCard, text: str) -> None:
        message = new_message(self.chat_id, Role.TOOL, text, tool_call_id=card.call_id)
        self._publish(self._store.add(message))

    def _set_card(self, index: int, card: ToolCard, keep: bool = True) -> None:
        """`keep` False: shown only (a call's progress), the store keeps the card at its next change."""
        assert self._reply is not None
        cards = list(self._reply.cards)
        cards[index] = card
        self._reply = replace(self._reply, cards=tuple(cards))
        if keep:
            self._save(self._reply)
        else:
            self._publish(self._reply)

    def _stopped(self, asked: str) -> None:
        """The user stopped the turn: the call being asked says `asked`, calls not reached were not run."""
        self.cancel.set()
        if self._reply is None or self.closing:  # closing: the cards stay as stored, tasks are followed later
            return
        for index, card in enumerate(self._reply.cards):
            if card.status is CallStatus.WAITING:
                self._set_card(index, replace(card, status=CallStatus.DENIED, result=asked))
                self._answer(card, asked)
            elif card.status is CallStatus.SLOW or card.progress is not None:  # it was running
                self._set_card(
                    index, replace(card, status=CallStatus.STOPPED, progress=None, result=STOPPED_RUN)
                )
                self._answer(card, STOPPED_RUN)
            elif card.status is CallStatus.RUNNING:
                self._skip(index, card, SKIPPED_STOPPED)
        self._reply = replace(self._reply, text=self._reply.text or self._streamer.text)
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


def _choice(settings: ChatSettings, step: int, made: Offer) -> ToolChoice:
    """The chat's choice on the first step of a turn; later steps let the model decide."""
    if not made.tools:
        return ToolChoice.NONE
    return settings.tool_choice if step == 0 else ToolChoice.AUTO


def _too_long(use: ContextUse) -> str:
    return (
        f"This chat no longer fits in the model's memory for text ({use.used:,} of {use.limit:,} tokens "
        "with room for the answer). Start a new chat, or load the model with a larger context on the "
        "Model page."
    )
