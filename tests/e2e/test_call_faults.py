"""Whatever happens to an allowed call, it ends in exactly one result record and a sentence.

Real servers answer wrongly (a result without `resultType`, a garbled result, structured output
that breaks the tool's own schema), die in the middle of a call, go away before it, or hang until
the caller gives up. None of it escapes `call_tool` as an exception, except a cancellation, which
is recorded as cancelled and goes on.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord
from desktop.core.config import ServerConfig
from desktop.core.events import EventBus, ServerState
from desktop.core.rpc_log import EntryKind
from desktop.llm.backends.backend import Completion
from desktop.llm.chat.control import CallStatus, ChatTurnChanged, Role
from desktop.llm.chat.service import ChatBackends, ChatService
from desktop.llm.chat.store import ChatStore
from desktop.servers.control import ToolCallOutcome
from desktop.servers.manager import Recording, ServerManager
from tests.e2e.conftest import ASKED, Recorder, Spawned, fixture_server, http_fixture
from tests.unit.llm.chat.chat_doubles import FakeModels, ScriptedBackend, call
from tests.unit.llm.chat.chat_world import Forgetter, Keeper

pytestmark = pytest.mark.anyio


async def _results(recording: Recording) -> list[AuditRecord]:
    return await recording.audit.query(AuditFilter(kind=AuditKind.TOOL_RESULT))  # type: ignore[attr-defined,no-any-return]


async def _one_record_for(recording: Recording, outcome: ToolCallOutcome) -> AuditRecord:
    """The one result record of the call `outcome` ended, pointing at its decision."""
    (record,) = [r for r in await _results(recording) if r.data["call"] == outcome.audit_seq]
    return record


async def _running(world: tuple[ServerManager, Recorder, Spawned], name: str, fixture: str) -> ServerManager:
    """The world's manager with the fixture server `fixture` added as `name` and started."""
    manager, _events, spawned = world
    await manager.add(name, fixture_server(fixture))
    await manager.start(name)
    spawned.note()
    return manager


@pytest.fixture
async def faulty(world) -> ServerManager:  # type: ignore[no-untyped-def]
    return await _running(world, "faulty", "faulty_results")


async def test_a_2026_result_without_result_type_is_a_complete_result(
    faulty: ServerManager, recording: Recording
) -> None:
    assert faulty._supervisors["faulty"].client.protocol_version == "2026-07-28"
    outcome = await faulty.call_tool("faulty__bare", {"text": "all there"}, ASKED)
    assert outcome.ok and outcome.text == "all there"
    assert (await _one_record_for(recording, outcome)).data["status"] == "ok"


async def test_over_http_too(world, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    """Streamable HTTP: a result without `resultType` is complete, a garbled one a failed call."""
    manager, _events, _spawned = world
    with http_fixture("--faulty") as url:
        config = ServerConfig(url=url)
        await manager.add("remote", config.model_copy(update={"trusted_launch": config.launch_hash()}))
        status = await manager.start("remote")
        assert status.state is ServerState.RUNNING, (status.reason, status.details)
        bare = await manager.call_tool("remote__bare", {"text": "over http"}, ASKED)
        garbled = await manager.call_tool("remote__garbled", {}, ASKED)
        await manager.stop("remote")
    assert bare.ok and bare.text == "over http"
    assert not garbled.ok and "not a valid MCP result" in garbled.text
    assert [(await _one_record_for(recording, o)).data["status"] for o in (bare, garbled)] == ["ok", "failed"]


@pytest.mark.parametrize(
    ("tool", "sentence", "detail"),
    [
        ("garbled", "not a valid MCP result", "ValidationError"),
        ("off_schema", "'many' is not of type 'integer'", "RuntimeError"),
    ],
    ids=["bad input: content not a list", "bad input: structured content off its schema"],
)
async def test_a_result_that_cannot_be_read_is_a_failed_call_in_words(
    faulty: ServerManager, recording: Recording, tool: str, sentence: str, detail: str
) -> None:
    outcome = await faulty.call_tool(f"faulty__{tool}", {}, ASKED)
    assert not outcome.ok and sentence in outcome.text
    assert "Traceback" not in outcome.text and outcome.details.startswith(detail)
    record = await _one_record_for(recording, outcome)
    assert record.data["status"] == "failed" and record.data["error"] == outcome.text
    assert (await faulty.call_tool("faulty__echo", {"text": "still fine"}, ASKED)).text == "still fine"


async def test_the_chat_tells_the_model_the_tool_failed_and_goes_on(  # type: ignore[no-untyped-def]
    world, faulty: ServerManager, bus: EventBus, tmp_path
) -> None:
    _manager, recorder, _spawned = world
    backend = ScriptedBackend(call("faulty__garbled", {}, "c1"), Completion("The tool is broken, sorry."))
    backends = ChatBackends(backend, Keeper(), None, FakeModels())
    chats = ChatService(ChatStore(tmp_path / "chats.db"), faulty, Forgetter(), bus, backends)
    chat = await chats.create()
    await chats.send(chat.id, "use the garbled tool")
    await _idle(recorder, chat.id)
    messages = await chats.messages(chat.id)
    assert [m.role for m in messages] == [Role.USER, Role.ASSISTANT, Role.TOOL, Role.ASSISTANT]
    assert messages[1].cards[0].status is CallStatus.FAILED
    told = backend.seen[1].messages[-1]
    assert told["role"] == "tool" and told["content"].startswith("The tool call failed:")
    assert messages[-1].text == "The tool is broken, sorry."


async def _idle(recorder: Recorder, chat_id: str) -> None:
    await recorder.wait_for(lambda e: isinstance(e, ChatTurnChanged) and e.chat_id == chat_id and not e.busy)


async def test_a_server_dying_mid_call_leaves_one_result_record(world, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    manager = await _running(world, "crashy", "crash_mid_call")
    outcome = await manager.call_tool("crashy__boom", {}, ASKED)
    assert not outcome.ok and "stopped while working" in outcome.text
    assert (await _one_record_for(recording, outcome)).data["status"] == "failed"


async def test_a_call_to_a_server_that_went_away_is_recorded_and_told(world, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    manager = await _running(world, "gone", "well_behaved")
    await manager.stop("gone")
    outcome = await manager.call_tool("gone__echo", {"text": "anyone?"}, ASKED)
    assert not outcome.ok and "“gone” is not running. Start it first." in outcome.text
    assert (await _one_record_for(recording, outcome)).data["status"] == "failed"


async def test_a_hanging_call_its_caller_cancels_is_recorded_so(world, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    manager = await _running(world, "slow", "well_behaved")
    cancelled = False
    async with anyio.create_task_group() as tasks:

        async def call() -> None:
            nonlocal cancelled
            try:
                await manager.call_tool("slow__sleep", {"seconds": 600}, ASKED)
            except anyio.get_cancelled_exc_class():
                cancelled = True
                raise

        tasks.start_soon(call)
        await _until(lambda: _requests(recording, "tools/call") == 1)
        tasks.cancel_scope.cancel()
    assert cancelled, "the cancellation went on to the caller"
    (record,) = await _results(recording)
    assert record.data["status"] == "cancelled"
    assert record.data["error"] == "The call was stopped before the server answered."
    assert (await manager.call_tool("slow__echo", {"text": "next"}, ASKED)).ok


def _requests(recording: Recording, method: str) -> int:
    return sum(e.kind is EntryKind.REQUEST and e.method == method for e in recording.rpc_log.recent())


async def _until(condition: Callable[[], bool]) -> None:
    """Look again at each turn of the loop (the log has no event to wait on here)."""
    with anyio.fail_after(30):
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(0.01)
