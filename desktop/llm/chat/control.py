"""What the Chat page may ask of the chat side, and what it hears back.

`ChatService` implements `ChatControl`; the page depends on this module only.
Coroutines run on the service loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from desktop.core.events import IconRef, ModelEvent, ToolInfo
from desktop.core.suspicious import Flag
from desktop.llm.backends.backend import ArgumentChoices, ChatParams, ToolChoice
from desktop.servers.result_parts import ResultPart

if TYPE_CHECKING:
    from desktop.llm.chat.attachments import Attachment


@dataclass(frozen=True)
class ChatSettings:
    system_prompt: str = "You are a helpful assistant. Use the tools you are given when they help."
    params: ChatParams = field(default_factory=ChatParams)
    servers: tuple[str, ...] | None = None
    """The servers whose tools the model may see; None means every running server."""
    hidden_tools: tuple[str, ...] = ()
    """Qualified names (`server__tool`) the user took away from this chat."""
    tool_choice: ToolChoice = ToolChoice.AUTO
    argument_choices: tuple[ArgumentChoices, ...] = ()
    """Arguments held to the values the app knows they can take (the welcome's first call)."""

    def offers(self, tool: ToolInfo) -> bool:
        if self.tool_choice is ToolChoice.NONE or tool.qualified_name in self.hidden_tools:
            return False
        return self.servers is None or tool.server in self.servers


@dataclass(frozen=True)
class ChatSummary:
    id: str
    title: str
    created: float
    updated: float
    preview: str = ""
    """The start of the last message, for the list."""


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"
    NOTE = "note"
    """MCP Desk speaking to the user inside the chat (a problem, tools left out); never sent to the model."""


class CallStatus(StrEnum):
    WAITING = "waiting for you"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    DENIED = "not allowed"
    GARBLED = "garbled"
    """The model's request could not be read; nothing was asked or run."""
    SKIPPED = "not run"
    """Nothing was asked or run: the same call was made earlier in the answer, or the user had said no."""
    SLOW = "taking longer"
    """Still running past the server's usual time: the user may keep waiting or stop it."""
    STOPPED = "stopped"
    """The user stopped the call while it was taking longer than usual."""


@dataclass(frozen=True)
class CallProgress:
    """How far a running call has got, as its server says."""

    done: float
    total: float | None = None
    """None: the server does not know how much there is to do."""
    message: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total or self.total <= 0:
            return None
        return max(0.0, min(1.0, self.done / self.total))


@dataclass(frozen=True)
class ToolCard:
    """One tool call as the chat shows it."""

    call_id: str
    tool: str
    """The qualified name the model used (`server__tool`)."""
    arguments: dict[str, Any] | None
    status: CallStatus
    result: str = ""
    """The result as text (untrusted: the page shows it escaped), or what went wrong."""
    structured: Any = None
    duration_s: float | None = None
    audit_seq: int | None = None
    flags: tuple[Flag, ...] = ()
    """Instruction-like text or hidden characters found in the result."""
    note: str = ""
    """E.g. that the result was cut to size, or did not match the tool's output schema."""
    title: str = ""
    """The tool's name as people read it (its title, or “List directory”); "" on cards saved before."""
    parts: tuple[ResultPart, ...] = ()
    """The result's images, sounds and resources, as the server sent them (its text is in `result`)."""
    icons: tuple[IconRef, ...] = ()
    """The tool's own icons, as it offered them (drawn where the service side allows)."""
    structured_fits: bool = False
    """`structured` matches the tool's output schema, so it can be shown as a table or a tree."""
    app_view: str | None = None
    """The tool's MCP App view (`ui://…`), shown in the card once the result is in."""
    progress: CallProgress | None = None
    """The server's latest progress on a running call."""
    waited_s: float = 0.0
    """For a call taking longer than usual: how long it had run when the user was asked."""
    task_id: str = ""
    """The server runs the call as this task: followed again after a restart while the card is running."""
    decision_seq: int | None = None
    """The audit record of the decision to make a call that became a task (for its result record)."""


class Caveat(StrEnum):
    """Why an answer in words may not be what it seems."""

    NONE = ""
    NO_TOOL_USED = "no tool used"
    """The chat said to use a tool first, and the model answered in words instead."""
    CANNOT_USE_TOOLS = "cannot use tools"
    """Tools were offered to a model that wasn't made to use them, and it answered in words."""


@dataclass(frozen=True)
class ChatMessage:
    id: int
    chat_id: str
    role: Role
    text: str
    created: float
    cards: tuple[ToolCard, ...] = ()
    """The tool calls an assistant message asked for."""
    tool_call_id: str | None = None
    """For a TOOL message: which card's call this answers."""
    details: str = ""
    """For a NOTE: the technical story, one click away."""
    caveat: Caveat = Caveat.NONE
    """For an answer in words: why it may be made up rather than looked up."""
    replaced: bool = False
    """An earlier answer that Regenerate wrote again: still shown, never sent to the model."""


@dataclass(frozen=True)
class ContextUse:
    used: int
    """Tokens of the conversation as the model will see it, tools included."""
    tools: int
    """Of which the tool definitions take this many."""
    limit: int
    tools_offered: int = 0
    left_out: tuple[str, ...] = ()
    """The tools not offered to fit the context, as people call them."""
    tools_ready: bool = False
    """The model had already read this chat's tools when it last answered (kept from an earlier chat)."""


@dataclass(frozen=True)
class BackendSettings:
    kind: str = "local"
    """"local" (the model loaded on the Model page) or "openai" (an OpenAI-compatible endpoint)."""
    base_url: str = ""
    model: str = ""
    context: int = 8192
    """The endpoint model's context size in tokens, for the context meter and fitting tools in."""
    sees_images: bool = False
    """The endpoint's model takes images: a tool's images are sent to it, not only described."""


@dataclass(frozen=True)
class ChatListChanged(ModelEvent):
    """Chats were added, renamed or deleted; ask `chats()` again."""


@dataclass(frozen=True)
class ChatMessageChanged(ModelEvent):
    """A message was added or changed (a card's status moved on, a streamed answer finished)."""

    message: ChatMessage


@dataclass(frozen=True)
class ChatTextArrived(ModelEvent):
    """More of the answer being written, a few times a second."""

    chat_id: str
    message_id: int
    text: str


@dataclass(frozen=True)
class ChatTurnChanged(ModelEvent):
    chat_id: str
    busy: bool
    status: str = ""
    """What is happening in plain words ("Thinking…", "Waiting for your answer…")."""


@dataclass(frozen=True)
class ContextMeasured(ModelEvent):
    chat_id: str
    use: ContextUse


class ChatControl(Protocol):
    async def chats(self, search: str = "") -> list[ChatSummary]:
        """Newest first; `search` matches titles and message text."""
        ...

    async def create(self, title: str = "") -> ChatSummary: ...
    async def rename(self, chat_id: str, title: str) -> None: ...
    async def delete(self, chat_id: str) -> None: ...
    async def messages(self, chat_id: str) -> list[ChatMessage]: ...
    async def settings(self, chat_id: str) -> ChatSettings: ...
    async def save_settings(self, chat_id: str, settings: ChatSettings) -> None: ...
    async def tools(self) -> list[ToolInfo]:
        """Every tool of every running server (the per-chat choice picks from these)."""
        ...

    async def send(self, chat_id: str, text: str) -> None:
        """Start a turn; returns at once. Progress arrives as events."""
        ...

    async def regenerate(self, chat_id: str) -> None:
        """Answer the last user message again; the earlier answer stays in view, marked `replaced`."""
        ...

    async def attach(self, server: str, uri: str) -> Attachment:
        """Read `uri` from `server` for the next message (audited as the user's), cut to fit the context."""
        ...

    async def answer_slow_call(self, chat_id: str, call_id: str, keep_waiting: bool) -> None:
        """For a card taking longer than usual: wait another while, or stop the call."""
        ...

    def stop(self, chat_id: str) -> None: ...
    def busy(self, chat_id: str) -> bool: ...
    async def context_use(self, chat_id: str) -> ContextUse: ...
    def backend_settings(self) -> BackendSettings: ...
    async def save_backend_settings(self, settings: BackendSettings, key: str | None) -> None:
        """`key` None keeps the stored key; "" deletes it."""
        ...

    def ready(self) -> str | None:
        """None when a message can be sent; otherwise a sentence saying what to do first."""
        ...

    def can_use_tools(self) -> bool:
        """False when the model answering now wasn't made to use tools (its chat template offers none)."""
        ...
