"""The gateway for real: an outside app (the SDK's client in another process) reaches real fixture
servers through MCP Desk's endpoint, with its own token, only what it was granted, every call asked
and audited under its name; strangers, web pages and rebound names are turned away."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx2
import pytest

from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord
from desktop.core.consent import Choice, ConsentGate, ElicitationAnswer, ElicitationRequest
from desktop.core.consent_rules import ConsentRules
from desktop.core.events import EventBus
from desktop.core.rpc_log import Direction
from desktop.core.secrets import SecretStore
from desktop.gateway.control import token_secret
from desktop.gateway.service import GatewayService
from desktop.gateway.tokens import AppTokens
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.server_requests import ServerRequests
from tests.e2e.conftest import (
    Recorder,
    ScriptedAsker,
    Spawned,
    Spy,
    allow,
    deny,
    fixture_server,
    manager_in,
    watched,
)

pytestmark = pytest.mark.anyio

CLIENT = Path(__file__).with_name("gateway_client.py")
MODES = ("legacy", "2026-07-28")


class AppProcess:
    """One outside app: `gateway_client.py` in its own process, asked one command at a time."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    async def ask(self, op: str, **fields: Any) -> dict[str, Any]:
        await self.send(op, **fields)
        return await self.answer()

    async def send(self, op: str, **fields: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()

    async def answer(self) -> dict[str, Any]:
        answer = await self.answer_if_any()
        assert answer is not None, "the app's process ended without answering"
        return answer

    async def answer_if_any(self) -> dict[str, Any] | None:
        """The next answer, or None when the app's process ended (as the SDK's client does when its
        connection is gone)."""
        assert self.process.stdout is not None
        with anyio.fail_after(60):
            line = await anyio.to_thread.run_sync(self.process.stdout.readline)
        return json.loads(line) if line else None

    async def names(self) -> list[str]:
        return sorted(tool["name"] for tool in (await self.ask("list"))["tools"])

    async def call(self, name: str, **arguments: Any) -> dict[str, Any]:
        answer = await self.ask("call", name=name, arguments=arguments)
        assert "result" in answer, answer
        result: dict[str, Any] = answer["result"]
        return result

    async def heard_changes(self, more_than: int) -> int:
        with anyio.fail_after(20):
            while (changes := (await self.ask("changes"))["changes"]) <= more_than:  # noqa: ASYNC110 - asks the app
                await anyio.sleep(0.05)
        return int(changes)


@contextlib.asynccontextmanager
async def outside_app(url: str, token: str, mode: str) -> AsyncIterator[AppProcess]:
    command = [sys.executable, str(CLIENT), url, token, mode]
    process = await anyio.to_thread.run_sync(
        lambda: subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    )
    app = AppProcess(process)
    try:
        ready = await app.answer()
        assert ready["ready"] == ("2025-11-25" if mode == "legacy" else mode)
        yield app
    finally:
        with contextlib.suppress(OSError):  # a pipe the app's ended process closed
            await app.send("quit")
        try:
            await anyio.to_thread.run_sync(lambda: process.wait(10))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@dataclass
class Gate:
    service: GatewayService
    manager: ServerManager
    spy: Spy
    recording: Recording
    asker: ScriptedAsker
    recorder: Recorder
    spawned: Spawned

    @property
    def url(self) -> str:
        url = self.service.status().url
        assert url is not None
        return url

    async def token(self, app: str, vault: SecretStore) -> str:
        token = await anyio.to_thread.run_sync(vault.get, token_secret(app))
        assert token
        return token

    async def decisions(self) -> list[AuditRecord]:
        return await self.spy.trail.query(AuditFilter(kind=AuditKind.TOOL_CALL))


@pytest.fixture
async def gate(
    spy: Spy,
    world: tuple[ServerManager, Recorder, Spawned],
    recording: Recording,
    bus: EventBus,
    asker: ScriptedAsker,
    keyring_store: SecretStore,
) -> AsyncIterator[Gate]:
    """The spy and a well-behaved server ("other"); Cursor may use the spy, Claude the other."""
    manager, recorder, spawned = world
    await manager.add("other", fixture_server("well_behaved"))
    await manager.start("other")
    spawned.note()
    service = GatewayService(
        manager._settings, manager, AppTokens(keyring_store, recording.redactor), recording.rpc_log
    )
    unsubscribe = bus.subscribe(service.on_event)
    try:
        await service.set_enabled(True)
        for app, server in (("cursor", "spy"), ("claude", "other")):
            await service.add_app(app)
            await service.grant(app, [server])
        yield Gate(service, manager, spy, recording, asker, recorder, spawned)
    finally:
        await service.close()
        unsubscribe()


@pytest.mark.parametrize("mode", MODES)
async def test_an_app_sees_its_granted_tools_and_each_call_is_asked_in_its_name(
    gate: Gate, keyring_store: SecretStore, mode: str
) -> None:
    async with outside_app(gate.url, await gate.token("cursor", keyring_store), mode) as cursor:
        listed = (await cursor.ask("list"))["tools"]
        spy_tools = {tool.qualified_name: tool for tool in gate.manager.tools("spy")}
        assert sorted(tool["name"] for tool in listed) == sorted(spy_tools)
        for tool in listed:
            assert tool["description"] == spy_tools[tool["name"]].description
            assert tool["inputSchema"] == spy_tools[tool["name"]].input_schema

        gate.asker.will(allow(arguments={"text": "only the old ones"}))
        result = await cursor.call("spy__delete_note", text="everything")
        assert not result.get("isError"), result
        (seen,) = gate.spy.log.new()
        assert seen.arguments == {"text": "only the old ones"}, "exactly what the user allowed"
        question = gate.asker.asked[-1]
        assert question.context.app == "Cursor" and question.tool.qualified_name == "spy__delete_note"

        gate.asker.will(deny("Not from Cursor."))
        refused = await cursor.call("spy__delete_note", text="everything")
        assert refused["isError"] is True
        assert (
            "did not allow" in refused["content"][0]["text"]
            and "Not from Cursor." in refused["content"][0]["text"]
        )
        assert gate.spy.log.new() == []

    allowed, denied = (await gate.decisions())[-2:]
    assert (allowed.data["decision"], allowed.data["app"]) == ("allowed", "Cursor")
    assert allowed.data["arguments"] == {"text": "only the old ones"}
    assert (denied.data["decision"], denied.data["app"], denied.data["reason"]) == (
        "denied",
        "Cursor",
        "Not from Cursor.",
    )


async def test_the_app_leg_is_in_the_log_beside_the_server_leg(
    gate: Gate, keyring_store: SecretStore
) -> None:
    async with outside_app(gate.url, await gate.token("cursor", keyring_store), "legacy") as cursor:
        await cursor.call("spy__echo", text="both legs")
    entries = gate.recording.rpc_log.recent()
    app_leg = [e for e in entries if e.server == "gateway:cursor" and e.method == "tools/call"]
    server_leg = [e for e in entries if e.server == "spy" and e.method == "tools/call"]
    assert {e.direction for e in app_leg} == {Direction.IN, Direction.OUT}, "the request and its answer"
    assert any("both legs" in e.text for e in app_leg) and any("both legs" in e.text for e in server_leg)


async def test_another_apps_token_sees_and_calls_nothing_it_was_not_granted(
    gate: Gate, keyring_store: SecretStore
) -> None:
    async with outside_app(gate.url, await gate.token("claude", keyring_store), "legacy") as claude:
        names = await claude.names()
        assert names and all(name.startswith("other__") for name in names)
        before = len(await gate.decisions())
        result = await claude.call("spy__delete_note", text="everything")
        assert result["isError"] is True
        assert result["content"][0]["text"].startswith("There is no tool called “spy__delete_note” here.")
    assert gate.spy.log.new() == [] and gate.asker.asked == []
    assert len(await gate.decisions()) == before, "not even asked"


async def test_strangers_web_pages_and_rebound_names_are_turned_away(
    gate: Gate, keyring_store: SecretStore
) -> None:
    token = await gate.token("cursor", keyring_store)
    port = gate.url.split(":")[2].split("/")[0]
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "x", "version": "1"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    cases = [
        ({}, 401),
        ({"Authorization": "Bearer " + token[:-2] + "xx"}, 401),
        ({"Authorization": token}, 401),
        ({"Authorization": f"Bearer {token}", "Origin": "https://evil.example"}, 403),
        ({"Authorization": f"Bearer {token}", "Origin": "http://localhost.evil.example:" + port}, 403),
        ({"Authorization": f"Bearer {token}", "Host": f"evil.example:{port}"}, 403),
        ({"Authorization": f"Bearer {token}", "Host": "127.0.0.1:1"}, 403),
        ({"Authorization": f"Bearer {token}", "Origin": f"http://localhost:{port}"}, 200),
    ]
    async with httpx2.AsyncClient() as http:
        for headers, status in cases:
            response = await http.post(gate.url, json=initialize, headers={**accept, **headers})
            assert response.status_code == status, (headers, response.text)
            if status == 401:
                assert response.headers["www-authenticate"].startswith("Bearer")
            assert token not in response.text


async def test_the_token_is_in_no_file_and_not_in_the_log(
    gate: Gate, keyring_store: SecretStore, isolated_home: str, tmp_path: Path
) -> None:
    token = await gate.token("cursor", keyring_store)
    async with outside_app(gate.url, token, "legacy") as cursor:
        await cursor.call("spy__echo", text=f"pretend the model pasted {token}")
    for folder in (Path(isolated_home), tmp_path):
        for path in folder.rglob("*"):
            if path.is_file() and path != gate.spy.log.path:  # the spy server's own record of what it got
                assert token.encode() not in path.read_bytes(), path
    texts = [entry.text for entry in gate.recording.rpc_log.recent()]
    assert any("pretend the model pasted" in text for text in texts)
    assert not any(token in text for text in texts)


@pytest.mark.parametrize("mode", MODES)
async def test_the_app_hears_when_a_granted_server_starts_and_stops(
    gate: Gate, keyring_store: SecretStore, mode: str
) -> None:
    async with outside_app(gate.url, await gate.token("claude", keyring_store), mode) as claude:
        await gate.manager.stop("other")
        heard = await claude.heard_changes(0)
        assert await claude.names() == []
        await gate.manager.start("other")
        gate.spawned.note()
        await claude.heard_changes(heard)
        assert "other__echo" in await claude.names()


async def test_a_server_restart_fails_the_call_in_flight_and_the_session_goes_on(
    gate: Gate, keyring_store: SecretStore
) -> None:
    async with outside_app(gate.url, await gate.token("claude", keyring_store), "legacy") as claude:
        await claude.send("call", name="other__sleep", arguments={"seconds": 60})
        await _sent_to_server(gate, "other", "sleep")
        await gate.manager.restart("other")
        gate.spawned.note()
        answer = await claude.answer()
        assert answer["result"]["isError"] is True
        assert "stopped while working on the call" in answer["result"]["content"][0]["text"]
        result = await claude.call("other__echo", text="still here")
        assert result["content"][0]["text"] == "still here"


async def test_a_call_the_app_cancels_is_cancelled_at_the_server(
    gate: Gate, keyring_store: SecretStore
) -> None:
    async with outside_app(gate.url, await gate.token("claude", keyring_store), "legacy") as claude:
        await claude.send("call_then_cancel", name="other__sleep", arguments={"seconds": 60})
        await _sent_to_server(gate, "other", "sleep")
        assert await claude.ask("cancel") == {"cancelled": True}
        with anyio.fail_after(20):
            while not (  # noqa: ASYNC110 - nothing to wait on
                results := await gate.spy.trail.query(AuditFilter(kind=AuditKind.TOOL_RESULT, server="other"))
            ):
                await anyio.sleep(0.05)
        assert results[0].data["status"] == "cancelled"
        cancels = [e for e in gate.recording.rpc_log.recent() if e.method == "notifications/cancelled"]
        assert {(e.server, e.direction) for e in cancels} >= {
            ("gateway:claude", Direction.IN),
            ("other", Direction.OUT),
        }
        assert (await claude.call("other__echo", text="next"))["content"][0]["text"] == "next"


async def _sent_to_server(gate: Gate, server: str, tool: str) -> None:
    """Until the call to `tool` went out to `server` (its request is in the log)."""
    with anyio.fail_after(20):
        while not any(  # noqa: ASYNC110 - nothing to wait on
            e.server == server
            and e.direction is Direction.OUT
            and e.method == "tools/call"
            and f'"{tool}"' in e.text
            for e in gate.recording.rpc_log.recent()
        ):
            await anyio.sleep(0.02)


async def test_turning_it_off_closes_the_sessions_and_on_again_keeps_the_port(
    gate: Gate, keyring_store: SecretStore
) -> None:
    url = gate.url
    async with outside_app(url, await gate.token("claude", keyring_store), "legacy") as claude:
        assert gate.service.status().apps[0].connected or gate.service.status().apps[1].connected
        status = await gate.service.set_enabled(False)
        assert (status.enabled, status.url) == (False, None)
        assert not any(app.connected for app in status.apps)
        await claude.send("call", name="other__echo", arguments={"text": "gone?"})
        answer = await claude.answer_if_any()
        assert answer is None or "error" in answer, answer
    status = await gate.service.set_enabled(True)
    assert status.url == url and status.problem is None
    async with outside_app(url, await gate.token("claude", keyring_store), "legacy") as claude:
        assert (await claude.call("other__echo", text="back"))["content"][0]["text"] == "back"


async def test_a_port_taken_while_off_is_said_in_a_sentence(gate: Gate) -> None:
    port = int(gate.url.split(":")[2].split("/")[0])
    await gate.service.set_enabled(False)
    with _listening(port):
        status = await gate.service.set_enabled(True)
    assert status.enabled and status.url is None
    assert status.problem is not None and f"port {port}" in status.problem


@contextlib.contextmanager
def _listening(port: int) -> Iterator[None]:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen()
    try:
        yield
    finally:
        sock.close()


async def test_a_removed_app_is_shut_out_and_its_token_gone(gate: Gate, keyring_store: SecretStore) -> None:
    token = await gate.token("claude", keyring_store)
    async with outside_app(gate.url, token, "legacy") as claude:
        assert "other__echo" in await claude.names()
        await gate.service.remove_app("claude")
        await claude.send("list")
        answer = await claude.answer_if_any()
        assert answer is None or "error" in answer, answer
    assert keyring_store.get(token_secret("claude")) is None
    assert [app.app for app in gate.service.status().apps] == ["cursor"]
    async with httpx2.AsyncClient() as http:
        refused = await http.post(gate.url, json={}, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401


async def test_always_allow_answered_to_one_app_does_not_let_another_in(
    gate: Gate, keyring_store: SecretStore
) -> None:
    await gate.service.grant("cursor", ["spy", "other"])
    async with (
        outside_app(gate.url, await gate.token("cursor", keyring_store), "legacy") as cursor,
        outside_app(gate.url, await gate.token("claude", keyring_store), "legacy") as claude,
    ):
        gate.asker.will(allow(Choice.ALLOW_ALWAYS))
        assert (await cursor.call("other__echo", text="one"))["content"][0]["text"] == "one"
        assert (await cursor.call("other__echo", text="two"))["content"][0]["text"] == "two"
        assert len(gate.asker.asked) == 1, "Cursor's Always allow holds for Cursor"
        gate.asker.will(deny("Not Claude."))
        refused = await claude.call("other__echo", text="three")
        assert refused["isError"] is True and "Not Claude." in refused["content"][0]["text"]
        assert gate.asker.asked[-1].context.app == "Claude Desktop"
    (rule,) = gate.manager._consent.rules()
    assert (rule.app, rule.app_id) == ("Cursor", "cursor"), "kept for Cursor's id, shown by its name"
    decisions = [r.data for r in await gate.decisions()][-3:]
    assert [(d["app"], d["decision"], d["how"]) for d in decisions] == [
        ("Cursor", "allowed", "asked"),
        ("Cursor", "allowed", "remembered rule"),
        ("Claude Desktop", "denied", "asked"),
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_the_servers_progress_on_an_apps_call_reaches_the_app_that_asked_for_it(
    gate: Gate, keyring_store: SecretStore, mode: str
) -> None:
    await gate.manager.add("flood", fixture_server("flood"))
    await gate.manager.start("flood")
    gate.spawned.note()
    await gate.service.grant("claude", ["other", "flood"])
    async with outside_app(gate.url, await gate.token("claude", keyring_store), mode) as claude:
        answer = await claude.ask("call", name="flood__flood", arguments={"count": 5}, progress=True)
        assert answer["result"]["content"][0]["text"] == "5"
        with anyio.fail_after(20):
            while len(answer["progress"]) < 5:
                answer = await claude.ask("call", name="flood__flood", arguments={"count": 5}, progress=True)
        assert answer["progress"] == [[n, 5] for n in range(1, 6)]
        unasked = await claude.ask("call", name="flood__flood", arguments={"count": 3})
        assert unasked["progress"] == [], "no token, no progress"


async def test_a_servers_question_during_an_apps_call_is_answered_in_mcp_desks_own_dialog(
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    consent: ConsentGate,
    asker: ScriptedAsker,
    keyring_store: SecretStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    questions: list[ElicitationRequest] = []

    async def elicit(request: ElicitationRequest) -> ElicitationAnswer:
        questions.append(request)
        return ElicitationAnswer("accept", {"name": "Ada"})

    monkeypatch.setattr(asker, "elicit", elicit)
    requests = ServerRequests(asker, ConsentRules(tmp_path / "requests.json"), recording.audit)
    manager = manager_in(tmp_path / "desk", recording, bus, consent, requests)
    async with watched(manager) as spawned:
        await manager.add("asks_user", fixture_server("asks_user"))
        await manager.start("asks_user")
        spawned.note()
        service = GatewayService(
            manager._settings, manager, AppTokens(keyring_store, recording.redactor), recording.rpc_log
        )
        try:
            await service.set_enabled(True)
            await service.add_app("claude")
            await service.grant("claude", ["asks_user"])
            token = await anyio.to_thread.run_sync(keyring_store.get, token_secret("claude"))
            assert service.status().url and token
            async with outside_app(service.status().url or "", token, "legacy") as claude:
                result = await claude.call("asks_user__ask_form", message="Who is asking?")
        finally:
            await service.close()
    assert json.loads(result["content"][0]["text"]) == {"action": "accept", "content": {"name": "Ada"}}, (
        result
    )
    (question,) = questions
    assert (question.server, question.message) == ("asks_user", "Who is asking?")
    app_leg = [e.method for e in recording.rpc_log.recent() if e.server == "gateway:claude"]
    assert "elicitation/create" not in app_leg, "the app was not asked: the user answered in MCP Desk"
