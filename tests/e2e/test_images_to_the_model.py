"""A tool's picture goes to a model that sees pictures, and only to one the user said does.

The real chat loop: a real `ChatService`, the `pictured` fixture server under a real `ServerManager`
(consent asked and allowed), and an OpenAI-compatible endpoint on loopback HTTP that asks for the
tool, then answers. What the endpoint was sent is read back from the wire."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.config import ChatBackendConfig
from desktop.core.events import EventBus
from desktop.llm.chat.control import ChatTurnChanged
from desktop.llm.chat.service import ChatBackends, ChatService
from desktop.llm.chat.store import ChatStore
from desktop.servers.manager import ServerManager
from tests.e2e.conftest import Recorder, Spawned, fixture_server
from tests.fixtures.openai_server import MODEL, Call, OpenAIServer, prose, tool_calls
from tests.fixtures.servers.pictured import PNG_1X1
from tests.unit.llm.chat.chat_doubles import FakeModels, ScriptedBackend
from tests.unit.llm.chat.chat_world import Forgetter, Keeper

pytestmark = pytest.mark.anyio


@pytest.fixture
def endpoint() -> Iterator[OpenAIServer]:
    with OpenAIServer() as fake:
        yield fake


async def _second_request(
    world: tuple[ServerManager, Recorder, Spawned],
    endpoint: OpenAIServer,
    bus: EventBus,
    folder: Path,
    sees: bool,
) -> list[dict[str, Any]]:
    """Ask for a snapshot; what the endpoint was sent after the tool answered."""
    manager, recorder, _spawned = world
    await manager.add("pics", fixture_server("pictured"))
    await manager.start("pics")
    keeper = Keeper()
    keeper.backend = ChatBackendConfig(
        kind="openai", base_url=endpoint.base_url, model=MODEL, sees_images=sees
    )
    backends = ChatBackends(ScriptedBackend(), keeper, None, FakeModels())
    chats = ChatService(ChatStore(folder / "chats.db"), manager, Forgetter(), bus, backends)
    endpoint.queue(tool_calls(Call("call_1", "pics__snapshot", "{}")), prose("A tiny picture and a sound."))
    chat = await chats.create()
    await chats.send(chat.id, "Take a snapshot.")
    await recorder.wait_for(lambda e: isinstance(e, ChatTurnChanged) and e.chat_id == chat.id and not e.busy)
    _first, second = endpoint.chat_requests()
    messages: list[dict[str, Any]] = second.body["messages"]
    return messages


async def test_a_model_that_sees_pictures_is_sent_the_tools_picture(
    world: tuple[ServerManager, Recorder, Spawned], endpoint: OpenAIServer, bus: EventBus, tmp_path: Path
) -> None:
    messages = await _second_request(world, endpoint, bus, tmp_path, sees=True)
    tool, images = messages[-2:]
    assert tool["role"] == "tool" and "[an image: image/png, " in tool["content"]
    assert "it follows this message" in tool["content"]
    assert "[a sound the model cannot hear: audio/wav" in tool["content"]
    assert images["role"] == "user"
    (picture,) = [part for part in images["content"] if part["type"] == "image_url"]
    assert picture["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG_1X1).decode()


async def test_a_model_not_said_to_see_pictures_is_told_there_is_one(
    world: tuple[ServerManager, Recorder, Spawned], endpoint: OpenAIServer, bus: EventBus, tmp_path: Path
) -> None:
    messages = await _second_request(world, endpoint, bus, tmp_path, sees=False)
    assert messages[-1]["role"] == "tool"
    assert "[an image the model cannot see: image/png, " in messages[-1]["content"]
    assert "image_url" not in str(messages)
