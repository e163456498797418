"""The model reading a server's resource itself, in the real chat loop: a generated model, a real
SDK-built server with one large text resource, the real consent gate and audit trail.

The tiny model must call the one tool offered (`big__read_resource`, its address held to the listed
one), so what is tested is everything around it: the question worded as a read, the audit, the
content going back cut to its share of the context, and a "no" that sends nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.events import EventBus, ServerState
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.control import CallStatus, ChatMessage, ChatSettings, ChatTurnChanged, Role
from desktop.llm.chat.service import ChatBackends, ChatService
from desktop.llm.chat.store import ChatStore
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.resources import READ_MARK
from tests.e2e.conftest import Recorder, ScriptedAsker, Spawned, deny, fixture_server
from tests.unit.llm.backends.test_local import backend_on
from tests.unit.llm.chat.chat_doubles import FakeModels
from tests.unit.llm.chat.chat_world import Forgetter, Keeper

pytestmark = pytest.mark.anyio

URI = "big://text"


@dataclass
class Reading:
    chats: ChatService
    recorder: Recorder
    recording: Recording

    async def ask(self, question: str) -> list[ChatMessage]:
        chat = await self.chats.create()
        settings = ChatSettings(tool_choice=ToolChoice.REQUIRED, params=ChatParams(max_tokens=200))
        await self.chats.save_settings(chat.id, settings)
        await self.chats.send(chat.id, question)
        await self.recorder.wait_for(
            lambda e: isinstance(e, ChatTurnChanged) and e.chat_id == chat.id and not e.busy
        )
        return await self.chats.messages(chat.id)

    async def reads(self) -> list[dict[str, object]]:
        trail = self.recording.audit
        assert isinstance(trail, AuditTrail)
        return [r.data for r in await trail.query(AuditFilter(kind=AuditKind.RESOURCE_READ))]


@pytest.fixture
async def reading(
    world: tuple[ServerManager, Recorder, Spawned],
    tiny_model: Path,
    bus: EventBus,
    recording: Recording,
    tmp_path: Path,
) -> AsyncIterator[Reading]:
    manager, recorder, spawned = world
    await manager.add("big", fixture_server("big_resource", env={"FIXTURE_RESOURCE_BYTES": "20000"}))
    assert (await manager.start("big")).state is ServerState.RUNNING
    spawned.note()
    backend, engine = backend_on(tiny_model)
    backends = ChatBackends(backend, Keeper(), None, FakeModels())
    chats = ChatService(ChatStore(tmp_path / "chats.db"), manager, Forgetter(), bus, backends, manager)
    try:
        yield Reading(chats, recorder, recording)
    finally:
        engine.close()


async def test_the_model_is_offered_a_read_naming_the_servers_resources(reading: Reading) -> None:
    (read,) = [tool for tool in await reading.chats.tools() if tool.name == "read_resource"]

    assert read.qualified_name == "big__read_resource"
    assert f"- big.txt: {URI}" in read.description
    assert read.input_schema["properties"]["uri"]["enum"] == [URI]
    assert read.annotations["readOnlyHint"] is True


async def test_the_models_read_is_asked_as_a_read_audited_and_cut_to_its_share(
    reading: Reading, asker: ScriptedAsker
) -> None:
    messages = await reading.ask("What is in the big text?")

    (question,) = asker.asked
    assert question.tool.annotations[READ_MARK] == URI and question.tool.title == "big.txt"
    card = messages[1].cards[0]
    assert (card.tool, card.status, card.arguments) == ("big__read_resource", CallStatus.DONE, {"uri": URI})
    told = next(m.text for m in messages if m.role is Role.TOOL)
    assert told.startswith(f"--- Attached from “big”: {URI} ---\n")
    assert "[MCP Desk cut this here: only the first " in told and told.endswith(f"--- End of {URI} ---")
    decided, done = await reading.reads()
    assert (decided["by"], decided["decision"]) == ("the model", "allowed")
    assert decided["chat"] == messages[0].chat_id
    assert done["status"] == "ok" and done["size"] == 20000


async def test_a_no_to_the_models_read_sends_nothing_and_the_model_is_told(
    reading: Reading, asker: ScriptedAsker
) -> None:
    asker.will(deny("It is private."))

    messages = await reading.ask("What is in the big text?")

    card = messages[1].cards[0]
    assert card.status is CallStatus.DENIED
    told = next(m.text for m in messages if m.role is Role.TOOL)
    assert "did not allow the model to read big://text" in told and "It is private." in told
    sent = [e for e in reading.recording.rpc_log.recent() if e.method == "resources/read"]
    assert not sent
    (decided,) = await reading.reads()
    assert decided["decision"] == "denied"
