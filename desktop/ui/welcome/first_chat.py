"""The chat the welcome flow opens, whose first answer is sure to use a tool."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject

from desktop.llm.backends.backend import ToolChoice
from desktop.llm.backends.tool_choices import folder_choices
from desktop.llm.chat.control import ChatControl, ChatSettings, ChatSummary
from desktop.servers.folder_share import FILES_SERVER, folder_share
from desktop.ui.bridge import Bridge
from desktop.ui.pages.chat_page import ChatPage

LIST_TOOL = "list_directory"
"""The files server's read-only tool the first answer must call."""
LISTING = f"{FILES_SERVER}__{LIST_TOOL}"


class FirstChat(QObject):
    """Creates the chat, sends the user's question in it, and makes it an ordinary chat afterwards.

    Its first turn offers only the files server's listing tool, requires a call and holds its folder
    to the shared folder or one in it, so even a small model makes a call that works and the user
    sees the consent question; once that turn ends, the chat offers every
    tool and lets the model choose, like any other. Without a model the question is left in the box
    for when one is loaded.
    """

    def __init__(self, bridge: Bridge, page: ChatPage) -> None:
        super().__init__(page)
        self._bridge = bridge
        self._page = page
        self.chat_id: str | None = None
        bridge.chat_turn_changed.connect(self._on_bridge_chat_turn_changed)

    def start(self, title: str, prompt: str) -> None:
        chats, control = self._bridge.chats, self._bridge.control
        assert chats is not None and control is not None
        hidden = tuple(t.qualified_name for t in control.tools(FILES_SERVER) if t.name != LIST_TOOL)
        shared = folder_share(control.config_of(FILES_SERVER))

        async def create() -> ChatSummary:
            # The folder to list can only be one that is there: the shared folder or one in it.
            where = (
                await asyncio.to_thread(folder_choices, LISTING, "path", shared.folder) if shared else None
            )
            first_turn = ChatSettings(
                servers=(FILES_SERVER,),
                hidden_tools=hidden,
                tool_choice=ToolChoice.REQUIRED,
                argument_choices=(where,) if where is not None else (),
            )
            chat = await chats.create(title)
            await chats.save_settings(chat.id, first_turn)
            return chat

        self._bridge.call(create(), lambda chat: self._on_created(chat, prompt))

    def _on_created(self, chat: ChatSummary, prompt: str) -> None:
        self.chat_id = chat.id
        chats = self._bridge.chats
        if chats is None or chats.ready() is None:
            self._page.send_in_new_chat(chat, prompt)
            return
        # Nothing can answer yet (no model): the Chat says what is missing and has a button to
        # the Model page; the question waits in the box, and its first turn is still this showcase.
        self._page.open_chat(chat.id)
        self._page.composer.restore(prompt)

    def _on_bridge_chat_turn_changed(self, chat_id: str, busy: bool, _status: str) -> None:
        if chat_id != self.chat_id or busy:
            return
        self.chat_id = None
        chats: ChatControl | None = self._bridge.chats
        if chats is not None:
            self._bridge.call(chats.save_settings(chat_id, ChatSettings()))
