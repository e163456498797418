"""A server's question: a form checked before it is sent, and a web page opened only on consent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from desktop.core.consent import ElicitationAnswer, ElicitationRequest
from desktop.ui.dialogs.elicitation_dialog import ElicitationDialog
from tests.ui.helpers import all_text

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Your name", "minLength": 2, "description": "As on your badge"},
        "email": {"type": "string", "format": "email"},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "size": {"type": "string", "enum": ["s", "m"], "enumNames": ["Small", "Medium"]},
        "colour": {
            "type": "string",
            "oneOf": [{"const": "r", "title": "Red"}, {"const": "g", "title": "Green"}],
        },
        "news": {"type": "boolean", "title": "Send me news", "default": True},
        "when": {"type": "string", "format": "date"},
    },
    "required": ["name", "email"],
}
LONG_URL = "https://accounts.example.com/authorize?client_id=desk&redirect=" + "x" * 300 + "&state=end"


class Shown:
    def __init__(self, qtbot: QtBot, request: ElicitationRequest) -> None:
        self.dialog = ElicitationDialog(request)
        qtbot.addWidget(self.dialog)
        self.answers: list[ElicitationAnswer] = []
        self.dialog.answered.connect(self.answers.append)
        self.dialog.show()
        qtbot.waitExposed(self.dialog)

    def field(self, key: str) -> Any:
        return next(field.widget for field in self.dialog.fields if field.key == key)


def form(qtbot: QtBot, schema: dict[str, Any] = SCHEMA) -> Shown:
    return Shown(qtbot, ElicitationRequest("crm", "Who should the ticket be for?", schema))


def send(view: Shown) -> str:
    view.dialog.send_button.click()
    return view.dialog.problem.text


def test_form_shows_server_message_and_fields(qtbot: QtBot) -> None:
    view = form(qtbot)
    text = all_text(view.dialog)
    assert "“crm” is asking you" in text
    assert "Who should the ticket be for?" in text
    assert "Your name (required)" in text and "As on your badge" in text
    assert "email (required)" in text and "age" in text
    assert isinstance(view.field("age"), QLineEdit)
    sizes = view.field("size")
    assert isinstance(sizes, QComboBox)
    assert [sizes.itemText(i) for i in range(sizes.count())] == ["Choose…", "Small", "Medium"]
    news = view.field("news")
    assert isinstance(news, QCheckBox) and news.isChecked()
    assert view.dialog.focusWidget() is view.field("name")


def test_form_is_checked_before_it_is_sent(qtbot: QtBot) -> None:
    view = form(qtbot)
    assert send(view) == "Fill in “Your name”; it is required."
    qtbot.keyClicks(view.field("name"), "A")  # type: ignore[no-untyped-call]
    assert send(view) == "“Your name” must be at least 2 characters long."
    qtbot.keyClicks(view.field("name"), "da")  # type: ignore[no-untyped-call]
    assert send(view) == "Fill in “email”; it is required."
    qtbot.keyClicks(view.field("email"), "ada at example")  # type: ignore[no-untyped-call]
    assert send(view) == "“email” must be an email address, like name@example.com."
    view.field("email").setText("ada@example.com")
    view.field("age").setText("36.5")
    assert send(view) == "“age” must be a whole number."
    view.field("age").setText("200")
    assert send(view) == "“age” must be at most 150."
    view.field("age").setText("36")
    view.field("when").setText("tomorrow")
    assert send(view) == "“when” must be a date, like 2025-01-31."
    assert view.answers == []
    view.field("when").setText("2025-03-01")
    view.field("size").setCurrentIndex(2)
    view.field("colour").setCurrentIndex(1)
    view.field("news").setChecked(False)
    view.dialog.send_button.click()
    content = {
        "name": "Ada",
        "email": "ada@example.com",
        "age": 36,
        "size": "m",
        "colour": "r",
        "news": False,
        "when": "2025-03-01",
    }
    assert view.answers == [ElicitationAnswer("accept", content)]


def test_optional_fields_left_empty_are_left_out(qtbot: QtBot) -> None:
    view = form(qtbot)
    view.field("name").setText("Ada")
    view.field("email").setText("ada@example.com")
    view.dialog.send_button.click()
    assert view.answers == [
        ElicitationAnswer("accept", {"name": "Ada", "email": "ada@example.com", "news": True})
    ]


def test_decline_and_cancel(qtbot: QtBot) -> None:
    declined = form(qtbot)
    declined.dialog.decline_button.click()
    assert declined.answers == [ElicitationAnswer("decline")]
    escaped = form(qtbot)
    qtbot.keyClick(escaped.dialog, Qt.Key.Key_Escape)  # type: ignore[no-untyped-call]
    assert escaped.answers == [ElicitationAnswer("cancel")]
    closed = form(qtbot)
    closed.dialog.close()
    assert closed.answers == [ElicitationAnswer("cancel")]


def test_return_in_a_field_sends_nothing(qtbot: QtBot) -> None:
    view = form(qtbot)
    view.field("name").setText("Ada")
    view.field("email").setText("ada@example.com")
    qtbot.keyClick(view.field("email"), Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    assert view.answers == []
    assert view.dialog.isVisible()


def test_hostile_form_is_contained(qtbot: QtBot) -> None:
    schema = {
        "properties": {
            "<b>pin</b>": {"type": "string", "title": "PIN\u200b<img src=x>"},
            "nested": {"type": "object"},
            "broken": "not a schema",
        },
        "required": ["nested"],
    }
    view = Shown(qtbot, ElicitationRequest("<i>crm</i>", "<a href='https://evil.example'>Click</a>", schema))
    labels = [label for label in view.dialog.findChildren(QLabel) if label.text()]
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in labels if "<" in label.text())
    text = all_text(view.dialog)
    assert "<a href='https://evil.example'>Click</a>" in text
    assert "PIN⟦U+200B⟧<img src=x>" in text
    assert "MCP Desk can't show the required field “nested”." in text
    assert not view.dialog.send_button.isEnabled()
    view.dialog.decline_button.click()
    assert view.answers == [ElicitationAnswer("decline")]


class Browser(QObject):
    """Stands in for the desktop's browser through Qt's own URL-handler hook."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))


@pytest.fixture
def browser(qtbot: QtBot) -> Iterator[Browser]:
    handler = Browser()
    for scheme in ("http", "https", "javascript", "file"):
        QDesktopServices.setUrlHandler(scheme, handler, "open")  # type: ignore[arg-type]
    yield handler
    for scheme in ("http", "https", "javascript", "file"):
        QDesktopServices.unsetUrlHandler(scheme)


def link(qtbot: QtBot, url: str) -> Shown:
    return Shown(qtbot, ElicitationRequest("github", "Sign in to GitHub to continue.", url=url))


def test_url_is_shown_in_full_and_opened_only_on_consent(qtbot: QtBot, browser: Browser) -> None:
    view = link(qtbot, LONG_URL)
    assert view.dialog.address_box.toPlainText() == LONG_URL
    assert "Website: accounts.example.com" in all_text(view.dialog)
    assert view.dialog.send_button.text() == "Open in browser"
    assert view.dialog.focusWidget() is view.dialog.cancel_button
    assert browser.opened == []
    view.dialog.send_button.click()
    assert browser.opened == [LONG_URL]
    assert view.answers == [ElicitationAnswer("accept")]


def test_url_declined_opens_nothing(qtbot: QtBot, browser: Browser) -> None:
    view = link(qtbot, LONG_URL)
    view.dialog.decline_button.click()
    assert view.answers == [ElicitationAnswer("decline")]
    assert browser.opened == []


@pytest.mark.parametrize(
    ("url", "warning", "openable"),
    [
        ("javascript:alert(1)", "MCP Desk opens only web pages", False),
        ("file:///home/me/.ssh/id_rsa", "MCP Desk opens only web pages", False),
        ("https://github.com@evil.example/login", "the page is really on evil.example", True),
        ("https://xn--gthub-n4a.com/login", "unusual letters", True),
        ("https://gіthub.com/login", "unusual letters", True),
        ("https://git\u200bhub.com/login", "characters you can't see", False),
        ("https://github.com/login\nhttps://evil.example", "characters you can't see", False),
        ("https://[::1/", "not a web address MCP Desk can open", False),
    ],
)
def test_suspicious_urls_are_called_out(
    qtbot: QtBot, browser: Browser, url: str, warning: str, openable: bool
) -> None:
    view = link(qtbot, url)
    assert warning in all_text(view.dialog)
    assert view.dialog.send_button.isEnabled() is openable
    view.dialog.send_button.click()
    assert (view.answers == [ElicitationAnswer("accept")]) is openable
    assert bool(browser.opened) is openable
