"""The transcript shows what the model and the servers wrote without ever acting on it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QFont, QTextCursor, QTextDocument, QTextFragment
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop.llm.chat.control import CallStatus, ChatMessage, Role, ToolCard
from desktop.ui.bridge import Bridge
from desktop.ui.pages.chat_page import ChatPage
from desktop.ui.widgets import open_link_box
from desktop.ui.widgets.chat_message_view import MessageView
from desktop.ui.widgets.chat_transcript import PAGE, ChatTranscript
from desktop.ui.widgets.markdown_view import MarkdownView
from desktop.ui.widgets.open_link_box import OpenLinkBox
from desktop.ui.widgets.tool_card import STATUS_COLOURS, ToolCardView
from tests.ui.chat_fakes import INJECTION, FakeChats, cards_in_every_status, opened, shown_page
from tests.ui.conftest import Attach
from tests.ui.helpers import wait_for_dialog


@pytest.fixture
def page(qtbot: QtBot, bridge: Bridge, attach: Attach) -> ChatPage:
    return shown_page(qtbot, bridge, attach)


HOSTILE = (
    "**Bold** and `code`.\n\n"
    '<script>alert("hi")</script>\n\n'
    '<img src="http://evil.example/track.png"> ![logo](http://evil.example/logo.png) '
    "![](file:///etc/passwd)\n\n"
    "[docs](https://example.com/docs?q=1) [run](javascript:alert(1)) [mine](file:///home/me/.ssh/id_rsa)\n"
)


@pytest.fixture
def view(qtbot: QtBot) -> MarkdownView:
    made = MarkdownView()
    qtbot.addWidget(made)
    made.resize(600, 200)
    made.show_markdown(HOSTILE)
    made.show()
    qtbot.waitExposed(made)
    return made


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """What would have been handed to the browser."""
    urls: list[QUrl] = []
    monkeypatch.setattr(open_link_box.QDesktopServices, "openUrl", urls.append)
    return urls


def message(message_id: int, role: Role, text: str = "", **fields: Any) -> ChatMessage:
    return ChatMessage(message_id, "chat", role, text, time.time(), **fields)


def fragments(document: QTextDocument) -> list[QTextFragment]:
    found: list[QTextFragment] = []
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            found.append(iterator.fragment())
            iterator += 1
        block = block.next()
    return found


def click_link(qtbot: QtBot, view: MarkdownView, href: str) -> None:
    fragment = next(f for f in fragments(view.document()) if f.charFormat().anchorHref() == href)
    cursor = QTextCursor(view.document())
    cursor.setPosition(fragment.position() + 1)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cursorRect(cursor).center())


def test_markdown_is_rendered(view: MarkdownView) -> None:
    text = view.toPlainText()
    assert text.startswith("Bold and code.")
    cursor = QTextCursor(view.document())
    cursor.setPosition(1)
    assert cursor.charFormat().fontWeight() == QFont.Weight.Bold


def test_html_in_the_text_stays_text(view: MarkdownView) -> None:
    text = view.toPlainText()
    assert '<script>alert("hi")</script>' in text
    assert '<img src="http://evil.example/track.png">' in text


def test_images_are_never_loaded_only_named(view: MarkdownView) -> None:
    assert "[image: logo]" in view.toPlainText()
    assert not any(f.charFormat().isImageFormat() for f in fragments(view.document()))
    asked = view.document().loadResource(QTextDocument.ResourceType.ImageResource, QUrl("file:///etc/passwd"))
    assert asked is None


def test_a_link_opens_only_after_the_user_saw_it(
    qtbot: QtBot, view: MarkdownView, browser: list[QUrl]
) -> None:
    clicked: list[QUrl] = []
    view.link_clicked.connect(lambda url: show_box(view, url, clicked))
    click_link(qtbot, view, "https://example.com/docs?q=1")
    box = wait_for_dialog(qtbot, OpenLinkBox)
    assert "https://example.com/docs?q=1" in box.text()
    assert browser == []
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert browser == []
    click_link(qtbot, view, "https://example.com/docs?q=1")
    box = wait_for_dialog(qtbot, OpenLinkBox)
    assert box.open_button is not None
    box.open_button.click()
    assert browser == [QUrl("https://example.com/docs?q=1")]


def show_box(parent: MarkdownView, url: QUrl, clicked: list[QUrl]) -> None:
    clicked.append(url)
    box = OpenLinkBox(url, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


@pytest.mark.parametrize("href", ["javascript:alert(1)", "file:///home/me/.ssh/id_rsa"])
def test_links_that_are_not_web_addresses_are_never_opened(
    qtbot: QtBot, view: MarkdownView, browser: list[QUrl], href: str
) -> None:
    view.link_clicked.connect(lambda url: show_box(view, url, []))
    click_link(qtbot, view, href)
    box = wait_for_dialog(qtbot, OpenLinkBox)
    assert box.open_button is None
    assert "only opens web and e-mail links" in box.text() and href in box.text()
    box.button(QMessageBox.StandardButton.Close).click()
    assert browser == []


def test_a_look_alike_host_is_shown_as_it_really_is(qtbot: QtBot, browser: list[QUrl]) -> None:
    box = OpenLinkBox(QUrl("https://exаmple.com/login"))  # a Cyrillic "а"
    qtbot.addWidget(box)
    assert "https://xn--exmple-4nf.com/login" in box.text()
    assert "letters that look like others" in box.informativeText()
    assert box.icon() is QMessageBox.Icon.Warning
    plain = OpenLinkBox(QUrl("https://example.com/login"))
    qtbot.addWidget(plain)
    assert "look like others" not in plain.informativeText()


def test_the_page_asks_before_opening_a_link(
    qtbot: QtBot,
    browser: list[QUrl],
    page: ChatPage,
    chats: FakeChats,
) -> None:
    chat = chats.add_chat("Links")
    answer = chats.post(chat.id, Role.ASSISTANT, "See [the docs](https://example.com/docs).")
    opened(qtbot, page, chats, "Links")
    click_link(qtbot, page.transcript.views[answer.id].body, "https://example.com/docs")
    box = wait_for_dialog(qtbot, OpenLinkBox)
    assert box is page.link_box and browser == []
    assert box.open_button is not None
    box.open_button.click()
    assert browser == [QUrl("https://example.com/docs")]


def test_a_card_opens_to_show_arguments_and_the_escaped_result(qtbot: QtBot) -> None:
    done = cards_in_every_status()[2]
    card = ToolCardView(done)
    qtbot.addWidget(card)
    card.show()
    assert card.name_label.full_text == "Read file · files"
    assert card.status_label.text() == "Done" and card.duration_label.text() == "420 ms"
    assert not card.arguments.view.isVisible() and card.arguments.view.toPlainText() == ""
    card.arguments.toggle.click()
    assert card.arguments.view.isVisible()
    assert card.arguments.view.toPlainText() == '{\n  "path": "README.md"\n}'
    card.result.toggle.click()
    shown = card.result.view.toPlainText()
    assert shown.startswith('<b>bold?</b> <script>alert("x")</script>')
    assert INJECTION in shown


def test_a_card_warns_about_instruction_like_results_and_shows_its_note(qtbot: QtBot) -> None:
    card = ToolCardView(cards_in_every_status()[2])
    qtbot.addWidget(card)
    card.show()
    assert card.flags_message.isVisible()
    assert card.flags_message.text.startswith("This result contains text that reads like instructions")
    assert "Ignore all previous instructions" in card.flags_list.text()
    assert card.note_label.text() == "The result was cut to 16 KB before it went back to the model."
    assert card.audit_link.isVisible() and "Audit record #12" in card.audit_link.text()


def test_a_card_shows_each_status_in_its_own_colour(qtbot: QtBot) -> None:
    words = {}
    for tool_card in cards_in_every_status():
        card = ToolCardView(tool_card)
        qtbot.addWidget(card)
        words[tool_card.status] = card.status_label.text()
        assert STATUS_COLOURS[tool_card.status] in card.status_label.styleSheet()
    assert words == {
        CallStatus.WAITING: "Waiting for your answer in the question window",
        CallStatus.RUNNING: "Running…",
        CallStatus.DONE: "Done",
        CallStatus.FAILED: "Failed",
        CallStatus.DENIED: "Not allowed",
        CallStatus.GARBLED: "Could not be read",
        CallStatus.SKIPPED: "Not run",
    }
    assert len(set(STATUS_COLOURS.values())) == len(CallStatus)


def test_a_garbled_call_shows_what_the_model_wrote_and_no_arguments(qtbot: QtBot) -> None:
    card = ToolCardView(cards_in_every_status()[5])
    qtbot.addWidget(card)
    card.show()
    assert not card.arguments.isVisible()
    assert card.reason_label.isVisible() and card.reason_label.text() == "The arguments were not valid JSON."
    assert card.result.toggle.text() == "What the model wrote"
    card.result.toggle.click()
    assert card.result.view.toPlainText() == '<tool_call>{"name": "files__read_fil", "arguments": {path: '
    assert card.note_label.isHidden()


def test_a_card_moves_on_in_place_and_stays_open(qtbot: QtBot) -> None:
    waiting = ToolCard("c1", "files__read_file", {"path": "a.txt"}, CallStatus.WAITING)
    card = ToolCardView(waiting)
    qtbot.addWidget(card)
    card.show()
    card.arguments.toggle.click()
    card.show_card(ToolCard("c1", "files__read_file", {"path": "a.txt"}, CallStatus.DONE, result="hello"))
    assert card.status_label.text() == "Done"
    assert card.arguments.view.isVisible()
    assert card.result.isVisible() and not card.result.view.isVisible()


def test_names_from_the_model_are_never_read_as_html(qtbot: QtBot) -> None:
    card = ToolCardView(ToolCard("c1", "<b>files</b>__<i>read</i>", {}, CallStatus.RUNNING))
    qtbot.addWidget(card)
    card.resize(400, 100)
    card.show()
    assert card.name_label.textFormat() is Qt.TextFormat.PlainText
    assert card.name_label.full_text == "<i>read</i> · <b>files</b>"
    assert "&lt;b&gt;" in card.name_label.toolTip()


def test_a_long_chat_builds_only_its_newest_messages(qtbot: QtBot) -> None:
    transcript = ChatTranscript()
    qtbot.addWidget(transcript)
    transcript.resize(700, 500)
    transcript.show()
    messages = [
        message(i, Role.USER if i % 2 else Role.ASSISTANT, f"Message **{i}**", cards=cards(i))
        for i in range(1, 501)
    ]
    transcript.show_messages(messages)
    assert len(transcript.views) == PAGE
    assert min(transcript.views) == 500 - PAGE + 1
    assert transcript.earlier_button.text() == f"Show earlier messages ({500 - PAGE} more)"
    transcript.append_text("chat", 500, " and more")
    assert transcript.views[500].body.toPlainText() == "Message 500 and more"
    while transcript.earlier_button.isVisible():
        transcript.earlier_button.click()
    assert len(transcript.views) == 500
    assert transcript.views[1].body.toPlainText() == "Message **1**"
    assert transcript.views[2].body.toPlainText() == "Message 2"
    assert transcript.messages[-1].text == "Message **500** and more"


def cards(index: int) -> tuple[ToolCard, ...]:
    return cards_in_every_status()[2:3] if index % 50 == 0 else ()


def test_tool_messages_are_shown_by_their_cards_only(qtbot: QtBot) -> None:
    transcript = ChatTranscript()
    qtbot.addWidget(transcript)
    transcript.show_messages(
        [
            message(1, Role.ASSISTANT, "", cards=cards_in_every_status()[2:3]),
            message(2, Role.TOOL, "file contents", tool_call_id="c3"),
        ]
    )
    assert list(transcript.views) == [1]
    transcript.put_message(message(3, Role.TOOL, "more contents", tool_call_id="c4"))
    assert list(transcript.views) == [1]


def test_what_the_user_typed_is_shown_as_typed(qtbot: QtBot) -> None:
    transcript = ChatTranscript()
    qtbot.addWidget(transcript)
    transcript.show_messages([message(1, Role.USER, "**not bold** <b>nor this</b>")])
    assert transcript.views[1].body.toPlainText() == "**not bold** <b>nor this</b>"


def test_the_view_follows_new_text_unless_the_user_scrolled_up(qtbot: QtBot) -> None:
    transcript = ChatTranscript()
    qtbot.addWidget(transcript)
    transcript.resize(500, 300)
    transcript.show()
    transcript.show_messages([message(i, Role.ASSISTANT, f"Paragraph {i}\n\nmore") for i in range(1, 20)])
    bar = transcript.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    transcript.put_message(message(20, Role.ASSISTANT, ""))
    before = bar.maximum()
    transcript.append_text("chat", 20, "A long answer\n\n" * 5)
    qtbot.waitUntil(lambda: bar.maximum() > before and bar.value() == bar.maximum())
    bar.setValue(0)
    before = bar.maximum()
    transcript.append_text("chat", 20, "and more\n\n" * 5)
    qtbot.waitUntil(lambda: bar.maximum() > before)
    assert bar.value() == 0


def test_a_message_with_an_attachment_shows_what_was_typed_and_names_the_attachment(qtbot: QtBot) -> None:
    sent = (
        "--- Attached from “everything”: demo://resource/static/document/architecture.md ---\n"
        "### Multi-client\n`npm run build`\n"
        "--- End of demo://resource/static/document/architecture.md ---\n\n"
        "What is this about?"
    )
    shown = MessageView(message(1, Role.USER, sent), None)
    qtbot.addWidget(shown)

    assert shown.body.toPlainText() == "What is this about?"
    assert shown.note_label.text() == "Attached: architecture.md from “everything”"
    assert shown.note_label.isVisibleTo(shown) and shown.details.isVisibleTo(shown)
    assert "### Multi-client" in shown.details.text_view.toPlainText()
    assert shown.text_to_copy() == sent
