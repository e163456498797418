"""The JSON-RPC log against real servers: what it holds is what crossed the wire."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord
from desktop.core.config import ServerConfig
from desktop.core.consent import CallContext
from desktop.core.events import ServerState, ServerStatusChanged
from desktop.core.redact import MASK
from desktop.core.rpc_log import Direction, EntryKind, Flag, RpcEntry
from desktop.servers.manager import Recording, ServerManager
from tests.e2e.conftest import ASKED, Recorder, ScriptedAsker, Spawned, deny, fixture_server
from tests.fixtures.oauth_server import OAuthFixture
from tests.fixtures.servers.paths import server_path

pytestmark = pytest.mark.anyio

World = tuple[ServerManager, Recorder, Spawned]


def entries_of(recording: Recording, server: str) -> list[RpcEntry]:
    return [entry for entry in recording.rpc_log.recent() if entry.server == server]


async def entries_when(recording: Recording, server: str, seen: Callable[[RpcEntry], bool]) -> list[RpcEntry]:
    """The server's entries once one matching `seen` is there (the writer task may still be on it)."""
    with anyio.fail_after(10):
        while not any(seen(e) for e in entries_of(recording, server)):  # noqa: ASYNC110 - nothing to wait on
            await anyio.sleep(0.01)
    return entries_of(recording, server)


def one(entries: list[RpcEntry], **fields: object) -> RpcEntry:
    found = [e for e in entries if all(getattr(e, name) == value for name, value in fields.items())]
    assert len(found) == 1, f"expected one entry with {fields}, found {found}"
    return found[0]


async def test_the_log_holds_exactly_what_crossed_stdio(
    world: World, recording: Recording, tmp_path: Path
) -> None:
    manager, _, _ = world
    wire = tmp_path / "wire"
    wire.mkdir()
    teed = ServerConfig(
        command=sys.executable,
        args=[str(server_path("tee")), str(wire), "--", sys.executable, str(server_path("well_behaved"))],
    )
    await manager.add("teed", teed.model_copy(update={"trusted_launch": teed.launch_hash()}))
    assert (await manager.start("teed")).state is ServerState.RUNNING
    outcome = await manager.call_tool("teed__echo", {"text": "hello wire"}, ASKED)
    await manager.stop("teed")

    entries = entries_of(recording, "teed")
    sent = [e.text for e in entries if e.direction is Direction.OUT]
    received = [e.text for e in entries if e.direction is Direction.IN and e.kind is not EntryKind.STDERR]
    assert sent == (wire / "to_server.bin").read_text().splitlines()
    assert received == (wire / "from_server.bin").read_text().splitlines()
    assert all(e.size == len(e.text.encode()) for e in entries if e.direction is not Direction.EVENT)
    assert "well_behaved ready" in [e.text for e in entries if e.kind is EntryKind.STDERR]

    request = one(entries, kind=EntryKind.REQUEST, method="tools/call")
    assert request.rpc_id == outcome.rpc_id and request.direction is Direction.OUT
    response = one(entries, kind=EntryKind.RESPONSE, pair=request.seq)
    assert response.method == "tools/call" and response.rpc_id == request.rpc_id
    assert response.latency_ms is not None and response.latency_ms >= 0
    discover = one(entries, kind=EntryKind.REQUEST, method="server/discover")
    assert one(entries, kind=EntryKind.RESPONSE, pair=discover.seq).method == "server/discover"
    listen = one(entries, kind=EntryKind.REQUEST, method="subscriptions/listen")
    assert one(entries, kind=EntryKind.ERROR, pair=listen.seq).is_problem, "ended by the stop"
    events = [e.text for e in entries if e.kind is EntryKind.LIFECYCLE]
    assert events[0] == "Starting." and events[1].startswith("Running (process") and events[-1] == "Stopped."


async def test_junk_and_stderr_are_their_own_kinds(world: World, recording: Recording) -> None:
    manager, _, _ = world
    await manager.add("junky", fixture_server("junk_stdout"))
    await manager.start("junky")
    await manager.call_tool("junky__junk", {"lines": 3}, ASKED)
    junk = [e for e in entries_of(recording, "junky") if e.kind is EntryKind.JUNK]
    assert {"Loading plugins...", '{"oops":'} <= {e.text for e in junk}
    assert len(junk) >= 4 + 3
    assert all(e.is_problem and e.direction is Direction.IN for e in junk)


async def test_a_flood_of_log_messages_is_logged_whole_and_in_order(
    world: World, recording: Recording
) -> None:
    """The session is spared log messages (nothing behind it listens); the log still gets each one."""
    manager, _, _ = world
    await manager.add("chatty", fixture_server("log_flood"))
    await manager.start("chatty")
    outcome = await manager.call_tool("chatty__burst", {"count": 3000}, ASKED)
    assert outcome.ok and "3000" in outcome.text
    logged = [e for e in entries_of(recording, "chatty") if e.method == "notifications/message"]
    assert [json.loads(e.text)["params"]["data"] for e in logged] == [
        f"notification {n} of 3000" for n in range(3000)
    ]
    assert all(e.kind is EntryKind.NOTIFICATION and e.direction is Direction.IN for e in logged)
    assert (await manager.call_tool("chatty__echo", {"text": "still here"}, ASKED)).text == "still here"


async def test_a_timed_out_call_is_marked_with_its_cancellation(world: World, recording: Recording) -> None:
    manager, _, _ = world
    await manager.add("slow", fixture_server("well_behaved", request_timeout=0.5))
    await manager.start("slow")
    outcome = await manager.call_tool("slow__sleep", {"seconds": 30}, ASKED)
    assert not outcome.ok
    entries = await entries_when(recording, "slow", lambda e: e.method == "notifications/cancelled")
    request = one(entries, kind=EntryKind.REQUEST, method="tools/call")
    cancel = one(entries, kind=EntryKind.NOTIFICATION, method="notifications/cancelled")
    assert cancel.pair == request.seq and cancel.flags == (Flag.TIMEOUT,) and cancel.is_problem
    results = await audited(recording, AuditKind.TOOL_RESULT)
    assert results[-1].data["status"] == "timed out" and results[-1].data["rpc_id"] == request.rpc_id


async def test_crashes_and_restarts_are_lifecycle_entries(world: World, recording: Recording) -> None:
    manager, recorder, _ = world
    await manager.add("crashy", fixture_server("crash_mid_call"))
    await manager.start("crashy")
    await manager.call_tool("crashy__boom", {}, ASKED)
    await recorder.wait_for(
        lambda e: (
            isinstance(e, ServerStatusChanged)
            and e.status.state is ServerState.RUNNING
            and e.status.restarts == 1
        )
    )
    events = [e.text for e in entries_of(recording, "crashy") if e.kind is EntryKind.LIFECYCLE]
    assert any("stopped unexpectedly (exit code 7)" in text for text in events)
    assert "Restarting (attempt 2)." in events


async def test_streamable_http_is_tapped_too(
    world: World, recording: Recording, http_fixture_url: str
) -> None:
    manager, _, _ = world
    config = ServerConfig(url=http_fixture_url, headers={"Authorization": "Bearer http-canary-token"})
    await manager.add("remote", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    assert (await manager.start("remote")).state is ServerState.RUNNING
    outcome = await manager.call_tool("remote__echo", {"text": "over http"}, ASKED)
    entries = entries_of(recording, "remote")
    tools_list = one(entries, kind=EntryKind.REQUEST, method="tools/list")
    assert one(entries, kind=EntryKind.RESPONSE, pair=tools_list.seq).direction is Direction.IN
    request = one(entries, kind=EntryKind.REQUEST, method="tools/call")
    assert request.rpc_id == outcome.rpc_id and '"over http"' in request.text
    response = one(entries, kind=EntryKind.RESPONSE, pair=request.seq)
    assert "over http" in response.text and response.method == "tools/call"
    assert recording.redactor.mask("Bearer http-canary-token") == MASK


async def test_secret_values_never_reach_the_log_or_the_audit(
    world: World, recording: Recording, tmp_path: Path
) -> None:
    manager, _, _ = world
    canary = "canary-5f3a9c1e-secret"
    await manager.add("leaky", fixture_server("well_behaved", env={"API_TOKEN": canary}))
    await manager.start("leaky")
    outcome = await manager.call_tool("leaky__echo", {"text": f"the token is {canary}"}, ASKED)
    assert canary in outcome.text, "the caller still gets the real answer"
    texts = [e.text for e in entries_of(recording, "leaky")]
    assert not [t for t in texts if canary in t]
    assert any(MASK in t for t in texts)
    calls = await audited(recording, AuditKind.TOOL_CALL)
    assert calls[-1].data["arguments"] == {"text": f"the token is {MASK}"}
    written_by_the_log_or_audit = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "config.json"]
    for path in written_by_the_log_or_audit:
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), f"the secret is in {path}"


async def test_the_decision_is_audited_before_the_request_and_the_result_after(
    world: World, recording: Recording, asker: ScriptedAsker
) -> None:
    manager, _, _ = world
    await manager.add("echo", fixture_server("well_behaved"))
    await manager.start("echo")
    in_chat = CallContext("chat", "chat-1", "Sums")
    outcome = await manager.call_tool("echo__add", {"a": 2, "b": 3}, in_chat)
    asker.will(deny("not now"))
    refused = await manager.call_tool("echo__echo", {"text": "no"}, ASKED)

    calls = await audited(recording, AuditKind.TOOL_CALL)
    allowed, denied = calls[-2], calls[-1]
    assert allowed.seq == outcome.audit_seq and denied.seq == refused.audit_seq
    assert allowed.data | {"tool_hash": ""} == {
        "server": "echo",
        "tool": "add",
        "tool_hash": "",
        "arguments": {"a": 2, "b": 3},
        "decision": "allowed",
        "choice": "allow once",
        "how": "asked",
        "origin": "chat",
        "chat": "chat-1",
    }
    assert (
        allowed.data["tool_hash"] == next(t for t in manager.tools("echo") if t.name == "add").definition_hash
    )
    assert denied.data["decision"] == "denied" and denied.data["reason"] == "not now"
    assert refused.denied and "not now" in refused.text
    result = (await audited(recording, AuditKind.TOOL_RESULT))[-1]
    assert result.data["call"] == allowed.seq and result.data["status"] == "ok"
    assert result.data["rpc_id"] == outcome.rpc_id and len(result.data["result_sha256"]) == 64

    entries = entries_of(recording, "echo")
    request = one(entries, kind=EntryKind.REQUEST, method="tools/call")
    assert allowed.time <= request.time <= result.time
    assert '"no"' not in "".join(e.text for e in entries), "a denied call sends nothing"
    assert isinstance(recording.audit, AuditTrail) and (await recording.audit.verify()).ok


async def audited(recording: Recording, kind: AuditKind) -> list[AuditRecord]:
    trail = recording.audit
    assert isinstance(trail, AuditTrail)
    return await trail.query(AuditFilter(kind=kind))


async def test_a_refused_token_is_logged_as_an_http_401_with_its_error_not_as_junk(
    world: World, recording: Recording, oauth_server: OAuthFixture
) -> None:
    manager, _, _ = world
    config = ServerConfig(url=oauth_server.url, headers={"Authorization": "Bearer not-a-real-token"})
    await manager.add("remote", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    assert (await manager.start("remote")).state is ServerState.FAILED
    entries = entries_of(recording, "remote")
    assert not [e for e in entries if e.kind is EntryKind.JUNK]
    refused = [e for e in entries if e.kind is EntryKind.HTTP]
    assert refused, "each 401 is logged"
    for answer in refused:
        assert answer.text.startswith("HTTP 401 Unauthorized: invalid_token (") and not answer.is_problem
        assert "WWW-Authenticate: Bearer" in answer.text
    assert all("not-a-real-token" not in e.to_json() for e in entries)
