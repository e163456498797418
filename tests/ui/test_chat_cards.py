"""Tool cards and answers as a newcomer reads them: tools by their titles, why a call didn't run said
on the card, what to try after a failure, no "thinking time" on a refusal, and a warning where the
model can't use tools."""

from __future__ import annotations

import time

import pytest
from pytestqt.qtbot import QtBot

from desktop.llm.backends.backend import ToolChoice
from desktop.llm.chat.control import CallStatus, Caveat, ChatMessage, ChatSettings, Role, ToolCard
from desktop.ui.bridge import Bridge
from desktop.ui.pages.chat_page import ChatPage
from desktop.ui.widgets.chat_message_view import MessageView
from desktop.ui.widgets.tool_card import JSON_LINES, ToolCardView
from tests.ui.chat_fakes import FakeChats, cards_in_every_status, opened, shown_page
from tests.ui.conftest import Attach

FAILED = cards_in_every_status()[3]
DENIED = cards_in_every_status()[4]
SKIPPED = cards_in_every_status()[6]


def shown_card(qtbot: QtBot, card: ToolCard, width: int = 420) -> ToolCardView:
    view = ToolCardView(card)
    qtbot.addWidget(view)
    view.resize(width, 200)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_card_names_the_tool_by_its_title_with_the_exact_name_one_hover_away(qtbot: QtBot) -> None:
    titled = ToolCard("c", "files__list_directory", {}, CallStatus.DONE, title="List a folder")
    assert shown_card(qtbot, titled).name_label.full_text == "List a folder · files"
    untitled = shown_card(qtbot, ToolCard("c", "files__list_directory", {}, CallStatus.DONE))
    assert untitled.name_label.full_text == "List folder · files"
    assert "files__list_directory" in untitled.name_label.toolTip()


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.42, "420 ms"), (12.5, "12.5 s"), (75.0, "1 min 15 s"), (120.2, "2 min")]
)
def test_a_calls_time_is_said_as_people_say_it(qtbot: QtBot, seconds: float, shown: str) -> None:
    card = ToolCard("c", "files__list_directory", {}, CallStatus.DONE, "ok", duration_s=seconds)
    assert shown_card(qtbot, card).duration_label.text() == shown


def test_a_refused_call_shows_no_duration(qtbot: QtBot) -> None:
    from_an_earlier_version = ToolCard(
        "c", "files__write_file", {}, CallStatus.DENIED, "No.", duration_s=12.5
    )
    assert shown_card(qtbot, from_an_earlier_version).duration_label.text() == ""
    assert shown_card(qtbot, DENIED).duration_label.text() == ""


def test_why_a_call_failed_is_on_the_card_whole_with_what_to_try(qtbot: QtBot) -> None:
    long_reason = "The server “weather” is not running. " * 8
    card = shown_card(qtbot, ToolCard("c", "weather__forecast", {}, CallStatus.FAILED, long_reason))
    assert card.reason_label.isVisible() and card.reason_label.text() == long_reason
    assert card.reason_label.wordWrap()
    assert card.reason_label.height() > 2 * card.reason_label.fontMetrics().lineSpacing()
    assert card.advice_label.isVisible()
    assert card.advice_label.text().startswith("What to try: ask again in other words")
    assert "correct what will be sent" in card.advice_label.text()
    assert not card.result.isVisible(), "nothing to open: the reason is already there"


@pytest.mark.parametrize("tool_card", [DENIED, SKIPPED], ids=["denied", "not run"])
def test_why_a_call_did_not_run_is_on_the_card_without_advice(qtbot: QtBot, tool_card: ToolCard) -> None:
    card = shown_card(qtbot, tool_card)
    assert card.reason_label.isVisible() and card.reason_label.text() == tool_card.result
    assert card.advice_label.isHidden()


def test_a_long_result_wraps_in_its_box_and_scrolls_past_its_height(qtbot: QtBot) -> None:
    line = "a long line of result text that goes well past the card's right edge " * 3
    card = shown_card(qtbot, ToolCard("c", "files__read_file", {}, CallStatus.DONE, result=line))
    card.result.toggle.click()
    box = card.result.view
    qtbot.waitUntil(lambda: box.height() > 2 * box.fontMetrics().lineSpacing())
    assert box.horizontalScrollBar().maximum() == 0, "nothing hides past the right edge"
    many = "\n".join(f"line {n}" for n in range(40))
    card.show_card(ToolCard("c", "files__read_file", {}, CallStatus.DONE, result=many))
    lines_shown = box.height() // box.fontMetrics().lineSpacing()
    assert lines_shown <= JSON_LINES + 1 and box.verticalScrollBar().maximum() > 0


def message(caveat: Caveat) -> ChatMessage:
    return ChatMessage(1, "chat", Role.ASSISTANT, "It is 10:42.", time.time(), caveat=caveat)


def test_an_answer_that_should_have_used_a_tool_says_it_may_be_made_up(qtbot: QtBot) -> None:
    for caveat, words in (
        (Caveat.NO_TOOL_USED, "the model answered without using a tool"),
        (Caveat.CANNOT_USE_TOOLS, "this model wasn't made to use tools"),
    ):
        view = MessageView(message(caveat))
        qtbot.addWidget(view)
        view.show()
        assert view.mark_label.isVisible() and words in view.mark_label.text()
        assert "may be made up" in view.mark_label.text()
    plain = MessageView(message(Caveat.NONE))
    qtbot.addWidget(plain)
    plain.show()
    assert plain.mark_label.isHidden()


@pytest.fixture
def page(qtbot: QtBot, bridge: Bridge, attach: Attach) -> ChatPage:
    return shown_page(qtbot, bridge, attach)


def test_where_the_user_writes_it_says_the_model_cannot_use_tools(
    qtbot: QtBot, page: ChatPage, chats: FakeChats
) -> None:
    chats.tools_work = False
    page.check_ready()
    composer = page.composer
    assert composer.not_ready_frame.isVisible()
    assert composer.not_ready_label.text().startswith("This model wasn't made to use tools")
    assert composer.send_button.isEnabled(), "a warning, not a wall"
    quiet = chats.add_chat("No tools here")
    chats.chat_settings[quiet.id] = ChatSettings(tool_choice=ToolChoice.NONE)
    opened(qtbot, page, chats, "No tools here")
    qtbot.waitUntil(lambda: not composer.not_ready_frame.isVisible())
    chats.tools_work = True
    chats.add_chat("Tools")
    opened(qtbot, page, chats, "Tools")
    page.check_ready()
    assert not composer.not_ready_frame.isVisible()
