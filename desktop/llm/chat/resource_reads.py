"""The model reading a server's resources itself.

Each running server that lists resources (other than tools' `ui://` views) is offered to the model
as one more tool, `<server>__read_resource`, whose description names those resources (title and
address) and whose one argument is the address. The read is not a tool call: it goes to
`read_resource(by_user=False)`, so the consent gate asks first (worded as a read) and the audit trail
records it, and the content comes back cut to its share of the context, as an attachment is. A
server with a tool of that name keeps its own tool and is not offered reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import anyio

from desktop.core.consent import CallContext
from desktop.core.events import ServerState, ServerStatus, ToolInfo
from desktop.core.problem import Problem
from desktop.llm.backends.backend import ChatBackend
from desktop.llm.chat.attachments import UNKNOWN_CONTEXT, ResourceReader, attachment
from desktop.llm.chat.tool_offer import CHARS_PER_TOKEN, MAX_RESULT_CHARS, RESULT_SHARE
from desktop.llm.chat.turn import ToolHost
from desktop.servers.app_views import is_view
from desktop.servers.control import ToolCallOutcome
from desktop.servers.resources import READ_RESOURCE, ReadDenied, ResourceInfo

LISTED = 24
"""At most this many resources are named in a read tool's description (and held to in its argument)."""
LABEL_CHARS = 60
LIST_WAIT = 5.0
"""Seconds a turn waits for a server to list its resources the first time."""
RELIST_WAIT = 0.5
"""Seconds a turn waits for a server that listed before; past that, its last list is offered."""


@runtime_checkable
class ResourceLister(ResourceReader, Protocol):
    """Where the resources come from (`ServerManager` is one)."""

    async def resources(self, name: str) -> list[ResourceInfo]: ...


class ResourceReads:
    """A `ToolHost` that is `host` plus one read tool per running server with resources.

    `refresh` lists the running servers' resources again (before a turn, or a measure of the context).
    """

    def __init__(self, host: ToolHost, lister: ResourceLister, backend: Callable[[], ChatBackend]) -> None:
        self._host = host
        self._lister = lister
        self._backend = backend
        self._listed: dict[str, tuple[ResourceInfo, ...]] = {}

    def statuses(self) -> list[ServerStatus]:
        return self._host.statuses()

    def tools(self, server: str | None = None) -> list[ToolInfo]:
        own = self._host.tools(server)
        return own + [tool for tool in self._reads(own).values() if server in (None, tool.server)]

    async def refresh(self) -> None:
        """List the running servers' resources again, side by side; one slow to answer keeps its last list."""
        running = [s.name for s in self._host.statuses() if s.state is ServerState.RUNNING]
        listed: dict[str, tuple[ResourceInfo, ...]] = {}

        async def list_one(name: str) -> None:
            with anyio.move_on_after(RELIST_WAIT if name in self._listed else LIST_WAIT) as waited:
                try:
                    found = await self._lister.resources(name)
                    listed[name] = tuple(resource for resource in found if not is_view(resource.uri))
                except Problem:  # a server that cannot list now is offered no reads this time
                    return
            if waited.cancelled_caught and name in self._listed:
                listed[name] = self._listed[name]

        async with anyio.create_task_group() as tasks:
            for name in running:
                tasks.start_soon(list_one, name)
        self._listed = {name: found for name, found in listed.items() if found}

    async def resume_task(
        self,
        qualified_name: str,
        task_id: str,
        decision_seq: int,
        arguments: dict[str, Any],
        context: CallContext,
    ) -> ToolCallOutcome:
        return await self._host.resume_task(qualified_name, task_id, decision_seq, arguments, context)

    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome:
        tool = self._reads(self._host.tools()).get(qualified_name)
        if tool is None:
            return await self._host.call_tool(qualified_name, arguments, context)
        uri = str(arguments.get("uri", ""))
        if uri not in {r.uri for r in self._listed.get(tool.server, ())}:
            where = uri or "that address"
            text = f"“{tool.server}” lists no resource at {where}. Use one of the addresses given."
            return ToolCallOutcome(tool.server, READ_RESOURCE, False, text, arguments=arguments)
        try:
            read = await self._lister.read_resource(tool.server, uri, by_user=False, context=context)
        except ReadDenied as problem:
            return ToolCallOutcome(
                tool.server, READ_RESOURCE, False, problem.message, denied=True, arguments=arguments
            )
        backend = self._backend()
        room = backend.context_limit() or UNKNOWN_CONTEXT
        # within a result's share of the context, and within the characters a result may have
        portion = min(RESULT_SHARE, MAX_RESULT_CHARS / CHARS_PER_TOKEN / room)
        attached = await attachment(read, backend, portion)
        return ToolCallOutcome(tool.server, READ_RESOURCE, True, attached.text, arguments=arguments)

    def _reads(self, own: list[ToolInfo]) -> dict[str, ToolInfo]:
        taken = {tool.qualified_name for tool in own}
        made = (read_tool_for(server, found) for server, found in self._listed.items())
        return {tool.qualified_name: tool for tool in made if tool.qualified_name not in taken}


def read_tool_for(server: str, resources: tuple[ResourceInfo, ...]) -> ToolInfo:
    """The tool the model is offered to read one of `server`'s resources, naming them compactly."""
    shown = resources[:LISTED]
    lines = [f"- {_short(r.label)}: {r.uri}" for r in shown]
    if len(resources) > LISTED:
        lines.append(f"- and {len(resources) - LISTED} more")
    uri: dict[str, Any] = {"type": "string", "description": "The address of the resource to read"}
    if len(resources) <= LISTED:
        uri["enum"] = [r.uri for r in shown]
    return ToolInfo(
        server,
        READ_RESOURCE,
        f"Read one of {server}'s resources; its content comes back as text. The resources:\n"
        + "\n".join(lines),
        {"type": "object", "properties": {"uri": uri}, "required": ["uri"]},
        title="Read a resource",
        annotations={"readOnlyHint": True},
    )


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
