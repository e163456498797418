"""Chat through an OpenAI-compatible endpoint: its key in the real keyring, the same consent path."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.secrets import SecretStore
from desktop.llm.chat.control import BackendSettings, CallStatus, ChatSettings, ChatTurnChanged, Role
from desktop.llm.chat.service import ENDPOINT_KEY_SECRET
from desktop.services import Services, build_services
from tests.e2e.conftest import ScriptedAsker, fixture_server
from tests.fixtures.openai_server import Call, OpenAIServer, prose, tool_calls

pytestmark = pytest.mark.anyio
CANARY = "sk-canary-7f3a9c1e5d"


@pytest.fixture
async def desk(
    keyring_store: SecretStore, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Services, ScriptedAsker]]:
    monkeypatch.setattr("keyring.get_keyring", SecretServiceKeyring)
    asker = ScriptedAsker()
    services = build_services(AppPaths.from_environment(), EventBus(), asker)
    await services.manager.add("echo", fixture_server("well_behaved"))
    await services.manager.start("echo")
    try:
        yield services, asker
    finally:
        await services.close()


async def test_a_remote_model_calls_a_tool_with_consent_and_its_key_stays_in_the_keyring(
    desk: tuple[Services, ScriptedAsker], keyring_store: SecretStore, isolated_home: str
) -> None:
    services, asker = desk
    with OpenAIServer(models=["remote-model"], key=CANARY) as server:
        remote = BackendSettings("openai", server.base_url, "remote-model", 16_384)
        await services.chats.save_backend_settings(remote, CANARY)
        assert keyring_store.get(ENDPOINT_KEY_SECRET) == CANARY
        server.queue(
            tool_calls(Call("c1", "echo__echo", '{"text": "over the wire"}')), prose("It ", "worked.")
        )
        chat = await services.chats.create()
        await services.chats.save_settings(chat.id, ChatSettings(hidden_tools=("echo__sleep",)))
        idle = asyncio.Event()
        services.events.subscribe(
            lambda e: idle.set() if isinstance(e, ChatTurnChanged) and not e.busy else None
        )
        await services.chats.send(chat.id, "echo something")
        await idle.wait()
        messages = await services.chats.messages(chat.id)
        requests = server.chat_requests()

    assert [r.tool.qualified_name for r in asker.asked] == ["echo__echo"]
    assert asker.asked[0].context.chat_id == chat.id
    card = next(m for m in messages if m.cards).cards[0]
    assert (card.status, card.result) == (CallStatus.DONE, "over the wire")
    assert messages[-1].role is Role.ASSISTANT and messages[-1].text == "It worked."
    assert all(
        {k.lower(): v for k, v in r.headers.items()}["authorization"] == f"Bearer {CANARY}" for r in requests
    )
    tool_message = requests[1].body["messages"][-1]
    assert tool_message == {"role": "tool", "tool_call_id": "c1", "content": "over the wire"}
    assert (await services.chats.context_use(chat.id)).limit == 16_384
    for path in Path(isolated_home).rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), f"the key was written to {path}"
