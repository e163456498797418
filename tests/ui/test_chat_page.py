"""The Chat page on a scripted chat side: the list, sending, stopping, streaming and readiness."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.llm.backends.backend import ChatProblem
from desktop.llm.chat.control import ChatMessage, Role
from desktop.ui.bridge import Bridge
from desktop.ui.pages.chat_page import ChatPage
from tests.ui.chat_fakes import FakeChats, cards_in_every_status, opened, shown_page, titles
from tests.ui.conftest import Attach
from tests.ui.helpers import wait_for_dialog

NOT_READY = "Load a model on the Model page first, or choose a model on another computer in Settings."


@pytest.fixture
def page(qtbot: QtBot, bridge: Bridge, attach: Attach) -> ChatPage:
    return shown_page(qtbot, bridge, attach)


def body_text(page: ChatPage, message_id: int) -> str:
    return page.transcript.views[message_id].body.toPlainText()


def test_lists_chats_newest_first(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Oldest", updated=1_000)
    chats.add_chat("Newest", updated=3_000)
    chats.add_chat("Middle", updated=2_000)
    qtbot.waitUntil(lambda: titles(page) == ["Newest", "Middle", "Oldest"])


def test_search_asks_the_chat_side_and_matches_text(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    trip = chats.add_chat("Weekend trip")
    chats.add_chat("Build problems")
    chats.post(trip.id, Role.USER, "Which museums open on Sunday?")
    qtbot.waitUntil(lambda: len(titles(page)) == 2)
    qtbot.keyClicks(page.chat_list.search_edit, "museum")
    qtbot.waitUntil(lambda: titles(page) == ["Weekend trip"])
    assert chats.searches[-1] == "museum"
    page.chat_list.search_edit.clear()
    qtbot.waitUntil(lambda: len(titles(page)) == 2)


def test_new_chat_opens_it_ready_to_write(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    page.chat_list.new_button.click()
    qtbot.waitUntil(lambda: page.current is not None)
    assert page.current in chats.summaries
    assert page.title_label.text() == "New chat"
    assert page.stack.currentWidget() is page.empty
    qtbot.waitUntil(lambda: page.chat_list.view.selected_row() == 0)


def test_a_message_reported_while_the_chat_opens_stays(
    qtbot: QtBot, page: ChatPage, chats: FakeChats
) -> None:
    chat = chats.add_chat("Busy chat")
    before = chats.post(chat.id, Role.USER, "Asked before")
    qtbot.waitUntil(lambda: "Busy chat" in titles(page))
    chats.stale[chat.id] = [before]
    page.open_chat(chat.id)
    during = chats.post(chat.id, Role.ASSISTANT, "Answered while opening")
    qtbot.waitUntil(lambda: not page.loading)
    qtbot.waitUntil(lambda: list(page.transcript.views) == [before.id, during.id])


def test_rename_in_place(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Untitled")
    chat_id = opened(qtbot, page, chats, "Untitled")
    page.chat_list.rename_button.click()
    editor = page.chat_list.view.findChild(QLineEdit)
    assert editor is not None
    qtbot.waitUntil(editor.isVisible)
    editor.selectAll()
    qtbot.keyClicks(editor, "  Trip   plans ")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: chats.summaries[chat_id].title == "Trip plans")
    qtbot.waitUntil(lambda: page.title_label.text() == "Trip plans")


def test_delete_asks_first(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Keep me")
    chat_id = opened(qtbot, page, chats, "Keep me")
    page.chat_list.delete_button.click()
    box = wait_for_dialog(qtbot, QMessageBox)
    assert "Delete “Keep me” and all its messages?" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert chat_id in chats.summaries
    page.chat_list.delete_button.click()
    box = wait_for_dialog(qtbot, QMessageBox)
    next(b for b in box.buttons() if b.text() == "Delete").click()
    qtbot.waitUntil(lambda: titles(page) == [])
    assert chat_id not in chats.summaries
    assert page.current is None and page.title_label.text() == ""


def test_enter_sends_and_shift_enter_starts_a_line(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Questions")
    chat_id = opened(qtbot, page, chats, "Questions")
    box = page.composer.input
    qtbot.keyClicks(box, "first line")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "second line")
    assert chats.sent == []
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: chats.sent == [(chat_id, "first line\nsecond line")])
    assert box.toPlainText() == ""
    qtbot.waitUntil(lambda: len(page.transcript.views) == 1)
    assert body_text(page, chats.transcripts[chat_id][0].id) == "first line\nsecond line"


def test_blank_text_is_not_sent(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Questions")
    opened(qtbot, page, chats, "Questions")
    qtbot.keyClicks(page.composer.input, "   ")
    page.composer.send_button.click()
    qtbot.keyClick(page.composer.input, Qt.Key.Key_Return)
    assert chats.sent == []


def test_writing_without_a_chat_starts_one(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    qtbot.keyClicks(page.composer.input, "Hello")
    page.composer.send_button.click()
    qtbot.waitUntil(lambda: len(chats.sent) == 1)
    chat_id, text = chats.sent[0]
    assert text == "Hello" and page.current == chat_id
    qtbot.waitUntil(lambda: titles(page) == ["New chat"])


def test_stop_while_busy(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Long answer")
    chat_id = opened(qtbot, page, chats, "Long answer")
    composer = page.composer
    assert composer.send_button.isVisible() and not composer.stop_button.isVisible()
    qtbot.keyClicks(composer.input, "Write a novel")
    qtbot.keyClick(composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: composer.status_label.text() == "Thinking…")
    assert composer.stop_button.isVisible() and not composer.send_button.isVisible()
    assert not composer.regenerate_button.isEnabled()
    composer.stop_button.click()
    assert chats.stopped == [chat_id]
    assert composer.status_label.text() == "Stopping…"
    chats.set_busy(chat_id, False)
    qtbot.waitUntil(composer.send_button.isVisible)
    assert composer.status_label.text() == ""
    assert not composer.stop_button.isVisible()


def test_status_line_follows_the_turn(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Tools")
    chat_id = opened(qtbot, page, chats, "Tools")
    chats.set_busy(chat_id, True, "Waiting for your answer…")
    qtbot.waitUntil(lambda: page.composer.status_label.text() == "Waiting for your answer…")


def test_streamed_answer_appears_as_it_is_written(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Stream")
    chat_id = opened(qtbot, page, chats, "Stream")
    question = chats.post(chat_id, Role.USER, "Say hello")
    qtbot.waitUntil(lambda: question.id in page.transcript.views)
    question_view = page.transcript.views[question.id]
    answer = chats.post(chat_id, Role.ASSISTANT, "")
    chats.write(answer, "Hel")
    qtbot.waitUntil(lambda: answer.id in page.transcript.views and body_text(page, answer.id) == "Hel")
    answer_view = page.transcript.views[answer.id]
    chats.write(answer, "lo **there**")
    qtbot.waitUntil(lambda: body_text(page, answer.id) == "Hello there")
    assert page.transcript.views[question.id] is question_view
    assert page.transcript.views[answer.id] is answer_view


def test_text_of_an_answer_not_announced_yet_starts_it(
    qtbot: QtBot, page: ChatPage, chats: FakeChats
) -> None:
    chats.add_chat("Stream")
    chat_id = opened(qtbot, page, chats, "Stream")
    unannounced = ChatMessage(99, chat_id, Role.ASSISTANT, "", 0.0)
    chats.write(unannounced, "Hi")
    qtbot.waitUntil(lambda: 99 in page.transcript.views)
    assert body_text(page, 99) == "Hi"


def test_a_whole_streamed_turn(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Stream")
    chat_id = opened(qtbot, page, chats, "Stream")
    qtbot.keyClicks(page.composer.input, "Count to three")
    qtbot.keyClick(page.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(chats.transcripts[chat_id]) == 1)
    answer = chats.stream(chat_id, "One, ", "two, ", "three.")
    qtbot.waitUntil(lambda: answer.id in page.transcript.views and page.composer.send_button.isVisible())
    assert body_text(page, answer.id) == "One, two, three."
    assert page.composer.regenerate_button.isEnabled()


def test_text_for_another_chat_is_not_shown(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    other = chats.add_chat("Other")
    chats.add_chat("This one")
    opened(qtbot, page, chats, "This one")
    chats.post(other.id, Role.USER, "Not here")
    chats.set_busy(other.id, True, "Thinking…")
    last = chats.post(chats.add_chat("Marker").id, Role.USER, "marker")
    qtbot.waitUntil(lambda: "Marker" in titles(page))
    assert page.transcript.views == {} and last.id not in page.transcript.views
    assert page.composer.send_button.isVisible()


def test_regenerate_keeps_the_earlier_answer_and_its_cards_in_view(
    qtbot: QtBot, page: ChatPage, chats: FakeChats
) -> None:
    chat = chats.add_chat("Again")
    question = chats.post(chat.id, Role.USER, "What is in my folder?")
    failed = cards_in_every_status()[3:4]
    earlier = chats.post(chat.id, Role.ASSISTANT, "I could not look.", cards=failed)
    chat_id = opened(qtbot, page, chats, "Again")
    assert page.composer.regenerate_button.isEnabled()
    page.composer.regenerate_button.click()
    qtbot.waitUntil(lambda: chats.regenerated == [chat_id])
    assert page.composer.stop_button.isVisible()
    qtbot.waitUntil(lambda: page.transcript.views[earlier.id].message.replaced)
    view = page.transcript.views[earlier.id]
    assert sorted(page.transcript.views) == [question.id, earlier.id]
    assert view.speaker_label.text() == "Earlier answer"
    assert view.mark_label.text() == "Written again below (Try again). The model no longer sees this answer."
    assert view.cards["c4"].status_label.text() == "Failed"
    answer = chats.stream(chat_id, "a.txt and b.txt")
    qtbot.waitUntil(lambda: answer.id in page.transcript.views)
    assert page.transcript.views[answer.id].speaker_label.text() == "Assistant"


def test_a_refused_send_keeps_the_text_and_says_why(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat("Refused")
    opened(qtbot, page, chats, "Refused")
    chats.fail_send = ChatProblem(
        "The model server did not answer. Check its address in Settings.", "timeout"
    )
    qtbot.keyClicks(page.composer.input, "Hello?")
    qtbot.keyClick(page.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(page.message.isVisible)
    assert page.message.text == "The model server did not answer. Check its address in Settings."
    assert page.message_details.text_view.toPlainText() == "timeout"
    assert page.composer.input.toPlainText() == "Hello?"
    assert page.composer.send_button.isVisible()


def test_not_ready_says_what_to_do_and_leads_to_the_model_page(
    qtbot: QtBot, bridge: Bridge, chats: FakeChats, attach: Attach
) -> None:
    chats.not_ready = NOT_READY
    made = ChatPage(bridge)
    qtbot.addWidget(made)
    attach()
    made.show()
    composer = made.composer
    assert composer.not_ready_frame.isVisible()
    assert composer.not_ready_label.text() == NOT_READY
    assert not composer.send_button.isEnabled()
    qtbot.keyClicks(composer.input, "Hello")
    qtbot.keyClick(composer.input, Qt.Key.Key_Return)
    assert chats.sent == [] and composer.input.toPlainText() == "Hello"
    with qtbot.waitSignal(made.model_page_requested):
        composer.model_button.click()
    chats.not_ready = None
    bridge.model_state_changed.emit(object())
    assert not composer.not_ready_frame.isVisible() and composer.send_button.isEnabled()
    chats.not_ready = NOT_READY
    made.hide()
    made.show()
    assert composer.not_ready_frame.isVisible()


def test_built_before_the_services_it_fills_in_once_they_are_ready(
    qtbot: QtBot, bridge: Bridge, chats: FakeChats, attach: Attach
) -> None:
    chats.add_chat("Earlier chat")
    made = ChatPage(bridge)
    qtbot.addWidget(made)
    assert not made.chat_list.new_button.isEnabled() and not made.composer.input.isEnabled()
    attach()
    qtbot.waitUntil(lambda: titles(made) == ["Earlier chat"])
    assert made.chat_list.new_button.isEnabled() and made.composer.input.isEnabled()


def test_copy_puts_the_message_on_the_clipboard(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chat = chats.add_chat("Copy")
    answer = chats.post(chat.id, Role.ASSISTANT, "Use **pytest -q**.")
    opened(qtbot, page, chats, "Copy")
    page.transcript.views[answer.id].copy_button.click()
    assert QGuiApplication.clipboard().text() == "Use **pytest -q**."


def test_a_note_reads_as_a_notice_with_details_one_click_away(
    qtbot: QtBot, page: ChatPage, chats: FakeChats
) -> None:
    chat = chats.add_chat("Notes")
    note = chats.post(
        chat.id,
        Role.NOTE,
        "The model's answer could not be read. It was asked again.",
        details="<tool_call>{",
    )
    opened(qtbot, page, chats, "Notes")
    view = page.transcript.views[note.id]
    assert view.objectName() == "noteMessage"
    assert view.speaker_label.text() == "MCP Desk"
    assert view.note_label.text() == "The model's answer could not be read. It was asked again."
    assert view.details.toggle.text() == "Show details" and not view.details.text_view.isVisible()
    view.details.toggle.click()
    assert view.details.text_view.isVisible()
    assert view.details.text_view.toPlainText() == "<tool_call>{"


def test_audit_link_asks_for_the_record(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chat = chats.add_chat("Audit")
    answer = chats.post(chat.id, Role.ASSISTANT, "", cards=cards_in_every_status())
    opened(qtbot, page, chats, "Audit")
    card = page.transcript.views[answer.id].cards["c3"]
    with qtbot.waitSignal(page.audit_record_requested) as asked:
        card.audit_link.linkActivated.emit("audit")
    assert asked.args == [12]
    assert not page.transcript.views[answer.id].cards["c1"].audit_link.isVisible()


def test_a_hostile_title_is_shown_as_text(qtbot: QtBot, page: ChatPage, chats: FakeChats) -> None:
    chats.add_chat('<img src="http://evil.example/x.png"><b>Chat</b>')
    opened(qtbot, page, chats, '<img src="http://evil.example/x.png"><b>Chat</b>')
    assert page.title_label.textFormat() is Qt.TextFormat.PlainText
    assert page.title_label.text() == '<img src="http://evil.example/x.png"><b>Chat</b>'
    page.chat_list.delete_button.click()
    box = wait_for_dialog(qtbot, QMessageBox)
    assert box.textFormat() is Qt.TextFormat.PlainText
    assert '“<img src="http://evil.example/x.png"><b>Chat</b>”' in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
