"""The chat side: chats on disk, turns running on the service loop, and the model backends.

`ChatService` implements `ChatControl` for the Chat page and `Sampler` for servers that
ask the model for text. One turn runs per chat at a time; Stop ends it wherever it is,
a pending consent question included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Protocol

from desktop.core.config import ChatBackendConfig
from desktop.core.consent import SamplingRequest
from desktop.core.events import Event, EventSink, ServerState, ServerStatusChanged, ToolInfo
from desktop.core.problem import Problem
from desktop.core.secrets import SecretVault
from desktop.llm.backends.backend import ChatBackend, ChatParams, ChatProblem, Message, ToolChoice
from desktop.llm.chat.attachment_watch import AttachmentWatch, ResourceWatcher
from desktop.llm.chat.attachments import Attachment, ResourceReader, attachment
from desktop.llm.chat.control import (
    BackendSettings,
    ChatListChanged,
    ChatMessage,
    ChatMessageChanged,
    ChatSettings,
    ChatSummary,
    ChatTurnChanged,
    ContextUse,
    Role,
)
from desktop.llm.chat.resource_reads import ResourceLister, ResourceReads
from desktop.llm.chat.store import NEW_TITLE, ChatStore, new_message
from desktop.llm.chat.task_resume import TaskResumer
from desktop.llm.chat.tool_offer import OfferMemory, Refusals
from desktop.llm.chat.turn import ChatTurn, ToolHost, model_messages, running_tools
from desktop.llm.models.control import ModelState, ModelStateChanged

log = logging.getLogger(__name__)

ENDPOINT_KEY_SECRET = "CHAT_ENDPOINT_KEY"
"""The keyring entry holding the OpenAI-compatible endpoint's API key."""
TITLE_CHARS = 48
SAMPLING_MAX_TOKENS = 2048


class ChatForgetter(Refusals, Protocol):
    """What a chat needs of consent: forget a deleted chat's permissions, leave Never tools out."""

    async def forget_chat(self, chat_id: str) -> None: ...


class BackendKeeper(Protocol):
    """Where the chosen backend is kept (the app's settings file)."""

    def chat_backend(self) -> ChatBackendConfig: ...
    async def save_chat_backend(self, backend: ChatBackendConfig) -> None: ...


class ModelStates(Protocol):
    """The model side, as far as the chat needs to know it (`ModelService` is one)."""

    def state(self) -> ModelState: ...


class ChatBackends:
    """The backend the settings choose: the local model, or an OpenAI-compatible endpoint."""

    def __init__(
        self, local: ChatBackend, keeper: BackendKeeper, vault: SecretVault | None, models: ModelStates
    ) -> None:
        self._local = local
        self._keeper = keeper
        self._vault = vault
        self._models = models
        self._remote: tuple[BackendSettings, ChatBackend] | None = None
        self._key: str | None = None
        self._key_read = False

    def current(self) -> ChatBackend:
        settings = self.settings()
        if settings.kind != "openai":
            return self._local
        if self._remote is None or self._remote[0] != settings:
            from desktop.llm.backends.openai import OpenAIBackend

            self._remote = (
                settings,
                OpenAIBackend(settings.base_url, settings.model, self._read_key, settings.context),
            )
        return self._remote[1]

    def can_use_tools(self) -> bool:
        """What the Model page says of the loaded model; an endpoint's model is taken at its word."""
        if self.settings().kind == "openai":
            return True
        info = self._models.state().info
        return info is None or info.supports_tools

    def settings(self) -> BackendSettings:
        kept = self._keeper.chat_backend()
        return BackendSettings(kept.kind, kept.base_url, kept.model, kept.context, kept.sees_images)

    def sees_images(self) -> bool:
        """Only an endpoint the user said takes images; the local model is loaded without a vision part."""
        settings = self.settings()
        return settings.kind == "openai" and settings.sees_images

    async def save(self, settings: BackendSettings, key: str | None) -> None:
        if key is not None and self._vault is not None:
            if key:
                await asyncio.to_thread(self._vault.set, ENDPOINT_KEY_SECRET, key)
            else:
                await asyncio.to_thread(self._vault.delete, ENDPOINT_KEY_SECRET)
            self._key, self._key_read = key or None, True
        await self._keeper.save_chat_backend(ChatBackendConfig.model_validate(vars(settings)))

    def _read_key(self) -> str | None:
        if not self._key_read and self._vault is not None:
            self._key, self._key_read = self._vault.get(ENDPOINT_KEY_SECRET), True
        return self._key


class ChatService:
    """Implements `ChatControl` and `Sampler`. Runs on the service loop."""

    def __init__(
        self,
        store: ChatStore,
        host: ToolHost,
        consent: ChatForgetter,
        events: EventSink,
        backends: ChatBackends,
        reader: ResourceReader | None = None,
    ) -> None:
        """A `reader` that lists resources too (`ResourceLister`) lets the model read them itself."""
        self._reader = reader
        self._store = store
        self._reads = (
            ResourceReads(host, reader, backends.current) if isinstance(reader, ResourceLister) else None
        )
        self._host: ToolHost = self._reads or host
        watching = reader if isinstance(reader, ResourceWatcher) else None
        self._watch = AttachmentWatch(watching, store, events) if watching is not None else None
        self._consent = consent
        self._events = events
        self._backends = backends
        self._turns: dict[str, tuple[ChatTurn, asyncio.Task[None]]] = {}
        self._offers = OfferMemory(consent)
        self._warming: set[asyncio.Task[None]] = set()
        self._resumer = TaskResumer(store, host, events)

    def close(self) -> None:
        for turn, task in self._turns.values():
            turn.closing = True  # a task a call became outlives MCP Desk, and is followed at the next start
            for watch in turn.watches.values():
                watch.keeping = True
            turn.cancel.set()
            task.cancel()
        self._resumer.close()
        for warming in self._warming:
            warming.cancel()
        self._store.close()

    def on_event(self, event: Event) -> None:
        """A model just loaded: have it read a new chat's tools in the background (see `warm_up`).

        An attached resource changed: the chats holding it say so. A server runs: follow its tasks
        left running when MCP Desk last closed (`task_resume`)."""
        if self._watch is not None:
            self._watch.on_event(event)
        if isinstance(event, ServerStatusChanged) and event.status.state is ServerState.RUNNING:
            with contextlib.suppress(RuntimeError):  # not on the service loop: nothing to follow on
                self._resumer.server_running(event.status.name)
            return
        if not isinstance(event, ModelStateChanged) or event.state.loaded is None:
            return
        try:
            task = asyncio.get_running_loop().create_task(self.warm_up())
        except RuntimeError:  # not published on the service loop: nothing to schedule on
            return
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    async def warm_up(self) -> None:
        """Have the model read a new chat's system prompt and tools now, so the first chat starts at once.

        The model gives way to any chat between chunks of reading, and what it read still serves that chat.
        """
        settings = ChatSettings()
        await self._refresh_reads()
        tools = [tool for tool in running_tools(self._host) if settings.offers(tool)]
        backend = self._backends.current()
        made = self._offers.offer("", tools, "", backend.context_limit(), remember=False)
        try:
            await backend.warm_up(model_messages(settings, []), made.specs)
        except Problem as problem:  # only speed is lost; the chat will read the tools itself
            log.info("The tools could not be read ahead: %s %s", problem.message, problem.details)

    # -- chats -------------------------------------------------------------------

    async def chats(self, search: str = "") -> list[ChatSummary]:
        return self._store.chats(search)

    async def create(self, title: str = "") -> ChatSummary:
        summary = self._store.create(title, ChatSettings())
        self._events.publish(ChatListChanged())
        return summary

    async def rename(self, chat_id: str, title: str) -> None:
        self._store.rename(chat_id, title)
        self._events.publish(ChatListChanged())

    async def delete(self, chat_id: str) -> None:
        self.stop(chat_id)
        self._store.delete(chat_id)
        if self._watch is not None:
            await self._watch.release(chat_id)
        await self._consent.forget_chat(chat_id)
        self._events.publish(ChatListChanged())

    async def messages(self, chat_id: str) -> list[ChatMessage]:
        return self._store.messages(chat_id)

    async def settings(self, chat_id: str) -> ChatSettings:
        return self._store.settings(chat_id)

    async def save_settings(self, chat_id: str, settings: ChatSettings) -> None:
        self._store.save_settings(chat_id, settings)
        self._offers.forget(chat_id)

    async def tools(self) -> list[ToolInfo]:
        await self._refresh_reads()
        return running_tools(self._host)

    # -- turns -------------------------------------------------------------------

    async def send(self, chat_id: str, text: str) -> None:
        if not text.strip():
            return
        self._check_can_start(chat_id)
        summary = self._chat(chat_id)
        if summary.title == NEW_TITLE:
            self._store.rename(chat_id, _title_from(text))
            self._events.publish(ChatListChanged())
        message = self._store.add(new_message(chat_id, Role.USER, text))
        self._events.publish(ChatMessageChanged(message))
        self._start(chat_id)
        if self._watch is not None:
            await self._watch.hold(chat_id, text)

    async def regenerate(self, chat_id: str) -> None:
        self._check_can_start(chat_id)
        messages = self._store.messages(chat_id)
        last_user = next((m for m in reversed(messages) if m.role is Role.USER), None)
        if last_user is None:
            raise ChatProblem("There is nothing to answer yet. Write a message first.")
        for message in self._store.replace_from(chat_id, last_user.id + 1):
            self._events.publish(ChatMessageChanged(message))
        self._events.publish(ChatListChanged())
        self._start(chat_id)

    async def answer_slow_call(self, chat_id: str, call_id: str, keep_waiting: bool) -> None:
        running = self._turns.get(chat_id)
        watch = running[0].watches.get(call_id) if running is not None else None
        if watch is not None:
            watch.answer(keep_waiting)
        elif not keep_waiting:  # a task followed again after a restart
            self._resumer.cancel(call_id)

    def stop(self, chat_id: str) -> None:
        running = self._turns.get(chat_id)
        if running is not None:
            turn, task = running
            turn.cancel.set()
            task.cancel()

    def busy(self, chat_id: str) -> bool:
        return chat_id in self._turns

    async def context_use(self, chat_id: str) -> ContextUse:
        settings = self._store.settings(chat_id)
        history = model_messages(settings, self._store.messages(chat_id), self._backends.sees_images())
        await self._refresh_reads()
        tools = [t for t in running_tools(self._host) if settings.offers(t)]
        backend = self._backends.current()
        made = self._offers.offer(chat_id, tools, "", backend.context_limit(), remember=False)
        return await self._turn(chat_id, backend).measure(history, made)

    def backend_settings(self) -> BackendSettings:
        return self._backends.settings()

    async def save_backend_settings(self, settings: BackendSettings, key: str | None) -> None:
        await self._backends.save(settings, key)

    def ready(self) -> str | None:
        return self._backends.current().ready()

    def can_use_tools(self) -> bool:
        return self._backends.can_use_tools()

    async def attach(self, server: str, uri: str) -> Attachment:
        if self._reader is None:
            raise ChatProblem("Attaching from a server is not available here.")
        read = await self._reader.read_resource(server, uri, by_user=True)
        return await attachment(read, self._backends.current())

    # -- sampling ----------------------------------------------------------------

    async def sample(self, request: SamplingRequest) -> str:
        backend = self._backends.current()
        problem = backend.ready()
        if problem:
            raise ChatProblem(problem)
        messages: list[Message] = []
        if request.system_prompt:
            messages.append({"role": "system", "content": request.system_prompt})
        messages.extend({"role": role, "content": text} for role, text in request.messages)
        params = ChatParams(max_tokens=min(max(request.max_tokens, 1), SAMPLING_MAX_TOKENS))
        completion = await backend.complete(
            messages, [], params, ToolChoice.NONE, lambda _text: None, threading.Event()
        )
        return completion.text

    # -- inside ------------------------------------------------------------------

    def _check_can_start(self, chat_id: str) -> None:
        if chat_id in self._turns:
            raise ChatProblem("This chat is still answering. Wait for it, or press Stop.")
        problem = self._backends.current().ready()
        if problem:
            raise ChatProblem(problem)

    def _chat(self, chat_id: str) -> ChatSummary:
        summary = self._store.chat(chat_id)
        if summary is None:
            raise ChatProblem("That chat no longer exists.")
        return summary

    def _turn(self, chat_id: str, backend: ChatBackend) -> ChatTurn:
        title = self._chat(chat_id).title
        tools_work = self._backends.can_use_tools()
        return ChatTurn(
            chat_id,
            title,
            self._store,
            self._host,
            backend,
            self._events,
            tools_work=tools_work,
            offers=self._offers,
            sees_images=self._backends.sees_images(),
        )

    def _start(self, chat_id: str) -> None:
        turn = self._turn(chat_id, self._backends.current())
        task = asyncio.get_running_loop().create_task(self._run(turn))
        self._turns[chat_id] = (turn, task)

    async def _refresh_reads(self) -> None:
        """The running servers' resources, listed again, so the model is offered reads of what is there."""
        if self._reads is not None:
            await self._reads.refresh()

    async def _run(self, turn: ChatTurn) -> None:
        try:
            await self._refresh_reads()
            await turn.run()
        finally:
            self._turns.pop(turn.chat_id, None)
            self._events.publish(ChatTurnChanged(turn.chat_id, False))


def _title_from(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= TITLE_CHARS else words[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
