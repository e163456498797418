"""The consent queue: questions from the real service loop, one dialog at a time, taken back on Stop."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import ConsentHow
from desktop.core.consent import (
    AnswerStopped,
    CallContext,
    Choice,
    ConsentGate,
    ConsentRequest,
    Decision,
    ElicitationAnswer,
    ElicitationRequest,
    SamplingRequest,
    SamplingReview,
)
from desktop.core.consent_rules import ConsentRules
from desktop.core.events import EventBus, ToolInfo
from desktop.core.redact import Redactor
from desktop.core.service_loop import ServiceLoop
from desktop.ui.consent_queue import ConsentQueue
from desktop.ui.dialogs.consent_dialog import ConsentDialog
from desktop.ui.dialogs.elicitation_dialog import ElicitationDialog
from desktop.ui.dialogs.sampling_dialog import SamplingDialog
from tests.ui.helpers import all_text, open_dialogs, wait_for_dialog

CHAT = CallContext("chat", "chat-1", "Trip plans")
TOOLS = [ToolInfo("files", name, f"Does {name}.") for name in ("read_file", "list_folder", "write_file")]


@pytest.fixture
def queue(qtbot: QtBot) -> Iterator[ConsentQueue]:
    made = ConsentQueue()
    yield made
    made.close_all()
    made.deleteLater()


def request(tool: ToolInfo, **arguments: Any) -> ConsentRequest:
    return ConsentRequest(tool, arguments or {"path": tool.name}, CHAT)


def shown(qtbot: QtBot) -> ConsentDialog:
    return wait_for_dialog(qtbot, ConsentDialog)


def test_three_questions_are_asked_one_after_another(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    counts: list[int] = []
    summaries: list[str] = []
    queue.pending_changed.connect(counts.append)
    queue.question_arrived.connect(summaries.append)
    asked = [service_loop.submit(queue.ask(request(tool))) for tool in TOOLS]
    qtbot.waitUntil(lambda: queue.pending == 3)
    first = shown(qtbot)
    assert first.request.tool.name == "read_file"
    assert first.waiting_label.isVisible() and first.waiting_label.text() == "1 of 3 waiting"
    assert summaries[0] == "“files” wants to use the tool “Read file”."
    first.allow_once_button.click()
    qtbot.waitUntil(asked[0].done)
    assert asked[0].result() == Decision(Choice.ALLOW_ONCE, {"path": "read_file"})
    qtbot.waitUntil(lambda: open_dialogs(ConsentDialog) not in ([], [first]))
    second = shown(qtbot)
    assert second.request.tool.name == "list_folder"
    assert second.waiting_label.text() == "1 of 2 waiting"
    assert not asked[1].done() and not asked[2].done()
    qtbot.keyClicks(second.reason_edit, "not now")  # type: ignore[no-untyped-call]
    second.deny_reason_button.click()
    qtbot.waitUntil(asked[1].done)
    assert asked[1].result().reason == "not now"
    third = shown(qtbot)
    assert third.request.tool.name == "write_file"
    assert third.waiting_label.isHidden()
    third.deny_button.click()
    qtbot.waitUntil(asked[2].done)
    assert not asked[2].result().allowed
    assert counts == [1, 2, 3, 2, 1, 0]
    assert queue.dialog is None and open_dialogs(ConsentDialog) == []


def test_a_question_from_another_app_names_it_in_the_notification(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    summaries: list[str] = []
    queue.question_arrived.connect(summaries.append)
    from_cursor = ConsentRequest(TOOLS[2], {"path": "notes.txt"}, CallContext("another app", app="Cursor"))
    asked = service_loop.submit(queue.ask(from_cursor))
    shown(qtbot).deny_button.click()
    qtbot.waitUntil(asked.done)
    assert summaries == ["Cursor wants to run “Write file” from “files”."]
    assert asked.result().choice is Choice.DENY


def test_stop_withdraws_the_question_on_screen(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    asked = service_loop.submit(queue.ask(request(TOOLS[0])))
    dialog = shown(qtbot)
    answers: list[object] = []
    dialog.answered.connect(answers.append)
    with qtbot.waitSignal(queue.pending_changed) as changed:
        asked.cancel()
    assert changed.args == [0]
    qtbot.waitUntil(lambda: open_dialogs(ConsentDialog) == [])
    assert asked.cancelled()
    assert answers == []


def test_stop_this_answer_raises_in_the_task_that_asked(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    asked = [service_loop.submit(queue.ask(request(tool))) for tool in TOOLS[:2]]
    qtbot.waitUntil(lambda: queue.pending == 2)
    dialog = shown(qtbot)
    assert dialog.stop_button.isVisible()
    dialog.stop_button.click()
    qtbot.waitUntil(asked[0].done)
    with pytest.raises(AnswerStopped):
        asked[0].result()
    assert not asked[1].done(), "only the answer that question belongs to stops"
    assert shown(qtbot).request.tool.name == "list_folder"


def test_withdrawing_a_waiting_question_leaves_the_one_on_screen(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    asked = [service_loop.submit(queue.ask(request(tool))) for tool in TOOLS[:2]]
    qtbot.waitUntil(lambda: queue.pending == 2)
    dialog = shown(qtbot)
    asked[1].cancel()
    qtbot.waitUntil(lambda: queue.pending == 1)
    assert open_dialogs(ConsentDialog) == [dialog]
    assert dialog.waiting_label.isHidden()
    dialog.allow_once_button.click()
    qtbot.waitUntil(asked[0].done)
    assert asked[0].result().allowed
    assert open_dialogs(ConsentDialog) == []


def test_an_answer_racing_a_stop_resolves_nothing_twice(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    asked = service_loop.submit(queue.ask(request(TOOLS[0])))
    dialog = shown(qtbot)
    asked.cancel()
    dialog.allow_once_button.click()  # before the withdrawal reaches the Qt thread
    qtbot.waitUntil(lambda: queue.pending == 0)
    assert asked.cancelled()
    assert open_dialogs(ConsentDialog) == []


def test_quitting_refuses_every_waiting_question_and_any_later_one(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    asked = [service_loop.submit(queue.ask(request(tool))) for tool in TOOLS[:2]]
    elicited = service_loop.submit(queue.elicit(ElicitationRequest("files", "Which folder?")))
    qtbot.waitUntil(lambda: queue.pending == 3)
    queue.close_all()
    results = [future.result(timeout=10) for future in asked]
    assert all(r == Decision(Choice.DENY, r.arguments, ConsentHow.STOPPED) for r in results)
    assert elicited.result(timeout=10) == ElicitationAnswer("decline")
    assert open_dialogs(ConsentDialog) == []
    later = service_loop.run(queue.review_sampling(SamplingRequest("files", (("user", "hi"),)), None), 10)
    assert later == SamplingReview(False)


def test_elicitation_and_sampling_take_their_turn(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    sampling = SamplingRequest("notes", (("user", "Summarise my day"),), "Be brief.", 64)
    reviewed = service_loop.submit(queue.review_sampling(sampling, None))
    elicited = service_loop.submit(queue.elicit(ElicitationRequest("notes", "Your name?", {})))
    answered = service_loop.submit(queue.review_sampling(sampling, "You had a calm day."))
    review = wait_for_dialog(qtbot, SamplingDialog)
    assert "Summarise my day" in all_text(review)
    review.approve_button.click()
    qtbot.waitUntil(reviewed.done)
    assert reviewed.result() == SamplingReview(True)
    wait_for_dialog(qtbot, ElicitationDialog).cancel_button.click()
    qtbot.waitUntil(elicited.done)
    assert elicited.result() == ElicitationAnswer("cancel")
    answer = wait_for_dialog(qtbot, SamplingDialog)
    assert answer.answer_box is not None
    answer.answer_box.setPlainText("You had a busy day.")
    answer.approve_button.click()
    qtbot.waitUntil(answered.done)
    assert answered.result() == SamplingReview(True, "You had a busy day.")


@pytest.fixture
def gate(queue: ConsentQueue, tmp_path: Path) -> Iterator[ConsentGate]:
    """The real consent gate asking through the queue, as the app wires it."""
    audit = AuditTrail(tmp_path / "audit.db", Redactor())
    yield ConsentGate(ConsentRules(tmp_path / "consent.json"), queue, audit, EventBus())
    audit.close()


def decide(
    service_loop: ServiceLoop, gate: ConsentGate, tool: ToolInfo
) -> concurrent.futures.Future[Decision]:
    return service_loop.submit(gate.decide(tool, {"path": "a.txt"}, CHAT))


def test_always_allow_through_the_real_gate_stops_the_asking_until_the_tool_changes(
    qtbot: QtBot, queue: ConsentQueue, gate: ConsentGate, service_loop: ServiceLoop
) -> None:
    first = decide(service_loop, gate, TOOLS[0])
    shown(qtbot).allow_always_button.click()
    qtbot.waitUntil(first.done)
    assert first.result().choice is Choice.ALLOW_ALWAYS
    again = decide(service_loop, gate, TOOLS[0]).result(timeout=10)
    assert again.how is ConsentHow.RULE and again.allowed
    assert queue.pending == 0
    changed = ToolInfo("files", "read_file", "Reads a file. Also uploads it.")
    asked = decide(service_loop, gate, changed)
    dialog = shown(qtbot)
    assert "This tool changed since you allowed it." in all_text(dialog)
    assert "+Reads a file. Also uploads it." in dialog.changes_box.toPlainText()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(asked.done)
    assert asked.result().choice is Choice.DENY


def test_only_the_first_tool_question_says_what_these_questions_are_for(
    qtbot: QtBot, queue: ConsentQueue, service_loop: ServiceLoop
) -> None:
    queue.explain_next = True
    first = service_loop.submit(queue.ask(request(TOOLS[0])))
    with qtbot.waitSignal(queue.explained):
        dialog = shown(qtbot)
    assert dialog.explanation.isVisible() and "asking for your permission" in dialog.explanation.text
    assert not queue.explain_next
    dialog.allow_once_button.click()
    assert first.result(5).choice is Choice.ALLOW_ONCE
    service_loop.submit(queue.ask(request(TOOLS[1])))
    qtbot.waitUntil(lambda: isinstance(queue.dialog, ConsentDialog) and queue.dialog.request.tool is TOOLS[1])
    assert isinstance(queue.dialog, ConsentDialog) and not queue.dialog.explanation.isVisible()
