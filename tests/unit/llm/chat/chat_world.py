"""A chat service to test against: real service and store, scripted model, fake servers and model side."""

from __future__ import annotations

import asyncio
from pathlib import Path

from desktop.core.config import ChatBackendConfig
from desktop.core.events import Event, EventBus, ToolInfo
from desktop.llm.backends.backend import Completion
from desktop.llm.chat.control import ChatMessage, ChatTurnChanged
from desktop.llm.chat.service import ChatBackends, ChatService
from desktop.llm.chat.store import ChatStore
from tests.unit.llm.chat.chat_doubles import FakeHost, FakeModels, ScriptedBackend

ECHO = ToolInfo("echo", "echo", "Repeats the text it is given.", {"type": "object"})
ADD = ToolInfo("echo", "add", "Adds two numbers.", {"type": "object"})
FILES = ToolInfo("files", "read", "Reads a file.", {"type": "object"})


class Keeper:
    def __init__(self) -> None:
        self.backend = ChatBackendConfig()

    def chat_backend(self) -> ChatBackendConfig:
        return self.backend

    async def save_chat_backend(self, backend: ChatBackendConfig) -> None:
        self.backend = backend


class Forgetter:
    def __init__(self) -> None:
        self.forgotten: list[str] = []

    async def forget_chat(self, chat_id: str) -> None:
        self.forgotten.append(chat_id)

    def refuses(self, tool: ToolInfo) -> bool:
        return False


class World:
    """A real `ChatService` and store on the scripted backend, fake host and fake model side."""

    def __init__(self, folder: Path) -> None:
        self.events: list[Event] = []
        self._idle: dict[str, asyncio.Event] = {}
        bus = EventBus()
        bus.subscribe(self.events.append)
        bus.subscribe(self._on_event)
        self.backend = ScriptedBackend()
        self.host = FakeHost({"echo": [ECHO, ADD], "files": [FILES]})
        self.forgetter = Forgetter()
        self.models = FakeModels()
        backends = ChatBackends(self.backend, Keeper(), None, self.models)
        self.service = ChatService(ChatStore(folder / "chats.db"), self.host, self.forgetter, bus, backends)

    def script(self, *steps: Completion) -> None:
        self.backend.steps = list(steps)

    async def turn(self, chat_id: str, text: str) -> list[ChatMessage]:
        await self.service.send(chat_id, text)
        await self.finished(chat_id)
        return await self.service.messages(chat_id)

    async def finished(self, chat_id: str) -> None:
        if self.service.busy(chat_id):
            await self._idle.setdefault(chat_id, asyncio.Event()).wait()
        self._idle.pop(chat_id, None)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, ChatTurnChanged) and not event.busy:
            self._idle.setdefault(event.chat_id, asyncio.Event()).set()
