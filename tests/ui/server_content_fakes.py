"""A server side with resources and prompts, shaped like npm's `server-everything` answers them
(tests/e2e/test_server_content.py checks the real one), and a chat side that attaches."""

from __future__ import annotations

from typing import cast

from desktop.core.consent import CallContext
from desktop.llm.backends.backend import ChatBackend, Message, ToolSpec
from desktop.llm.chat.attachments import Attachment, attachment
from desktop.servers.control import ServerProblem
from desktop.servers.prompts import (
    CompletionRef,
    PromptArgumentInfo,
    PromptInfo,
    PromptMessageInfo,
    PromptResult,
)
from desktop.servers.resources import ResourceContent, ResourceInfo, ResourceRead, ResourceTemplateInfo
from tests.ui.chat_fakes import FakeChats
from tests.ui.fakes import FakeControl

DOC = "demo://resource/static/document/architecture.md"
DOC_TEXT = (
    "# Everything Server – Architecture\n\nThe server is **modular**:\n\n- tools\n- resources\n- prompts\n"
)
TEMPLATE = "demo://resource/dynamic/text/{resourceId}"
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Support"]
LONG_DOC_TEXT = DOC_TEXT * 60
"""About 6 KB: more than half of `SmallModel`'s context, so attaching it cuts it."""


class ContentControl(FakeControl):
    """`FakeControl` whose running servers offer resources, a template and prompts."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.reads: list[tuple[str, str, bool]] = []
        self.completions: list[tuple[str, str, str]] = []

    async def resources(self, name: str) -> list[ResourceInfo]:
        return [
            ResourceInfo(
                name, DOC, "architecture.md", description="How the server is built", mime_type="text/markdown"
            ),
            ResourceInfo(
                name, "demo://resource/static/document/features.md", "features.md", mime_type="text/markdown"
            ),
        ]

    async def resource_templates(self, name: str) -> list[ResourceTemplateInfo]:
        return [ResourceTemplateInfo(name, TEMPLATE, "Dynamic Text Resource", mime_type="text/plain")]

    async def read_resource(
        self, name: str, uri: str, by_user: bool, context: CallContext | None = None
    ) -> ResourceRead:
        self.reads.append((name, uri, by_user))
        if uri.endswith("/missing"):
            raise ServerProblem(f"“{name}” said: Resource {uri} not found")
        text = DOC_TEXT if uri == DOC else f"Resource {uri.rsplit('/', 1)[-1]}: This is a plaintext resource"
        mime = "text/markdown" if uri == DOC else "text/plain"
        return ResourceRead(name, uri, (ResourceContent(uri, mime, len(text.encode()), text=text),))

    async def complete(
        self, name: str, ref: CompletionRef, argument: str, value: str, context: dict[str, str] | None = None
    ) -> list[str]:
        self.completions.append((ref.name, argument, value))
        if argument == "department":
            return [d for d in DEPARTMENTS if d.lower().startswith(value.lower())]
        return []

    async def prompts(self, name: str) -> list[PromptInfo]:
        city = PromptArgumentInfo("city", description="Name of the city", required=True)
        team = (
            PromptArgumentInfo("department", description="Choose the department.", required=True),
            PromptArgumentInfo("name", description="Choose a team member to lead the selected department."),
        )
        return [
            PromptInfo(name, "simple-prompt", "Simple Prompt", "A prompt with no arguments"),
            PromptInfo(name, "args-prompt", "Arguments Prompt", "A prompt with two arguments", (city,)),
            PromptInfo(
                name, "completable-prompt", "Team Management", "Pick a department, then a lead.", team
            ),
        ]

    async def get_prompt(self, name: str, prompt: str, args: dict[str, str]) -> PromptResult:
        text = (
            f"Please pick a lead for {args.get('department', '?')}." if args else "This is a simple prompt."
        )
        return PromptResult(name, prompt, "", (PromptMessageInfo("user", text),))


class SmallModel:
    """A model with 2,048 tokens of context, counting about four characters a token."""

    def context_limit(self) -> int:
        return 2048

    async def count_tokens(self, messages: list[Message], tools: list[ToolSpec]) -> int:
        return sum(len(str(m["content"])) for m in messages) // 4


class AttachingChats(FakeChats):
    """`FakeChats` that attaches the document as the chat does, the long one when `cut` says so."""

    cut = False

    async def attach(self, server: str, uri: str) -> Attachment:
        text = LONG_DOC_TEXT if self.cut else DOC_TEXT
        read = ResourceRead(server, uri, (ResourceContent(uri, "text/markdown", len(text), text=text),))
        return await attachment(read, cast(ChatBackend, SmallModel()))
