"""Chats on disk: one SQLite file in the data folder, written as the chat goes.

Used from the service loop only. WAL keeps each message's write short; a chat that
crashes the app mid-answer keeps everything up to the last finished write.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from desktop.core.events import IconRef
from desktop.core.suspicious import Flag
from desktop.llm.backends.backend import ArgumentChoices, ChatParams, ToolChoice
from desktop.llm.chat.control import (
    CallProgress,
    CallStatus,
    Caveat,
    ChatMessage,
    ChatSettings,
    ChatSummary,
    Role,
    ToolCard,
)
from desktop.servers.result_parts import part_data, part_from

SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    settings TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    created REAL NOT NULL,
    cards TEXT NOT NULL DEFAULT '[]',
    tool_call_id TEXT,
    details TEXT NOT NULL DEFAULT '',
    caveat TEXT NOT NULL DEFAULT '',
    replaced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_by_chat ON messages(chat_id, id);
"""
ADDED_COLUMNS = {
    "caveat": "caveat TEXT NOT NULL DEFAULT ''",
    "replaced": "replaced INTEGER NOT NULL DEFAULT 0",
}
"""Columns newer than some chats files on disk: added where missing when the file opens."""
MESSAGE_FIELDS = (
    "chat_id",
    "role",
    "text",
    "created",
    "cards",
    "tool_call_id",
    "details",
    "caveat",
    "replaced",
)
MESSAGE_COLUMNS = ", ".join(("id", *MESSAGE_FIELDS))
INSERT_MESSAGE = (
    f"INSERT INTO messages ({', '.join(MESSAGE_FIELDS)}) VALUES ({', '.join('?' for _ in MESSAGE_FIELDS)})"
)
PREVIEW_CHARS = 80
NEW_TITLE = "New chat"


class ChatStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        present = {row[1] for row in self._db.execute("PRAGMA table_info(messages)")}
        for name, definition in ADDED_COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE messages ADD COLUMN {definition}")

    def close(self) -> None:
        self._db.close()

    # -- chats -------------------------------------------------------------------

    def chats(self, search: str = "") -> list[ChatSummary]:
        query = "SELECT id, title, created, updated FROM chats"
        args: tuple[str, ...] = ()
        if search.strip():
            pattern = f"%{_escape_like(search.strip())}%"
            query += (
                " WHERE title LIKE ? ESCAPE '\\' OR id IN"
                " (SELECT chat_id FROM messages WHERE text LIKE ? ESCAPE '\\' AND role != 'tool')"
            )
            args = (pattern, pattern)
        rows = self._db.execute(query + " ORDER BY updated DESC", args).fetchall()
        return [self._summary(row) for row in rows]

    def chat(self, chat_id: str) -> ChatSummary | None:
        row = self._db.execute(
            "SELECT id, title, created, updated FROM chats WHERE id = ?", (chat_id,)
        ).fetchone()
        return self._summary(row) if row else None

    def create(self, title: str, settings: ChatSettings) -> ChatSummary:
        now = time.time()
        summary = ChatSummary(uuid.uuid4().hex, title.strip() or NEW_TITLE, now, now)
        self._db.execute(
            "INSERT INTO chats (id, title, created, updated, settings) VALUES (?, ?, ?, ?, ?)",
            (summary.id, summary.title, now, now, json.dumps(settings_data(settings))),
        )
        return summary

    def rename(self, chat_id: str, title: str) -> None:
        self._db.execute("UPDATE chats SET title = ? WHERE id = ?", (title.strip() or NEW_TITLE, chat_id))

    def delete(self, chat_id: str) -> None:
        self._db.execute("DELETE FROM chats WHERE id = ?", (chat_id,))

    def settings(self, chat_id: str) -> ChatSettings:
        row = self._db.execute("SELECT settings FROM chats WHERE id = ?", (chat_id,)).fetchone()
        return settings_from(json.loads(row[0])) if row else ChatSettings()

    def save_settings(self, chat_id: str, settings: ChatSettings) -> None:
        self._db.execute(
            "UPDATE chats SET settings = ? WHERE id = ?", (json.dumps(settings_data(settings)), chat_id)
        )

    # -- messages ----------------------------------------------------------------

    def messages(self, chat_id: str) -> list[ChatMessage]:
        rows = self._db.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE chat_id = ? ORDER BY id", (chat_id,)
        ).fetchall()
        return [_message(row) for row in rows]

    def with_tasks(self) -> list[ChatMessage]:
        """Messages with a card whose call the server runs as a task (running or ended)."""
        rows = self._db.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE cards LIKE ? ESCAPE '\\' ORDER BY id",
            ('%"task\\_id": "_%',),
        ).fetchall()
        return [_message(row) for row in rows]

    def message(self, message_id: int) -> ChatMessage | None:
        row = self._db.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return _message(row) if row else None

    def add(self, message: ChatMessage) -> ChatMessage:
        cursor = self._db.execute(
            INSERT_MESSAGE,
            (
                message.chat_id,
                message.role.value,
                message.text,
                message.created,
                _cards_json(message.cards),
                message.tool_call_id,
                message.details,
                message.caveat.value,
                message.replaced,
            ),
        )
        self._touch(message.chat_id)
        return replace(message, id=int(cursor.lastrowid or 0))

    def update(self, message: ChatMessage) -> None:
        self._db.execute(
            "UPDATE messages SET text = ?, cards = ?, details = ?, caveat = ? WHERE id = ?",
            (message.text, _cards_json(message.cards), message.details, message.caveat.value, message.id),
        )
        self._touch(message.chat_id)

    def replace_from(self, chat_id: str, message_id: int) -> list[ChatMessage]:
        """Regenerate: answers from `message_id` on are kept as replaced, their tool results dropped.

        Returns the messages that changed. The model never sees them again; the user still does.
        """
        self._db.execute(
            "DELETE FROM messages WHERE chat_id = ? AND id >= ? AND role = ?",
            (chat_id, message_id, Role.TOOL.value),
        )
        self._db.execute(
            "UPDATE messages SET replaced = 1 WHERE chat_id = ? AND id >= ? AND role = ? AND replaced = 0",
            (chat_id, message_id, Role.ASSISTANT.value),
        )
        return [m for m in self.messages(chat_id) if m.id >= message_id and m.role is Role.ASSISTANT]

    def _touch(self, chat_id: str) -> None:
        self._db.execute("UPDATE chats SET updated = ? WHERE id = ?", (time.time(), chat_id))

    def _summary(self, row: tuple[str, str, float, float]) -> ChatSummary:
        chat_id, title, created, updated = row
        return ChatSummary(chat_id, title, created, updated, self._preview(chat_id))

    def _preview(self, chat_id: str) -> str:
        row = self._db.execute(
            "SELECT text FROM messages WHERE chat_id = ? AND role IN ('user', 'assistant') AND text != ''"
            " AND replaced = 0"
            " ORDER BY id DESC LIMIT 1",
            (chat_id,),
        ).fetchone()
        return " ".join(row[0].split())[:PREVIEW_CHARS] if row else ""


def new_message(chat_id: str, role: Role, text: str, **fields: Any) -> ChatMessage:
    return ChatMessage(0, chat_id, role, text, time.time(), **fields)


def settings_data(settings: ChatSettings) -> dict[str, Any]:
    return asdict(settings)


def settings_from(data: dict[str, Any]) -> ChatSettings:
    """Settings as stored; anything unreadable falls back to the default for that field."""
    defaults = ChatSettings()
    raw = data.get("params")
    try:
        if not isinstance(raw, dict):
            raise TypeError("params is not an object")
        params = ChatParams(
            temperature=min(max(float(raw["temperature"]), 0.0), 2.0),
            top_p=min(max(float(raw["top_p"]), 0.0), 1.0),
            max_tokens=max(int(raw["max_tokens"]), 1),
        )
    except (KeyError, TypeError, ValueError):
        params = defaults.params
    servers = data.get("servers")
    try:
        choice = ToolChoice(data.get("tool_choice", defaults.tool_choice))
    except ValueError:
        choice = defaults.tool_choice
    return ChatSettings(
        system_prompt=str(data.get("system_prompt", defaults.system_prompt)),
        params=params,
        servers=tuple(map(str, servers)) if isinstance(servers, list) else None,
        hidden_tools=tuple(map(str, data.get("hidden_tools", ()))),
        tool_choice=choice,
        argument_choices=_argument_choices(data.get("argument_choices")),
    )


def _argument_choices(raw: Any) -> tuple[ArgumentChoices, ...]:
    """As stored, a list of objects; an unreadable list is left out."""
    try:
        return tuple(
            ArgumentChoices(str(item["tool"]), str(item["argument"]), tuple(map(str, item["values"])))
            for item in raw or ()
        )
    except (KeyError, TypeError):
        return ()


def _cards_json(cards: tuple[ToolCard, ...]) -> str:
    """Images and sounds go in as base64, each within `MAX_PART_BYTES`: deleted with their chat."""
    return json.dumps(
        [{**asdict(card), "parts": [part_data(part) for part in card.parts]} for card in cards],
        ensure_ascii=False,
        default=str,
    )


def _card(data: dict[str, Any]) -> ToolCard:
    flags = tuple(Flag(**flag) for flag in data.pop("flags", ()))
    parts = tuple(part for part in map(part_from, data.pop("parts", ())) if part is not None)
    icons = tuple(IconRef(i["src"], i["mime_type"], tuple(i["sizes"])) for i in data.pop("icons", ()))
    status = CallStatus(data["status"])
    progress = data.pop("progress", None)
    data["progress"] = CallProgress(**progress) if progress else None
    return ToolCard(**{**data, "status": status, "flags": flags, "parts": parts, "icons": icons})


def _message(row: tuple[Any, ...]) -> ChatMessage:
    msg_id, chat_id, role, text, created, cards, tool_call_id, details, caveat, replaced = row
    return ChatMessage(
        msg_id,
        chat_id,
        Role(role),
        text,
        created,
        tuple(_card(card) for card in json.loads(cards)),
        tool_call_id,
        details,
        _caveat(caveat),
        bool(replaced),
    )


def _caveat(value: str) -> Caveat:
    try:
        return Caveat(value)
    except ValueError:  # written by a newer MCP Desk
        return Caveat.NONE


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
