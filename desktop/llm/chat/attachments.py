"""A server's resource attached to a chat message: its text under a header naming where it came from,
cut to a share of the model's context when it is too big, with a sentence saying so."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

from desktop.core.consent import CallContext
from desktop.llm.backends.backend import ChatBackend
from desktop.llm.chat.control import ChatMessage, Role
from desktop.servers.resources import ResourceRead

SHARE = 0.5
"""At most this share of the model's context goes to one attachment."""
UNKNOWN_CONTEXT = 8192
"""The context assumed while no model is loaded."""
LONGEST_TOKEN = 32
"""Hardly a token is longer than this many characters, so text past `LONGEST_TOKEN` × the budget is never
counted (a 1 MB resource is not tokenized whole); at worst a little less than would fit is attached."""
CHANGED = "changed since it was attached"
"""In the note a chat gets when an attached resource changed (`attachment_watch`)."""
CUT_TRIES = 6
"""Cutting again and counting, until the attachment fits (the header and the template count too)."""


class ResourceReader(Protocol):
    """Where attachments come from (`ServerManager` is one)."""

    async def read_resource(
        self, name: str, uri: str, by_user: bool, context: CallContext | None = None
    ) -> ResourceRead: ...


@dataclass(frozen=True)
class Attachment:
    server: str
    uri: str
    text: str
    """What goes into the message: a header naming the server and the address, then the content."""
    tokens: int
    """About how much of the model's context `text` takes."""
    note: str = ""
    """A sentence for the user when the content was cut or cannot be shown to the model."""


async def attachment(read: ResourceRead, backend: ChatBackend, portion: float = SHARE) -> Attachment:
    """`read` as an attachment for `backend`'s model, header and all within `portion` of its context."""
    budget = int((backend.context_limit() or UNKNOWN_CONTEXT) * portion)
    whole = read.text
    keep = min(len(whole), budget * LONGEST_TOKEN)
    for _try in range(CUT_TRIES):
        share = _share(keep, len(whole))
        mark = f"\n[MCP Desk cut this here: only the first {share} fits in the model's context.]"
        text = _framed(read, whole if keep == len(whole) else whole[:keep] + mark)
        tokens = await _count(backend, text)
        if tokens <= budget or keep == 0:
            break
        keep = int(keep * budget / tokens * 0.9)
    note = f"{read.uri} is not text: the model is told only its type and size." if _binary(read) else ""
    if keep < len(whole):
        note = (
            f"Only the first {share} of {resource_name(read.uri)} fits: "
            "this model can read only so much at once. "
            "A model that reads more can be chosen on the Model page."
        )
    return Attachment(read.server, read.uri, text, tokens, note)


def _share(part: int, whole: int) -> str:
    percent = 100 * part / whole if whole else 100
    return f"{percent:.1f}%" if percent < 1 else f"{round(percent)}%"


def resource_name(uri: str) -> str:
    """What a person calls the resource at `uri`: the last part of its address."""
    return unquote(uri.rstrip("/").rsplit("/", 1)[-1]) or uri


def _framed(read: ResourceRead, content: str) -> str:
    return f"--- Attached from “{read.server}”: {read.uri} ---\n{content}\n--- End of {read.uri} ---"


_DETAILS = re.compile(r"Server: (.+)\nAddress: (\S+)")
_HEADER = re.compile(r"^--- Attached from “(.+?)”: (\S+) ---$", re.MULTILINE)


_BLOCK = re.compile(
    r"^--- Attached from “(.+?)”: (\S+) ---\n.*?\n--- End of \2 ---$\n?", re.MULTILINE | re.DOTALL
)


def attached_in(text: str) -> list[tuple[str, str]]:
    """The (server, address) of each attachment in a message as sent, in order, each once."""
    return list(dict.fromkeys(_HEADER.findall(text)))


def typed_part(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A message as sent, split for showing: what the user typed, and the (server, address) of each
    attachment framed in it."""
    attached = [(found[1], found[2]) for found in _BLOCK.finditer(text)]
    return _BLOCK.sub("", text).strip(), attached


def _binary(read: ResourceRead) -> bool:
    return any(part.text is None for part in read.contents)


def changed_details(server: str, uri: str) -> str:
    """A note's details naming the attached resource that changed (see `changed_resource`)."""
    return f"Server: {server}\nAddress: {uri}"


def changed_resource(message: ChatMessage) -> tuple[str, str] | None:
    """The (server, address) a note says changed since it was attached; None for any other message."""
    if message.role is not Role.NOTE or CHANGED not in message.text:
        return None
    found = _DETAILS.fullmatch(message.details)
    return (found.group(1), found.group(2)) if found else None


def with_attachments(text: str, attachments: Sequence[Attachment]) -> str:
    """The message as sent: each attachment, then what the user wrote."""
    return "\n\n".join([*(a.text for a in attachments), text]).strip()


async def _count(backend: ChatBackend, text: str) -> int:
    return await backend.count_tokens([{"role": "user", "content": text}], [])
