"""An outside app (the SDK's client in another process) sees the prompts, resources and templates of
the servers it was granted through MCP Desk's gateway: prompts named `<server>__<prompt>`, resources
at their own addresses, each read asked and audited in the app's name, lists' changes announced.
npm's `server-everything` offers them all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.core.events import EventBus, ServerState
from desktop.core.secrets import SecretStore
from desktop.gateway.service import GatewayService
from desktop.gateway.tokens import AppTokens
from desktop.servers.manager import Recording, ServerManager
from tests.e2e.conftest import Recorder, ScriptedAsker, Spawned, Spy, deny, fixture_server
from tests.e2e.test_gateway import MODES, Gate, outside_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def gate(
    spy: Spy,
    world: tuple[ServerManager, Recorder, Spawned],
    recording: Recording,
    bus: EventBus,
    asker: ScriptedAsker,
    keyring_store: SecretStore,
    everything_server: list[str],
) -> AsyncIterator[Gate]:
    """`everything` and a well-behaved server (“other”); Cursor may use both, Claude only the other."""
    manager, recorder, spawned = world
    command, *args = everything_server
    config = ServerConfig(command=command, args=args)
    await manager.add("everything", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await manager.add("other", fixture_server("well_behaved"))
    for name in ("everything", "other"):
        assert (await manager.start(name)).state is ServerState.RUNNING
    spawned.note()
    service = GatewayService(
        manager._settings, manager, AppTokens(keyring_store, recording.redactor), recording.rpc_log
    )
    unsubscribe = bus.subscribe(service.on_event)
    try:
        await service.set_enabled(True)
        for app, servers in (("cursor", ["everything", "other"]), ("claude", ["other"])):
            await service.add_app(app)
            await service.grant(app, servers)
        yield Gate(service, manager, spy, recording, asker, recorder, spawned)
    finally:
        await service.close()
        unsubscribe()


def _result(answer: dict[str, Any]) -> dict[str, Any]:
    assert "result" in answer, answer
    result: dict[str, Any] = answer["result"]
    return result


@pytest.mark.parametrize("mode", MODES)
async def test_an_app_sees_granted_prompts_by_server_and_gets_and_completes_them(
    gate: Gate, keyring_store: SecretStore, mode: str
) -> None:
    async with outside_app(gate.url, await gate.token("cursor", keyring_store), mode) as cursor:
        prompts = _result(await cursor.ask("prompts"))["prompts"]
        served = await gate.manager.prompts("everything")
        assert sorted(p["name"] for p in prompts) == sorted(f"everything__{p.name}" for p in served)
        args_prompt = next(p for p in prompts if p["name"] == "everything__args-prompt")
        assert [a["name"] for a in args_prompt["arguments"]] == ["city", "state"]

        got = _result(
            await cursor.ask("get_prompt", name="everything__args-prompt", arguments={"city": "Lisbon"})
        )
        assert "Lisbon" in got["messages"][0]["content"]["text"]

        ref = {"type": "ref/prompt", "name": "everything__completable-prompt"}
        completed = _result(await cursor.ask("complete", ref=ref, argument="department", value="Eng"))
        assert "Engineering" in completed["completion"]["values"]

        missing = await cursor.ask("get_prompt", name="other__args-prompt", arguments={})
        assert "error" in missing


async def test_an_apps_read_is_asked_in_its_name_and_audited_as_its_own(
    gate: Gate, keyring_store: SecretStore
) -> None:
    async with outside_app(gate.url, await gate.token("cursor", keyring_store), "legacy") as cursor:
        resources = _result(await cursor.ask("resources"))["resources"]
        served = await gate.manager.resources("everything")
        assert [r["uri"] for r in resources] == [r.uri for r in served], (
            "the addresses as the server gave them"
        )
        uri = next(r.uri for r in served if r.mime_type == "text/markdown")

        gate.asker.will(deny("Not now."))
        refused = await cursor.ask("read", uri=uri)
        assert "did not allow Cursor to read" in refused["error"]
        question = gate.asker.asked[-1]
        assert question.context.app == "Cursor"
        assert question.tool.description == f"Cursor wants to read {uri} from everything."
        assert not [
            e
            for e in gate.recording.rpc_log.recent()
            if e.method == "resources/read" and e.server == "everything"
        ]

        read = _result(await cursor.ask("read", uri=uri))
        assert read["contents"][0]["uri"] == uri and read["contents"][0]["text"].startswith("#")

        templates = _result(await cursor.ask("templates"))["resourceTemplates"]
        blob = next(t["uriTemplate"] for t in templates if "blob" in t["uriTemplate"])
        filled = blob.replace("{resourceId}", "3")
        read = _result(await cursor.ask("read", uri=filled))
        assert read["contents"][0]["blob"], "a template's address reaches the server that offers it"

    records = [r.data for r in await gate.spy.trail.query(AuditFilter(kind=AuditKind.RESOURCE_READ))]
    denied, allowed, done = records[:3]
    assert (denied["decision"], denied["by"], denied["app"]) == ("denied", "Cursor", "Cursor")
    assert (allowed["decision"], done["status"], done["by"]) == ("allowed", "ok", "Cursor")


async def test_an_app_reads_nothing_from_a_server_it_was_not_granted(
    gate: Gate, keyring_store: SecretStore
) -> None:
    uri = (await gate.manager.resources("everything"))[0].uri
    async with outside_app(gate.url, await gate.token("claude", keyring_store), "legacy") as claude:
        assert _result(await claude.ask("resources"))["resources"] == []
        assert _result(await claude.ask("prompts"))["prompts"] == []
        refused = await claude.ask("read", uri=uri)
        assert f"There is no resource at {uri} here." in refused["error"]
    assert gate.asker.asked == []


@pytest.mark.parametrize("mode", MODES)
async def test_the_app_hears_its_prompts_and_resources_change_when_a_server_stops(
    gate: Gate, keyring_store: SecretStore, mode: str
) -> None:
    async with outside_app(gate.url, await gate.token("cursor", keyring_store), mode) as cursor:
        await gate.manager.stop("everything")
        with anyio.fail_after(20):
            while not all((heard := await cursor.ask("content_changes")).values()):  # noqa: ASYNC110 - asks the app
                await anyio.sleep(0.05)
        assert heard["prompts"] >= 1 and heard["resources"] >= 1
        assert _result(await cursor.ask("prompts"))["prompts"] == []
