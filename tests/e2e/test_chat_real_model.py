"""A real instruct model (SmolLM2-135M-Instruct, real tokens) in a real chat with the real files server.

Its chat template offers no tools, so it is the model a newcomer meets when answers get made up.
With "Always use a tool first" it asks for the same call again as soon as it is allowed to; the
user must be asked once, not over and over, and a "no" must end the tool round.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.core.events import Event, EventBus
from desktop.core.paths import AppPaths
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.control import CallStatus, Caveat, ChatMessage, ChatSettings, ChatTurnChanged, Role
from desktop.llm.models.fit import LoadShape
from desktop.services import Services, build_services
from tests.e2e.conftest import ScriptedAsker, deny

pytestmark = pytest.mark.anyio

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER = "shared"
QUESTION = "What files are in my shared folder?"


@dataclass
class Desk:
    services: Services
    asker: ScriptedAsker
    idle: dict[str, asyncio.Event]

    async def ask(self, choice: ToolChoice, question: str = QUESTION) -> list[ChatMessage]:
        """One turn in a new chat with the shared folder's tools, to its end."""
        chats = self.services.chats
        chat = await chats.create()
        params = ChatParams(temperature=0.0, max_tokens=64)
        await chats.save_settings(chat.id, ChatSettings(params=params, servers=(SERVER,), tool_choice=choice))
        finished = self.idle.setdefault(chat.id, asyncio.Event())
        await chats.send(chat.id, question)
        await finished.wait()
        return await chats.messages(chat.id)

    def on_event(self, event: Event) -> None:
        if isinstance(event, ChatTurnChanged) and not event.busy:
            self.idle.setdefault(event.chat_id, asyncio.Event()).set()


def files_server(folder: Path) -> ServerConfig:
    config = ServerConfig(
        command=sys.executable,
        args=["-m", "desktop.builtin_servers.files", "--root", str(folder)],
        cwd=str(REPO_ROOT),
    )
    return config.model_copy(update={"trusted_launch": config.launch_hash()})


@pytest.fixture
async def desk(real_model: Path, tmp_path: Path) -> AsyncIterator[Desk]:
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "notes.txt").write_text("buy milk\n", encoding="utf-8")
    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n")
    events, asker = EventBus(), ScriptedAsker()
    services = build_services(AppPaths.from_environment(), events, asker)
    made = Desk(services, asker, {})
    events.subscribe(made.on_event)
    await services.manager.add(SERVER, files_server(folder))
    await services.manager.start(SERVER)
    await services.models.load(real_model, LoadShape(context=2048, gpu_layers=0))
    yield made
    await services.close()


def asked_calls(asker: ScriptedAsker) -> list[str]:
    return [f"{r.tool.name} {json.dumps(r.arguments, sort_keys=True)}" for r in asker.asked]


async def test_a_model_without_tools_in_its_template_is_said_so_and_its_words_are_marked(desk: Desk) -> None:
    info = desk.services.models.state().info
    assert info is not None and not info.supports_tools, "the Model page says “Can use tools: No”"
    assert not desk.services.chats.can_use_tools()
    messages = await desk.ask(ToolChoice.AUTO)
    answer = messages[-1]
    assert answer.role is Role.ASSISTANT and answer.text.strip()
    called = any(m.cards for m in messages)
    assert called or answer.caveat is Caveat.CANNOT_USE_TOOLS, answer.text


async def test_always_a_tool_asks_the_user_once_not_again_and_again(desk: Desk) -> None:
    messages = await desk.ask(ToolChoice.REQUIRED)
    asked = asked_calls(desk.asker)
    assert asked, "the first answer of the turn had to be a tool call"
    assert len(set(asked)) == len(asked), f"the same question twice: {asked}"
    assert not desk.services.chats.busy(messages[0].chat_id)
    skipped = [c for m in messages for c in m.cards if c.status is CallStatus.SKIPPED]
    if skipped:  # a repeat ends the tool round: the model answers from what it has, or a note says why
        last = messages[-1]
        in_words = last.role is Role.ASSISTANT and not last.cards and last.text.strip()
        assert in_words or (last.role is Role.NOTE and "asked again" in last.text), last


async def test_a_no_ends_the_tool_round_and_the_model_answers_in_words(desk: Desk) -> None:
    desk.asker.will(*[deny("not now")] * 6)
    messages = await desk.ask(ToolChoice.REQUIRED)
    assert len(desk.asker.asked) == 1
    (card,) = [c for m in messages for c in m.cards]
    assert card.status is CallStatus.DENIED and card.duration_s is None
    last = messages[-1]
    assert last.role is Role.ASSISTANT and not last.cards
