"""A server's prompts as MCP Desk shows them: what each asks for, and the messages one gives.

Plain dataclasses, made from the SDK's answers in `content_from_sdk`, so the UI never sees the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class PromptArgumentInfo:
    name: str
    title: str = ""
    description: str = ""
    required: bool = False

    @property
    def label(self) -> str:
        return self.title or self.name


@dataclass(frozen=True)
class PromptInfo:
    server: str
    name: str
    title: str = ""
    description: str = ""
    arguments: tuple[PromptArgumentInfo, ...] = ()

    @property
    def label(self) -> str:
        return self.title or self.name


@dataclass(frozen=True)
class PromptMessageInfo:
    role: str
    """"user" or "assistant"."""
    text: str
    """The message's text; an image or other binary part as a line saying what it is."""


@dataclass(frozen=True)
class PromptResult:
    server: str
    prompt: str
    description: str
    messages: tuple[PromptMessageInfo, ...]
    wire: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)
    """The messages as the server sent them (JSON), for the apps MCP Desk relays them to."""

    @property
    def text(self) -> str:
        """The messages as one text for the composer, each after its speaker when there are several."""
        if len(self.messages) == 1:
            return self.messages[0].text
        return "\n\n".join(f"{m.role.capitalize()}: {m.text}" for m in self.messages)


class RefKind(StrEnum):
    PROMPT = "ref/prompt"
    TEMPLATE = "ref/resource"


@dataclass(frozen=True)
class CompletionRef:
    """What a completion is asked for: a prompt's argument, or a resource template's blank."""

    kind: RefKind
    name: str
    """The prompt's name, or the template's address (`uri_template`)."""
