"""A tool's images, resource links, embedded resources and structured data, from the real
`server-everything` through `ServerManager.call_tool` to the outcome's parts and the audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.core.consent import ConsentGate
from desktop.core.events import EventBus, ServerState
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.cards import finished
from desktop.llm.chat.control import CallStatus, ChatSettings, ChatTurnChanged, Role, ToolCard
from desktop.llm.chat.result_words import for_model
from desktop.llm.chat.service import ChatBackends, ChatService
from desktop.llm.chat.store import ChatStore
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.result_parts import MAX_PART_BYTES, EmbeddedPart, LinkPart, MediaPart, TextPart
from tests.e2e.conftest import ASKED, Recorder, Spawned, fixture_server, manager_in, watched
from tests.unit.llm.backends.test_local import backend_on
from tests.unit.llm.chat.chat_doubles import FakeModels
from tests.unit.llm.chat.chat_world import Forgetter, Keeper

pytestmark = pytest.mark.anyio

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def everything(
    tmp_path: Path,
    recording: Recording,
    bus: object,
    recorder: Recorder,
    consent: ConsentGate,
    everything_server: list[str],
) -> AsyncIterator[ServerManager]:
    manager = manager_in(tmp_path, recording, bus, consent)  # type: ignore[arg-type]
    async with watched(manager):
        command, *args = everything_server
        config = ServerConfig(command=command, args=args)
        await manager.add("all", config.model_copy(update={"trusted_launch": config.launch_hash()}))
        status = await manager.start("all")
        assert status.state is ServerState.RUNNING, status.reason
        yield manager


async def test_an_image_arrives_as_its_bytes_and_the_audit_keeps_only_its_type_and_size(
    everything: ServerManager, recording: Recording
) -> None:
    outcome = await everything.call_tool("all__get-tiny-image", {}, ASKED)
    assert outcome.ok, outcome.text
    (image,) = [part for part in outcome.parts if isinstance(part, MediaPart)]
    assert image.kind == "image" and image.mime_type == "image/png"
    assert image.data.startswith(PNG_MAGIC) and image.size == len(image.data)
    assert any(isinstance(part, TextPart) for part in outcome.parts)
    assert "[image: image/png," in outcome.text
    results = await recording.audit.query(AuditFilter(kind=AuditKind.TOOL_RESULT))  # type: ignore[attr-defined]
    (record,) = [r for r in results if r.data["call"] == outcome.audit_seq]
    assert {"type": "image", "mime_type": "image/png", "size": image.size} in record.data["parts"]
    assert image.data.hex() not in str(record.data)


async def test_resource_links_and_an_embedded_resource_keep_their_address_and_type(
    everything: ServerManager,
) -> None:
    links = await everything.call_tool("all__get-resource-links", {"count": 2}, ASKED)
    found = [part for part in links.parts if isinstance(part, LinkPart)]
    assert len(found) == 2 and all(link.uri.startswith("demo://") and link.name for link in found)
    embedded = await everything.call_tool("all__get-resource-reference", {"resourceId": 3}, ASKED)
    (resource,) = [part for part in embedded.parts if isinstance(part, EmbeddedPart)]
    assert resource.uri.startswith("demo://") and resource.text and resource.size == len(resource.text)


async def test_structured_content_comes_with_the_text(everything: ServerManager) -> None:
    outcome = await everything.call_tool("all__get-structured-content", {"location": "Chicago"}, ASKED)
    assert outcome.ok and set(outcome.structured) == {"temperature", "conditions", "humidity"}
    (tool,) = [t for t in everything.tools("all") if t.name == "get-structured-content"]
    card = ToolCard("c1", tool.qualified_name, {}, CallStatus.RUNNING)
    assert finished(card, outcome, (), "", 0.0, tool).structured_fits, "shown as a table on its card"
    changed = replace(outcome, structured={"temperature": "warm"})
    assert not finished(card, changed, (), "", 0.0, tool).structured_fits


async def test_the_tiny_model_is_told_of_the_image_it_cannot_see(
    everything: ServerManager, tiny_model: Path, bus: EventBus, recorder: Recorder, tmp_path: Path
) -> None:
    """The real chat loop: the tiny model must call the one tool offered, and reads the image's sentence."""
    backend, engine = backend_on(tiny_model)
    backends = ChatBackends(backend, Keeper(), None, FakeModels())
    chats = ChatService(ChatStore(tmp_path / "chats.db"), everything, Forgetter(), bus, backends)
    try:
        chat = await chats.create()
        others = tuple(t.qualified_name for t in everything.tools("all") if t.name != "get-tiny-image")
        settings = ChatSettings(hidden_tools=others, tool_choice=ToolChoice.REQUIRED)
        await chats.save_settings(chat.id, replace(settings, params=ChatParams(max_tokens=200)))
        await chats.send(chat.id, "Show me the tiny image.")
        await recorder.wait_for(
            lambda e: isinstance(e, ChatTurnChanged) and e.chat_id == chat.id and not e.busy
        )
        messages = await chats.messages(chat.id)
    finally:
        engine.close()
    card = messages[1].cards[0]
    assert card.status is CallStatus.DONE and any(isinstance(p, MediaPart) for p in card.parts)
    told = next(m.text for m in messages if m.role is Role.TOOL)
    assert "[an image the model cannot see: image/png," in told
    reread = ChatStore(tmp_path / "chats.db").messages(chat.id)[1].cards[0]
    assert reread.parts == card.parts, "the image is kept with the chat"


async def test_a_servers_title_icons_sounds_and_an_image_too_big_to_keep(
    world: tuple[ServerManager, Recorder, Spawned],
) -> None:
    manager, _recorder, _spawned = world
    await manager.add("pics", fixture_server("pictured"))
    status = await manager.start("pics")
    assert (status.title, status.icons[0].mime_type) == ("Picture Studio", "image/png")
    assert status.icons[0].src.startswith("data:image/png;base64,")
    (tool,) = [t for t in manager.tools("pics") if t.name == "snapshot"]
    assert tool.title == "Take a snapshot"
    assert [icon.src for icon in tool.icons] == ["https://icons.example.com/camera.png", "file:///etc/passwd"]
    assert tool.icons[0].sizes == ("48x48",)
    outcome = await manager.call_tool("pics__snapshot", {}, ASKED)
    kinds = [(p.kind, p.mime_type) for p in outcome.parts if isinstance(p, MediaPart)]
    assert kinds == [("image", "image/png"), ("audio", "audio/wav")]
    huge = await manager.call_tool("pics__huge_image", {}, ASKED)
    (image,) = huge.parts
    assert isinstance(image, MediaPart) and not image.kept and image.size > MAX_PART_BYTES
    assert for_model(huge) == "[an image the model cannot see: image/png, 6.0 MB]"
