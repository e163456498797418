"""A long tool call on its card: the server's progress as a bar (busy when it gives no total) with its
message, and past the usual time, Keep waiting and Stop, answered through the chat side. Pictures
in `tests/artifacts/41-chat-long-call-*.png`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.llm.chat.cards import STOPPED_HERE
from desktop.llm.chat.control import CallProgress, CallStatus, Role, ToolCard
from desktop.ui.bridge import Bridge
from desktop.ui.pages.chat_page import ChatPage
from desktop.ui.widgets.call_progress import STEPS
from desktop.ui.widgets.tool_card import ToolCardView
from tests.ui.chat_fakes import FakeChats, opened, shown_page
from tests.ui.conftest import Attach
from tests.ui.test_screenshots import save, shots  # noqa: F401 (the fixture)

RUNNING = ToolCard(
    "c1",
    "backup__copy_photos",
    {"folder": "Pictures"},
    CallStatus.RUNNING,
    title="Copy photos",
    progress=CallProgress(2, 5, "Copied 2 of 5 albums"),
)
SLOW = replace(
    RUNNING, status=CallStatus.SLOW, waited_s=60, progress=CallProgress(3, None, "Copying “Summer”")
)
STOPPED = replace(
    RUNNING,
    status=CallStatus.STOPPED,
    progress=None,
    result=STOPPED_HERE,
    duration_s=75.0,
    audit_seq=31,
)


@pytest.fixture
def page(qtbot: QtBot, bridge: Bridge, attach: Attach) -> ChatPage:
    return shown_page(qtbot, bridge, attach)


def shown_card(qtbot: QtBot, card: ToolCard) -> ToolCardView:
    view = ToolCardView(card)
    qtbot.addWidget(view)
    view.resize(460, 200)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_running_call_shows_how_far_it_got_and_the_servers_words(qtbot: QtBot) -> None:
    card = shown_card(qtbot, RUNNING)
    bar = card.progress.bar
    assert card.progress.isVisible() and (bar.minimum(), bar.maximum(), bar.value()) == (0, STEPS, 400)
    assert card.progress.message_label.text() == "Copied 2 of 5 albums"
    assert card.progress.message_label.textFormat() is Qt.TextFormat.PlainText
    assert not card.progress.keep_button.isVisible()
    assert card.progress.stop_button.isVisible() and card.progress.stop_button.isEnabled(), "Stop at any time"
    assert card.status_label.text() == "Running…"


def test_without_a_total_the_bar_is_busy(qtbot: QtBot) -> None:
    card = shown_card(qtbot, replace(RUNNING, progress=CallProgress(7, None, "")))
    assert (card.progress.bar.minimum(), card.progress.bar.maximum()) == (0, 0)
    assert not card.progress.message_label.isVisible()


def test_a_call_without_progress_shows_no_bar(qtbot: QtBot) -> None:
    card = shown_card(qtbot, replace(RUNNING, progress=None))
    assert not card.progress.isVisible()


def test_a_slow_call_offers_keep_waiting_and_stop_once(qtbot: QtBot) -> None:
    card = shown_card(qtbot, SLOW)
    assert card.status_label.text() == "Taking longer than usual"
    assert "has been working for 60 seconds" in card.progress.slow_label.text()
    assert card.progress.keep_button.isVisible() and card.progress.stop_button.isVisible()
    with qtbot.waitSignal(card.slow_call_answered) as answered:
        qtbot.mouseClick(card.progress.keep_button, Qt.MouseButton.LeftButton)
    assert answered.args == ["c1", True]
    assert not card.progress.keep_button.isEnabled() and not card.progress.stop_button.isEnabled()
    card.show_card(replace(SLOW, status=CallStatus.RUNNING))
    assert not card.progress.keep_button.isVisible()


def test_a_stopped_call_says_so_on_the_card(qtbot: QtBot) -> None:
    card = shown_card(qtbot, STOPPED)
    assert card.status_label.text() == "Stopped" and not card.progress.isVisible()
    assert card.reason_label.text() == STOPPED.result
    assert not card.advice_label.isVisible()


@pytest.mark.parametrize(("button", "keep_waiting"), [("keep_button", True), ("stop_button", False)])
def test_the_pages_card_answers_through_the_chat_side(
    qtbot: QtBot,
    page: ChatPage,
    chats: FakeChats,
    shots: Path,  # noqa: F811
    button: str,
    keep_waiting: bool,
) -> None:
    chat = chats.add_chat("Backup")
    chats.post(chat.id, Role.USER, "Copy my photos to the backup drive")
    answer = chats.post(chat.id, Role.ASSISTANT, "", cards=(RUNNING,))
    chat_id = opened(qtbot, page, chats, "Backup")
    save(page, shots, "41-chat-long-call-progress")
    chats.change(replace(answer, cards=(SLOW,)))
    card = page.transcript.views[answer.id].cards["c1"]
    qtbot.waitUntil(lambda: card.progress.stop_button.isVisible())
    save(page, shots, "41-chat-long-call-taking-longer")
    qtbot.mouseClick(getattr(card.progress, button), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: chats.slow_answers == [(chat_id, "c1", keep_waiting)])
    if not keep_waiting:
        chats.change(replace(answer, cards=(STOPPED,)))
        qtbot.waitUntil(lambda: card.status_label.text() == "Stopped")
        save(page, shots, "41-chat-long-call-stopped")


def test_a_task_left_running_finishes_on_its_card_after_a_restart(
    qtbot: QtBot,
    page: ChatPage,
    chats: FakeChats,
    shots: Path,  # noqa: F811
) -> None:
    chat = chats.add_chat("Research")
    chats.post(chat.id, Role.USER, "Find what is known about snowy owls")
    waiting = replace(
        RUNNING,
        tool="lab__research",
        title="Research a topic",
        task_id="t-42",
        decision_seq=7,
        progress=None,
    )
    answer = chats.post(chat.id, Role.ASSISTANT, "", cards=(waiting,))  # as stored when MCP Desk closed
    opened(qtbot, page, chats, "Research")
    card = page.transcript.views[answer.id].cards["c1"]
    assert card.status_label.text() == "Running…" and card.progress.stop_button.text() == "Stop"
    chats.change(
        replace(answer, cards=(replace(waiting, progress=CallProgress(0, None, "Synthesizing findings")),))
    )
    qtbot.waitUntil(lambda: card.progress.message_label.text() == "Synthesizing findings")
    save(page, shots, "41-chat-long-call-task-resumed")
    done = replace(waiting, status=CallStatus.DONE, result="Snowy owls hunt by day in summer.", audit_seq=7)
    chats.change(replace(answer, cards=(done,)))
    chats.post(chat.id, Role.TOOL, done.result, tool_call_id="c1")
    qtbot.waitUntil(lambda: card.status_label.text() == "Done")
    assert not card.progress.isVisible() and card.result.isVisible()
    save(page, shots, "41-chat-long-call-task-finished")


def test_a_running_task_offers_cancel_at_any_time(qtbot: QtBot) -> None:
    card = shown_card(qtbot, replace(RUNNING, task_id="t-1", progress=None))
    assert card.progress.stop_button.isVisible() and card.progress.stop_button.text() == "Stop"
    assert not card.progress.keep_button.isVisible()
    with qtbot.waitSignal(card.slow_call_answered) as answered:
        qtbot.mouseClick(card.progress.stop_button, Qt.MouseButton.LeftButton)
    assert answered.args == ["c1", False]
