"""An attachment's text, header and cut, counted by a backend as the chat counts a message."""

from __future__ import annotations

import pytest

from desktop.llm.chat.attachments import SHARE, attachment, with_attachments
from desktop.servers.resources import ResourceContent, ResourceRead
from tests.unit.llm.chat.chat_doubles import ScriptedBackend

pytestmark = pytest.mark.anyio


def text_read(text: str) -> ResourceRead:
    return ResourceRead(
        "docs", "docs://a.txt", (ResourceContent("docs://a.txt", "text/plain", len(text), text=text),)
    )


async def test_a_small_text_goes_whole_under_its_header() -> None:
    made = await attachment(text_read("hello"), ScriptedBackend(context=4096))

    assert made.text == "--- Attached from “docs”: docs://a.txt ---\nhello\n--- End of docs://a.txt ---"
    assert made.note == "" and made.tokens > 0


async def test_a_huge_text_is_cut_to_its_share_of_the_context_and_says_so() -> None:
    backend = ScriptedBackend(context=1024)

    made = await attachment(text_read("word " * 400_000), backend)

    assert made.tokens <= 1024 * SHARE
    assert made.text.endswith("% fits in the model's context.]\n--- End of docs://a.txt ---")
    assert made.note.startswith(
        "Only the first 0.1% of a.txt fits: this model can read only so much at once."
    )


async def test_binary_content_is_named_not_sent() -> None:
    blob = ResourceContent("docs://b.pdf", "application/pdf", 2048)
    made = await attachment(ResourceRead("docs", "docs://b.pdf", (blob,)), ScriptedBackend())

    assert "[application/pdf, 2.0 KB]" in made.text
    assert made.note == "docs://b.pdf is not text: the model is told only its type and size."


async def test_the_message_puts_attachments_before_what_the_user_wrote() -> None:
    made = await attachment(text_read("hello"), ScriptedBackend())

    assert with_attachments("What is it?", [made]) == f"{made.text}\n\nWhat is it?"
    assert with_attachments("", [made]) == made.text
