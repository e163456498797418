"""Attached resources that change: subscriptions on both protocol revisions, with a real SDK-built
server (`changing_resource`) and, on 2025-11-25, npm's `server-everything`, which updates what is
subscribed every 5 seconds once its `toggle-subscriber-updates` tool turned that on.

2025-11-25: `resources/subscribe` and `notifications/resources/updated`; 2026-07-28: a
`subscriptions/listen` stream whose filter names the addresses. The chat marks a change once with a
note naming server and address, and unsubscribes when no chat holds the resource any more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.core.consent import ConsentGate
from desktop.core.events import Event, EventBus, ServerState
from desktop.llm.backends.backend import Completion
from desktop.llm.chat.attachments import changed_resource, with_attachments
from desktop.llm.chat.control import ChatMessageChanged, ChatTurnChanged
from desktop.llm.chat.service import ChatBackends, ChatService
from desktop.llm.chat.store import ChatStore
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.resources import ResourceChanged
from desktop.servers.revisions import Revisions
from tests.e2e.conftest import ASKED, Recorder, fixture_server, manager_in, watched
from tests.unit.llm.chat.chat_doubles import FakeModels, ScriptedBackend
from tests.unit.llm.chat.chat_world import Forgetter, Keeper

pytestmark = pytest.mark.anyio

URI = "note://today"
LEGACY, MODERN = "2025-11-25", "2026-07-28"


@dataclass
class Desk:
    manager: ServerManager
    chats: ChatService
    recorder: Recorder
    recording: Recording

    async def change(self, text: str) -> None:
        assert (await self.manager.call_tool("notes__change", {"text": text}, ASKED)).ok

    async def subscribed(self) -> str:
        return (await self.manager.call_tool("notes__subscribed_now", {}, ASKED)).text

    async def send_attached(self, server: str, uri: str) -> str:
        chat = await self.chats.create()
        since = len(self.recorder.events)
        attached = await self.chats.attach(server, uri)
        await self.chats.send(chat.id, with_attachments("What does it say?", [attached]))
        await self.recorder.wait_for(_idle(chat.id), since=since)
        return chat.id

    async def note_in(self, chat_id: str, since: int = 0) -> Event:
        def is_note(event: Event) -> bool:
            return (
                isinstance(event, ChatMessageChanged)
                and event.message.chat_id == chat_id
                and (changed_resource(event.message) is not None)
            )

        return await self.recorder.wait_for(is_note, since=since)


def _idle(chat_id: str) -> object:
    return lambda e: isinstance(e, ChatTurnChanged) and e.chat_id == chat_id and not e.busy


async def _desk(
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    recorder: Recorder,
    consent: ConsentGate,
    revision: str,
) -> AsyncIterator[Desk]:
    revisions = Revisions(tmp_path / "revisions.json")
    config = fixture_server("changing_resource")
    if revision == LEGACY:
        revisions.remember("notes", config, LEGACY)
    manager = manager_in(tmp_path, recording, bus, consent, revisions=revisions)
    answers = [Completion("It says hello.", (), "stop") for _ in range(4)]
    backends = ChatBackends(ScriptedBackend(*answers), Keeper(), None, FakeModels())
    chats = ChatService(ChatStore(tmp_path / "chats.db"), manager, Forgetter(), bus, backends, manager)
    bus.subscribe(chats.on_event)
    async with watched(manager) as spawned:
        await manager.add("notes", config)
        assert (await manager.start("notes")).state is ServerState.RUNNING
        spawned.note()
        assert manager._supervisors["notes"].client.protocol_version == revision
        yield Desk(manager, chats, recorder, recording)


@pytest.fixture(params=[LEGACY, MODERN])
async def desk(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    recorder: Recorder,
    consent: ConsentGate,
) -> AsyncIterator[Desk]:
    async for made in _desk(tmp_path, recording, bus, recorder, consent, request.param):
        yield made


async def test_a_changed_attachment_is_marked_once_in_the_chat_that_holds_it(desk: Desk) -> None:
    chat_id = await desk.send_attached("notes", URI)

    await desk.change("version 2")

    event = await desk.note_in(chat_id)
    assert isinstance(event, ChatMessageChanged)
    assert changed_resource(event.message) == ("notes", URI)
    assert event.message.text.startswith("“today” from “notes” changed since it was attached")
    since = len(desk.recorder.events)
    await desk.change("version 3")
    await desk.recorder.wait_for(lambda e: isinstance(e, ResourceChanged), since=since)
    notes = [m for m in await desk.chats.messages(chat_id) if changed_resource(m) is not None]
    assert len(notes) == 1, "marked once until attached again"


async def test_a_resource_no_chat_holds_is_unsubscribed(desk: Desk) -> None:
    chat_id = await desk.send_attached("notes", URI)
    listens = [e for e in desk.recording.rpc_log.recent() if e.method == "subscriptions/listen"]
    if desk.manager._supervisors["notes"].client.protocol_version == LEGACY:
        assert await desk.subscribed() == URI
    else:
        assert listens and URI in listens[-1].text

    await desk.chats.delete(chat_id)

    if desk.manager._supervisors["notes"].client.protocol_version == LEGACY:
        assert await desk.subscribed() == "none"
    since = len(desk.recorder.events)
    await desk.change("version 2")
    await desk.change("version 3")
    assert not [e for e in desk.recorder.events[since:] if isinstance(e, ResourceChanged)]


async def test_a_server_stop_ends_its_subscriptions(desk: Desk) -> None:
    await desk.send_attached("notes", URI)
    watch = desk.manager._supervisors["notes"].resource_watch
    assert watch.wanted == {URI}

    await desk.manager.stop("notes")

    assert watch.wanted == set()
    await desk.manager.start("notes")
    if desk.manager._supervisors["notes"].client.protocol_version == LEGACY:
        assert await desk.subscribed() == "none", "not subscribed again at the next start"
    assert watch.wanted == set()


async def test_server_everything_updates_what_is_subscribed_and_the_chat_marks_it(
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    recorder: Recorder,
    consent: ConsentGate,
    everything_server: list[str],
) -> None:
    manager = manager_in(tmp_path, recording, bus, consent)
    backends = ChatBackends(ScriptedBackend(Completion("Seen.", (), "stop")), Keeper(), None, FakeModels())
    chats = ChatService(ChatStore(tmp_path / "chats.db"), manager, Forgetter(), bus, backends, manager)
    bus.subscribe(chats.on_event)
    command, *args = everything_server
    config = ServerConfig(command=command, args=args)
    async with watched(manager) as spawned:
        await manager.add("everything", config.model_copy(update={"trusted_launch": config.launch_hash()}))
        assert (await manager.start("everything")).state is ServerState.RUNNING
        spawned.note()
        uri = (await manager.resources("everything"))[0].uri
        desk = Desk(manager, chats, recorder, recording)
        chat_id = await desk.send_attached("everything", uri)
        toggled = await manager.call_tool("everything__toggle-subscriber-updates", {}, ASKED)
        assert toggled.ok and "Started simulated resource updated notifications" in toggled.text

        event = await desk.note_in(chat_id)

    assert isinstance(event, ChatMessageChanged)
    assert changed_resource(event.message) == ("everything", uri)
    sent = [e for e in recording.rpc_log.recent() if e.method == "resources/subscribe"]
    assert sent, "subscribed with resources/subscribe (server-everything speaks 2025-11-25)"
