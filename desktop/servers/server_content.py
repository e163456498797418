"""What servers offer besides tools: resources, resource templates, prompts, and completions for them.

`ServerContent` asks a running server through its SDK `Client` (each request crosses the wire tap,
so the JSON-RPC log sees it). A server that does not offer a feature gives an empty list. Reading a
resource sends its data toward the model, so each read is audited; a read the model asks for goes
through the consent gate first, as a tool call does, and its decision is on disk before the read.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import mcp_types as types
from mcp import MCPError

from desktop.core.audit_records import AuditKind, AuditWriter
from desktop.core.consent import CallContext, ConsentGate
from desktop.core.events import ServerState, ToolInfo
from desktop.servers.content_from_sdk import (
    prompt_info,
    prompt_result,
    read_result,
    reference,
    resource_info,
    template_info,
)
from desktop.servers.control import ServerProblem
from desktop.servers.faults import describe, reason
from desktop.servers.prompts import CompletionRef, PromptInfo, PromptResult
from desktop.servers.resources import (
    READ_MARK,
    READ_RESOURCE,
    ReadDenied,
    ResourceInfo,
    ResourceRead,
    ResourceTemplateInfo,
)
from desktop.servers.supervisor import Supervisor

MAX_PAGES = 50
"""A server that keeps handing out cursors stops being asked after this many pages."""

T = TypeVar("T")
P = TypeVar("P", bound=types.PaginatedResult)


class ServerContent:
    def __init__(self, supervisor_of: Callable[[str], Supervisor], consent: ConsentGate, audit: AuditWriter):
        self._supervisor_of = supervisor_of
        self._consent = consent
        self._audit = audit
        self._labels: dict[tuple[str, str], str] = {}
        """What each resource listed so far is called (server, address), for the consent question."""

    async def resources(self, name: str) -> list[ResourceInfo]:
        pages = await self._pages(name, "resources", lambda c, cursor: c.list_resources(cursor=cursor))
        found = [resource_info(name, r) for page in pages for r in page.resources]
        self._labels.update({(name, r.uri): r.label for r in found})
        return found

    async def resource_templates(self, name: str) -> list[ResourceTemplateInfo]:
        pages = await self._pages(
            name, "resources", lambda c, cursor: c.list_resource_templates(cursor=cursor)
        )
        return [template_info(name, t) for page in pages for t in page.resource_templates]

    async def prompts(self, name: str) -> list[PromptInfo]:
        pages = await self._pages(name, "prompts", lambda c, cursor: c.list_prompts(cursor=cursor))
        return [prompt_info(name, p) for page in pages for p in page.prompts]

    async def get_prompt(self, name: str, prompt: str, args: dict[str, str]) -> PromptResult:
        sup = self._supervisor_of(name)
        result = await self._ask(sup, lambda c: c.get_prompt(prompt, args))
        return prompt_result(name, prompt, result)

    async def complete(
        self, name: str, ref: CompletionRef, argument: str, value: str, context: dict[str, str] | None = None
    ) -> list[str]:
        """The server's suggestions for an argument as typed so far (`context`: the arguments filled in
        already); none where it offers no completion."""
        sup = self._supervisor_of(name)
        if not self._offers(sup, "completions"):
            return []
        result = await self._ask(
            sup, lambda c: c.complete(reference(ref), {"name": argument, "value": value}, context)
        )
        return list(result.completion.values)

    async def read_resource(
        self, name: str, uri: str, by_user: bool, context: CallContext | None = None
    ) -> ResourceRead:
        """Read `uri`; by the model, only once the consent gate allowed it (else `ServerProblem`)."""
        sup = self._supervisor_of(name)
        context = context or CallContext()
        data: dict[str, Any] = {"server": name, "uri": uri, "by": "the user" if by_user else _reader(context)}
        if not by_user:
            data = await self._may_read(name, uri, context, data)
        try:
            read = read_result(name, uri, await self._ask(sup, lambda c: c.read_resource(uri)))
        except ServerProblem as problem:
            self._audit.append(
                AuditKind.RESOURCE_READ, {**data, "status": "failed", "error": problem.message}
            )
            raise
        digest = hashlib.sha256("".join(p.text or "" for p in read.contents).encode()).hexdigest()
        mimes = sorted({part.mime_type for part in read.contents})
        status = {"status": "ok", "size": read.size, "mime_types": mimes, "text_sha256": digest}
        await self._audit.record(AuditKind.RESOURCE_READ, {**data, **status})
        return read

    async def watch_resource(self, name: str, uri: str) -> bool:
        """Subscribe to `uri` (`resource_watch`); False where the server does not offer subscriptions."""
        sup = self._supervisor_of(name)
        try:
            with sup.calling() as client:
                return await sup.resource_watch.add(client, uri)
        except ServerProblem:
            raise
        except Exception as exc:  # whatever the server answered, only the subscription is lost
            sentence = f"“{name}” could not tell MCP Desk when {uri} changes."
            raise ServerProblem(sentence, describe(exc)) from exc

    async def unwatch_resource(self, name: str, uri: str) -> None:
        """Unsubscribe from `uri`; on the wire only while the server runs, and never failing."""
        with contextlib.suppress(Exception):
            sup = self._supervisor_of(name)
            running = sup.status.state is ServerState.RUNNING
            await sup.resource_watch.remove(sup.client if running else None, uri)

    async def _may_read(
        self, name: str, uri: str, context: CallContext, data: dict[str, Any]
    ) -> dict[str, Any]:
        """Ask the gate, as for a tool; the decision is written down before the read goes out."""
        asked = {"uri": uri}
        label = self._labels.get((name, uri), "")
        decision = await self._consent.decide(read_tool(name, uri, _reader(context), label), asked, context)
        decided = {
            **data,
            "decision": "allowed" if decision.allowed else "denied",
            "how": decision.how.value,
            "origin": context.origin,
            "chat": context.chat_id,
            "app": context.app,
        }
        record = await self._audit.record(AuditKind.RESOURCE_READ, {**decided, "status": "decided"})
        if not decision.allowed:
            who = "You" if context.app is None else "The user"
            reader = _reader(context)
            because = f" Their reason: {decision.reason}" if decision.reason else ""
            raise ReadDenied(
                f"{who} did not allow {reader} to read {uri} from “{name}”, so it was not read.{because}"
            )
        return {**decided, "decision_seq": record.seq}

    async def _pages(
        self, name: str, feature: str, request: Callable[[Any, str | None], Awaitable[P]]
    ) -> list[P]:
        """Every page of a listing; none where the server does not offer `feature`."""
        sup = self._supervisor_of(name)
        if not self._offers(sup, feature):
            return []

        def page_at(cursor: str | None) -> Callable[[Any], Awaitable[P]]:
            return lambda client: request(client, cursor)

        pages: list[P] = []
        cursor: str | None = None
        for _page in range(MAX_PAGES):
            pages.append(await self._ask(sup, page_at(cursor)))
            if not (cursor := pages[-1].next_cursor):
                break
        return pages

    @staticmethod
    def _offers(sup: Supervisor, feature: str) -> bool:
        return getattr(sup.client.server_capabilities, feature, None) is not None

    async def _ask(self, sup: Supervisor, request: Callable[[Any], Awaitable[T]]) -> T:
        """One request to the server; whatever went wrong, a sentence and its details."""
        try:
            with sup.calling() as client:
                return await request(client)
        except ServerProblem:
            raise
        except MCPError as exc:
            raise ServerProblem(f"“{sup.name}” said: {exc.message}", describe(exc)) from exc
        except Exception as exc:
            raise ServerProblem(
                f"“{sup.name}” could not answer: {reason(exc)} Check that it is running and try again.",
                describe(exc),
            ) from exc


def read_tool(server: str, uri: str, reader: str = "the model", label: str = "") -> ToolInfo:
    """A read as the consent gate sees it: a read-only tool, one per address, titled with what is read."""
    return ToolInfo(
        server,
        READ_RESOURCE,
        f"{reader[0].upper()}{reader[1:]} wants to read {uri} from {server}.",
        {"type": "object", "properties": {"uri": {"type": "string", "const": uri}}},
        title=label or uri,
        annotations={"readOnlyHint": True, READ_MARK: uri},
    )


def _reader(context: CallContext) -> str:
    """Who reads when the user didn't: another app through the gateway (by its name), or the model."""
    return context.app or "the model"
