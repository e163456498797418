"""Chats written by an earlier MCP Desk open in this one, their messages whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.core.events import IconRef
from desktop.llm.chat.control import CallStatus, Caveat, ChatSettings, Role, ToolCard
from desktop.llm.chat.store import ChatStore, new_message
from desktop.servers.result_parts import LinkPart, MediaPart

BEFORE_CAVEATS = """
CREATE TABLE chats (id TEXT PRIMARY KEY, title TEXT NOT NULL, created REAL NOT NULL,
    updated REAL NOT NULL, settings TEXT NOT NULL);
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE, role TEXT NOT NULL, text TEXT NOT NULL,
    created REAL NOT NULL, cards TEXT NOT NULL DEFAULT '[]', tool_call_id TEXT,
    details TEXT NOT NULL DEFAULT '');
INSERT INTO chats VALUES ('old', 'Old chat', 1, 1, '{}');
INSERT INTO messages (chat_id, role, text, created, cards) VALUES ('old', 'user', 'hello', 1, '[]');
INSERT INTO messages (chat_id, role, text, created, cards) VALUES ('old', 'assistant', 'hi there', 2,
    '[{"call_id": "c1", "tool": "files__read", "arguments": {}, "status": "done", "result": "x",
       "structured": null, "duration_s": 0.5, "audit_seq": 3, "flags": [], "note": ""}]');
"""


def test_an_earlier_chats_file_opens_and_takes_the_new_marks(tmp_path: Path) -> None:
    path = tmp_path / "chats.db"
    with sqlite3.connect(path) as db:
        db.executescript(BEFORE_CAVEATS)
    store = ChatStore(path)
    user, answer = store.messages("old")
    assert (user.text, answer.text, answer.caveat, answer.replaced) == (
        "hello",
        "hi there",
        Caveat.NONE,
        False,
    )
    assert answer.cards[0].title == "" and answer.cards[0].audit_seq == 3
    marked = store.add(new_message("old", Role.ASSISTANT, "It is 10:42.", caveat=Caveat.NO_TOOL_USED))
    changed = store.replace_from("old", answer.id)
    assert [m.id for m in changed] == [answer.id, marked.id]
    assert [(m.caveat, m.replaced) for m in store.messages("old")[1:]] == [
        (Caveat.NONE, True),
        (Caveat.NO_TOOL_USED, True),
    ]
    store.close()
    reopened = ChatStore(path)
    assert reopened.messages("old")[-1].caveat is Caveat.NO_TOOL_USED
    assert reopened.settings("old") == ChatSettings()
    reopened.close()


def test_a_cards_pictures_and_its_tools_icons_are_kept_with_the_chat(tmp_path: Path) -> None:
    card = ToolCard(
        "c1",
        "pics__snapshot",
        {},
        CallStatus.DONE,
        "Here is the snapshot.",
        icons=(IconRef("https://icons.example.com/camera.png", "image/png", ("48x48",)),),
        parts=(MediaPart("image", "image/png", 4, b"\x89PNG"), LinkPart("demo://1", "one")),
    )
    store = ChatStore(tmp_path / "chats.db")
    chat = store.create("Pictures", ChatSettings())
    store.add(new_message(chat.id, Role.ASSISTANT, "", cards=(card,)))
    store.close()
    (message,) = ChatStore(tmp_path / "chats.db").messages(chat.id)
    assert message.cards == (card,)
