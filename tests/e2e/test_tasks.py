"""A server that runs a tool as a task, for real, on both revisions: the 2026-07-28
`io.modelcontextprotocol/tasks` extension (`tasks_2026`) and 2025-11-25's experimental tasks
(`tasks_2025`). The call is one audited call that polls `tasks/get` at the server's interval, its
status messages reach the caller, Stop sends `tasks/cancel`, and the chat's card gets the result.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.core.consent import CallContext, ConsentGate, ElicitationAnswer
from desktop.core.consent_rules import ConsentRules
from desktop.core.events import EventBus
from desktop.core.rpc_log import EntryKind
from desktop.llm.chat.control import CallStatus, Role, ToolCard
from desktop.llm.chat.task_resume import RESUMED
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.server_requests import ServerRequests
from tests.e2e.conftest import Recorder, fixture_server, manager_in, watched
from tests.e2e.test_long_calls import (
    Files,
    Patience,
    Progress,
    _card,
    _card_is,
    _chat,
    _idle,
    _told_cancelled,
)
from tests.e2e.test_server_requests import DeskUser
from tests.unit.llm.chat.chat_doubles import call

pytestmark = pytest.mark.anyio


REVISIONS = {"tasks_2026": "2026-07-28", "tasks_2025": "2025-11-25"}
ANSWERED_WITH = {"tasks_2026": "tasks/update", "tasks_2025": "tasks/result"}
"""How the answer to a task's question goes back: with `tasks/update` on 2026, on 2025 as the
answer to the server's own request while `tasks/result` is open."""


@pytest.fixture
def user() -> DeskUser:
    return DeskUser()


@pytest.fixture(params=list(REVISIONS))
def server(request: pytest.FixtureRequest) -> str:
    """The fixture server, one per protocol revision."""
    return str(request.param)


@pytest.fixture
async def tasks(
    tmp_path: Path, recording: Recording, bus: EventBus, consent: ConsentGate, user: DeskUser, server: str
) -> AsyncIterator[tuple[ServerManager, Files]]:
    """The `server`, its questions put to `user` through the real `ServerRequests`."""
    files = Files(tmp_path)
    env = {"FIXTURE_RELEASE_FILE": str(files.release), "FIXTURE_CANCELLED_FILE": str(files.cancelled)}
    requests = ServerRequests(user, ConsentRules(tmp_path / "rules.json"), recording.audit)
    manager = manager_in(tmp_path, recording, bus, consent, requests)
    async with watched(manager) as spawned:
        await manager.add("lab", fixture_server(server, env=env))
        status = await manager.start("lab")
        spawned.note()
        assert status.reason == "", (status.reason, status.details)
        assert manager._supervisors["lab"].client.protocol_version == REVISIONS[server]
        yield manager, files


def _sent(recording: Recording, method: str) -> int:
    return sum(e.kind is EntryKind.REQUEST and e.method == method for e in recording.rpc_log.recent())


async def _statuses(recording: Recording) -> list[str]:
    records = await recording.audit.query(AuditFilter(kind=AuditKind.TOOL_RESULT))
    return [r.data["status"] for r in records]


async def test_a_task_is_polled_until_done_and_its_result_is_the_calls(tasks, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    manager, _files = tasks
    progress = Progress()
    outcome = await manager.call_tool(
        "lab__research", {"steps": 3}, CallContext(origin="test", progress=progress)
    )
    assert outcome.ok and outcome.text == "Researched in 3 steps"
    assert "Step 3 of 3" in {message for _, _, message in progress.seen}
    assert _sent(recording, "tasks/get") >= 3
    assert await _statuses(recording) == ["ok"]


async def test_a_failed_task_is_a_failed_call_in_words(tasks, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    manager, _files = tasks
    outcome = await manager.call_tool("lab__research", {"steps": 1, "fail": True}, CallContext(origin="test"))
    assert not outcome.ok and "the library was closed" in outcome.text
    assert await _statuses(recording) == ["failed"]


@pytest.mark.parametrize(
    ("answer", "result"), [("accept", "Report “Owls” researched"), ("decline", "Report researched")]
)
async def test_a_tasks_question_goes_through_the_form_dialog_and_back_to_the_task(  # type: ignore[no-untyped-def]
    tasks, recording: Recording, user: DeskUser, answer: str, result: str, server: str
) -> None:
    manager, _files = tasks
    user.form_answer = ElicitationAnswer(answer, {"title": "Owls"} if answer == "accept" else None)
    outcome = await manager.call_tool("lab__research", {"steps": 1, "ask": True}, CallContext(origin="test"))
    assert outcome.ok and outcome.text == f"{result} in 1 steps"
    (asked,) = user.elicited
    assert asked.server == "lab" and asked.message == "What should the report be called?"
    assert _sent(recording, ANSWERED_WITH[server]) == 1
    assert await _statuses(recording) == ["ok"]


async def test_stop_cancels_the_task_on_the_server(tasks, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    manager, files = tasks
    sup = manager._supervisors["lab"]
    sup.config = sup.config.model_copy(update={"request_timeout": 0.5})
    context = CallContext(origin="test", patience=Patience(False))
    outcome = await manager.call_tool("lab__research", {"steps": 1, "hold": True}, context)
    assert outcome.stopped
    await _told_cancelled(files)
    assert _sent(recording, "tasks/cancel") == 1
    assert await _statuses(recording) == ["stopped"]


async def test_the_chats_card_follows_the_task_and_gets_its_result(  # type: ignore[no-untyped-def]
    tasks, bus: EventBus, recorder: Recorder, tmp_path: Path
) -> None:
    manager, _files = tasks
    chats, _backend = _chat(manager, bus, tmp_path, call("lab__research", {"steps": 3}, "c1"))
    chat = await chats.create()
    await chats.send(chat.id, "look it up")
    with anyio.fail_after(30):
        shown = await recorder.wait_for(
            _card_is(lambda card: card.progress is not None and card.progress.message.startswith("Step"))
        )
    assert shown.message.cards[0].status is CallStatus.RUNNING  # type: ignore[attr-defined]
    await _idle(recorder, chat.id)
    card = await _card(chats, chat.id)
    assert card.status is CallStatus.DONE and card.result == "Researched in 3 steps"


@pytest.mark.parametrize("cancel", [False, True])
async def test_a_task_left_running_when_mcp_desk_closed_is_followed_at_the_next_start(
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    consent: ConsentGate,
    recorder: Recorder,
    cancel: bool,
    server: str,
) -> None:
    """Followed to its end; or cancelled from its card once followed again (`cancel`)."""
    steps = 400 if cancel else 20
    files = Files(tmp_path)
    env = {"FIXTURE_CANCELLED_FILE": str(files.cancelled), "FIXTURE_TASKS_FILE": str(tmp_path / "tasks.json")}
    config = fixture_server(server, env=env)
    first_run, next_run = tmp_path / "first", tmp_path / "next"
    first_run.mkdir()
    next_run.mkdir()
    first = manager_in(first_run, recording, bus, consent)
    async with watched(first) as spawned:
        await first.add("lab", config)
        await first.start("lab")
        spawned.note()
        chats, _backend = _chat(first, bus, tmp_path, call("lab__research", {"steps": steps}, "c1"))
        chat = await chats.create()
        await chats.send(chat.id, "look it up")
        with anyio.fail_after(30):
            await recorder.wait_for(_card_is(lambda card: bool(card.task_id)))
        chats.close()

    again = manager_in(next_run, recording, bus, consent)
    reopened, _backend = _chat(again, bus, tmp_path)
    bus.subscribe(reopened.on_event)
    async with watched(again) as spawned:
        await again.add("lab", config)
        await again.start("lab")
        spawned.note()
        with anyio.fail_after(30):
            await recorder.wait_for(
                _card_is(lambda card: card.progress is not None and card.progress.message.startswith(RESUMED))
            )
        if cancel:  # the server's start had it followed again: Cancel reaches that
            await reopened.answer_slow_call(chat.id, "c1", False)
        ended = CallStatus.STOPPED if cancel else CallStatus.DONE
        with anyio.fail_after(30):
            await recorder.wait_for(_card_is(lambda card: card.status is ended))
        messages = await reopened.messages(chat.id)
        card = await _card(reopened, chat.id)
        (answer,) = [m for m in messages if m.role is Role.TOOL]
        if cancel:
            assert answer.text == "The user stopped the call before the server answered."
            await _told_cancelled(files)
        else:
            assert card.result == "Researched in 20 steps" and card.task_id
            assert answer.tool_call_id == "c1" and answer.text == "Researched in 20 steps"
            assert not files.cancelled.exists(), "closing MCP Desk must not cancel the task"
        reopened.close()
    results = await recording.audit.query(AuditFilter(kind=AuditKind.TOOL_RESULT))
    (decision,) = await recording.audit.query(AuditFilter(kind=AuditKind.TOOL_CALL))
    # One decision, one result: closing MCP Desk left the task running and wrote no result for it.
    assert [r.data["status"] for r in results] == ["cancelled" if cancel else "ok"]
    assert {r.data["call"] for r in results} == {decision.seq}


async def test_cancel_on_the_chats_task_card_cancels_the_task_at_once(  # type: ignore[no-untyped-def]
    tasks, bus: EventBus, recorder: Recorder, tmp_path: Path, recording: Recording
) -> None:
    manager, files = tasks
    chats, _backend = _chat(manager, bus, tmp_path, call("lab__research", {"steps": 1, "hold": True}, "c1"))
    chat = await chats.create()
    await chats.send(chat.id, "look it up")
    with anyio.fail_after(30):
        await recorder.wait_for(_card_is(lambda card: bool(card.task_id)))
    await chats.answer_slow_call(chat.id, "c1", False)
    await _idle(recorder, chat.id)
    card = await _card(chats, chat.id)
    assert card.status is CallStatus.STOPPED
    await _told_cancelled(files)
    assert _sent(recording, "tasks/cancel") == 1
    assert await _statuses(recording) == ["stopped"]


@pytest.mark.parametrize("server", ["tasks_2025"])
async def test_an_optional_task_is_one_only_for_a_caller_that_follows_tasks(  # type: ignore[no-untyped-def]
    tasks, recording: Recording
) -> None:
    """2025-11-25's "optional": the chat (which follows progress and keeps tasks) gets a task, a
    caller that would not see it get the plain call."""
    manager, _files = tasks
    plain = await manager.call_tool("lab__survey", {"steps": 1}, CallContext(origin="test"))
    assert plain.ok and plain.text == "Researched at once"
    assert _sent(recording, "tasks/get") == 0
    followed = CallContext(origin="test", progress=Progress())
    outcome = await manager.call_tool("lab__survey", {"steps": 1}, followed)
    assert outcome.ok and outcome.text == "Researched in 1 steps"
    assert _sent(recording, "tasks/get") >= 1


def _says(card: ToolCard, words: str) -> bool:
    return card.progress is not None and card.progress.message.startswith(words)


async def test_the_reference_servers_research_task_asks_through_the_dialog_and_completes_in_the_chat(
    everything_server: list[str],
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    consent: ConsentGate,
    recorder: Recorder,
    user: DeskUser,
) -> None:
    """npm's `server-everything` (2025-11-25): `simulate-research-query` requires a task; an ambiguous
    topic makes it ask which one is meant, through the dialog, while `tasks/result` is open."""
    user.form_answer = ElicitationAnswer("accept", {"interpretation": "historical"})
    requests = ServerRequests(user, ConsentRules(tmp_path / "rules.json"), recording.audit)
    manager = manager_in(tmp_path, recording, bus, consent, requests)
    command, *args = everything_server
    config = ServerConfig(command=command, args=args)
    async with watched(manager) as spawned:
        await manager.add("all", config.model_copy(update={"trusted_launch": config.launch_hash()}))
        await manager.start("all")
        spawned.note()
        research = call("all__simulate-research-query", {"topic": "owls", "ambiguous": True}, "c1")
        chats, _backend = _chat(manager, bus, tmp_path, research)
        chat = await chats.create()
        await chats.send(chat.id, "research owls")
        with anyio.fail_after(30):
            await recorder.wait_for(_card_is(lambda card: bool(card.task_id)))
            await recorder.wait_for(_card_is(lambda card: _says(card, "Gathering sources")))
            # The polling goes on while `tasks/result` is open for the question, so the card follows.
            await recorder.wait_for(_card_is(lambda card: _says(card, "Continuing with interpretation")))
        await _idle(recorder, chat.id)
        card = await _card(chats, chat.id)
        chats.close()
    assert card.status is CallStatus.DONE, card.result
    assert card.result.startswith("# Research Report: owls (historical)")
    (asked,) = user.elicited
    assert asked.server == "all" and "owls" in asked.message
    assert _sent(recording, "tasks/result") == 1
    assert await _statuses(recording) == ["ok"]
