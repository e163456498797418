"""Long tool calls against a real server process, on both protocol revisions: the server's progress
reaches the caller and the chat's card, and a call past its timeout waits for the user's word
instead of failing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import pytest

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.core.consent import CallContext, ConsentGate
from desktop.core.events import EventBus
from desktop.llm.backends.backend import Completion
from desktop.llm.chat.cards import STOPPED_HERE
from desktop.llm.chat.control import CallStatus, ChatMessageChanged, ChatTurnChanged, ToolCard
from desktop.llm.chat.service import ChatBackends, ChatService
from desktop.llm.chat.store import ChatStore
from desktop.llm.chat.turn import STOPPED_RUN
from desktop.servers.control import ToolCallOutcome
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.revisions import Revisions
from tests.e2e.conftest import Recorder, fixture_server, manager_in, watched
from tests.unit.llm.chat.chat_doubles import FakeModels, ScriptedBackend, call
from tests.unit.llm.chat.chat_world import Forgetter, Keeper

pytestmark = pytest.mark.anyio

REVISIONS = ("2025-11-25", "2026-07-28")
TIMEOUT = 0.5


class Files:
    def __init__(self, folder: Path) -> None:
        self.release = folder / "release"
        self.cancelled = folder / "cancelled"


@pytest.fixture(params=REVISIONS)
async def slow(
    request: pytest.FixtureRequest, tmp_path: Path, recording: Recording, bus: EventBus, consent: ConsentGate
) -> AsyncIterator[tuple[ServerManager, Files]]:
    """The slow_work server, started on the revision asked for, its calls given a short timeout."""
    files = Files(tmp_path)
    env = {"FIXTURE_RELEASE_FILE": str(files.release), "FIXTURE_CANCELLED_FILE": str(files.cancelled)}
    config = fixture_server("slow_work", env=env)
    revisions = Revisions(tmp_path / "protocol-revisions.json")
    if request.param == "2025-11-25":
        revisions.remember("slow", config, "2025-11-25")
    manager = manager_in(tmp_path, recording, bus, consent, revisions=revisions)
    async with watched(manager) as spawned:
        await manager.add("slow", config)
        status = await manager.start("slow")
        spawned.note()
        assert status.reason == "", (status.reason, status.details)
        sup = manager._supervisors["slow"]
        assert sup.client.protocol_version == request.param
        # Short for the calls only: the same timeout bounds the handshake, which a busy machine may need.
        sup.config = sup.config.model_copy(update={"request_timeout": TIMEOUT})
        yield manager, files


class Progress:
    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))


class Patience:
    """The user at the card: each answer in turn, and a file made before answering, where given."""

    def __init__(self, *answers: bool, touch: Path | None = None) -> None:
        self.answers = list(answers)
        self.touch = touch
        self.asked: list[float] = []
        self.sent_at: list[float] = []

    def sent(self) -> None:
        self.sent_at.append(time.monotonic())

    async def stopped(self) -> None:
        await anyio.sleep_forever()

    async def ask(self, waited_s: float) -> bool:
        self.asked.append(waited_s)
        if self.touch is not None:
            self.touch.write_text("go", encoding="utf-8")
        return self.answers.pop(0) if self.answers else True


async def _told_cancelled(files: Files) -> None:
    """The server heard `notifications/cancelled`: its cancelled tool wrote so."""
    with anyio.fail_after(10):
        while not files.cancelled.exists():  # noqa: ASYNC110 - a file another process writes
            await anyio.sleep(0.05)


async def _result_record(recording: Recording, outcome: ToolCallOutcome) -> dict[str, object]:
    records = await recording.audit.query(AuditFilter(kind=AuditKind.TOOL_RESULT))
    (record,) = [r for r in records if r.data["call"] == outcome.audit_seq]
    return record.data


async def test_the_servers_progress_reaches_the_caller_with_its_message(slow) -> None:  # type: ignore[no-untyped-def]
    manager, _files = slow
    progress = Progress()
    outcome = await manager.call_tool(
        "slow__count_up", {"steps": 3}, CallContext(origin="test", progress=progress)
    )
    assert outcome.ok and outcome.text == "Counted to 3"
    assert progress.seen == [(n, 3, f"Step {n} of 3") for n in (1, 2, 3)]


async def test_progress_without_a_total_says_so(slow) -> None:  # type: ignore[no-untyped-def]
    manager, _files = slow
    progress = Progress()
    context = CallContext(origin="test", progress=progress)
    await manager.call_tool("slow__count_up", {"steps": 2, "total_known": False}, context)
    assert [total for _, total, _ in progress.seen] == [None, None]


async def test_keep_waiting_lets_a_call_past_its_timeout_finish(slow, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    manager, files = slow
    patience = Patience(True, touch=files.release)
    outcome = await manager.call_tool("slow__hold", {}, CallContext(origin="test", patience=patience))
    assert outcome.ok and outcome.text == "Released"
    assert len(patience.sent_at) == 1, "the card heard once that the call went out"
    assert patience.asked[0] == pytest.approx(TIMEOUT)
    assert (await _result_record(recording, outcome))["status"] == "ok"


async def test_stop_cancels_the_call_on_the_server_and_the_audit_says_stopped(  # type: ignore[no-untyped-def]
    slow, recording: Recording
) -> None:
    manager, files = slow
    patience = Patience(False)
    outcome = await manager.call_tool("slow__hold", {}, CallContext(origin="test", patience=patience))
    assert outcome.stopped and not outcome.ok
    assert outcome.text == "The user stopped the call before the server answered."
    assert (await _result_record(recording, outcome))["status"] == "stopped"
    await _told_cancelled(files)
    echoed = await manager.call_tool("slow__echo", {"text": "still here"}, CallContext(origin="test"))
    assert echoed.ok and echoed.text == "still here"


async def test_without_patience_a_call_past_its_timeout_still_fails(slow) -> None:  # type: ignore[no-untyped-def]
    manager, files = slow
    outcome = await manager.call_tool("slow__hold", {}, CallContext(origin="test"))
    assert not outcome.ok and "did not answer within" in outcome.text
    await _told_cancelled(files)


def _chat(
    manager: ServerManager, bus: EventBus, folder: Path, *calls: Completion
) -> tuple[ChatService, ScriptedBackend]:
    backend = ScriptedBackend(*calls, Completion("Done."))
    backends = ChatBackends(backend, Keeper(), None, FakeModels())
    return ChatService(ChatStore(folder / "chats.db"), manager, Forgetter(), bus, backends), backend


def _card_is(predicate: Callable[[ToolCard], bool]) -> Callable[[object], bool]:
    def seen(event: object) -> bool:
        return isinstance(event, ChatMessageChanged) and any(map(predicate, event.message.cards))

    return seen


async def _card(chats: ChatService, chat_id: str) -> ToolCard:
    messages = await chats.messages(chat_id)
    return next(m for m in messages if m.cards).cards[0]


async def test_the_chats_card_shows_the_servers_progress(  # type: ignore[no-untyped-def]
    slow, bus: EventBus, recorder: Recorder, tmp_path: Path
) -> None:
    manager, _files = slow
    chats, _backend = _chat(manager, bus, tmp_path, call("slow__count_up", {"steps": 3}, "c1"))
    chat = await chats.create()
    await chats.send(chat.id, "count to three")
    with anyio.fail_after(30):
        shown = await recorder.wait_for(_card_is(lambda card: card.progress is not None))
    (card,) = shown.message.cards  # type: ignore[attr-defined]
    assert card.status is CallStatus.RUNNING and card.progress.total == 3
    assert card.progress.message.startswith("Step ")
    await _idle(recorder, chat.id)
    done = await _card(chats, chat.id)
    assert done.status is CallStatus.DONE and done.progress is None and done.result == "Counted to 3"


@pytest.mark.parametrize("keep_waiting", [True, False])
async def test_a_slow_call_in_the_chat_waits_or_stops_at_the_users_word(  # type: ignore[no-untyped-def]
    slow, bus: EventBus, recorder: Recorder, tmp_path: Path, recording: Recording, keep_waiting: bool
) -> None:
    manager, files = slow
    chats, backend = _chat(manager, bus, tmp_path, call("slow__hold", {}, "c1"))
    chat = await chats.create()
    await chats.send(chat.id, "hold on")
    with anyio.fail_after(30):
        await recorder.wait_for(_card_is(lambda card: card.status is CallStatus.SLOW))
    assert (await _card(chats, chat.id)).waited_s == pytest.approx(TIMEOUT)
    if keep_waiting:
        await chats.answer_slow_call(chat.id, "c1", True)
        await recorder.wait_for(_card_is(lambda card: card.status is CallStatus.RUNNING))
        files.release.write_text("go", encoding="utf-8")
    else:
        await chats.answer_slow_call(chat.id, "c1", False)
    await _idle(recorder, chat.id)
    card = await _card(chats, chat.id)
    if keep_waiting:
        assert card.status is CallStatus.DONE and card.result == "Released"
    else:
        assert card.status is CallStatus.STOPPED
        assert card.result == STOPPED_HERE
        told = backend.seen[1].messages[-1]
        assert told["content"] == "The user stopped the call before the server answered."
        await _told_cancelled(files)
    records = await recording.audit.query(AuditFilter(kind=AuditKind.TOOL_RESULT))
    assert [r.data["status"] for r in records] == ["ok" if keep_waiting else "stopped"]


async def _idle(recorder: Recorder, chat_id: str) -> None:
    with anyio.fail_after(30):
        await recorder.wait_for(
            lambda e: isinstance(e, ChatTurnChanged) and e.chat_id == chat_id and not e.busy
        )


async def test_the_reference_servers_long_operation_shows_progress_and_waits_for_the_user(
    everything_server: list[str],
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    consent: ConsentGate,
    recorder: Recorder,
) -> None:
    command, *args = everything_server
    config = ServerConfig(command=command, args=args)
    manager = manager_in(tmp_path, recording, bus, consent)
    async with watched(manager) as spawned:
        await manager.add("everything", config.model_copy(update={"trusted_launch": config.launch_hash()}))
        await manager.start("everything")
        spawned.note()
        sup = manager._supervisors["everything"]
        sup.config = sup.config.model_copy(update={"request_timeout": TIMEOUT})
        operation = call("everything__trigger-long-running-operation", {"duration": 3, "steps": 3}, "c1")
        chats, _backend = _chat(manager, bus, tmp_path, operation)
        chat = await chats.create()
        await chats.send(chat.id, "run the long operation")
        with anyio.fail_after(30):
            await recorder.wait_for(_card_is(lambda card: card.status is CallStatus.SLOW))
        await chats.answer_slow_call(chat.id, "c1", True)
        with anyio.fail_after(30):
            shown = await recorder.wait_for(_card_is(lambda card: card.progress is not None))
        assert shown.message.cards[0].progress.total == 3  # type: ignore[attr-defined]
        await _idle(recorder, chat.id)
        card = await _card(chats, chat.id)
        assert card.status is CallStatus.DONE and card.result.startswith("Long running operation completed.")


async def test_stopping_the_answer_stops_a_running_call_and_says_so_on_its_card(  # type: ignore[no-untyped-def]
    slow, bus: EventBus, recorder: Recorder, tmp_path: Path, recording: Recording
) -> None:
    manager, files = slow
    chats, _backend = _chat(manager, bus, tmp_path, call("slow__hold", {}, "c1"))
    chat = await chats.create()
    await chats.send(chat.id, "hold on")
    with anyio.fail_after(30):
        await recorder.wait_for(_card_is(lambda card: card.progress is not None))
    chats.stop(chat.id)
    await _idle(recorder, chat.id)
    card = await _card(chats, chat.id)
    assert card.status is CallStatus.STOPPED and card.result == STOPPED_RUN
    await _told_cancelled(files)
    records = await recording.audit.query(AuditFilter(kind=AuditKind.TOOL_RESULT))
    assert [r.data["status"] for r in records] == ["cancelled"]
