"""What an app sees of its granted servers besides tools: prompts, resources and resource templates,
each request relayed through the `ServerManager`.

Prompts are named like tools, `<server>__<prompt>`, so two servers' prompts never collide. Resources
and templates keep their addresses (an address is what an app quotes back, and may have from
elsewhere); a read, or a completion for a template, goes to the running granted server that listed
that address or whose template it fits, the first in the grant's order where two do. A read goes
through the consent gate in the app's name (“Cursor wants to read …”) and is audited, as a model's is.

Which server holds an address is found from the servers' listings, kept between reads: an app's own
list asks afresh, `forget` drops them (a server started or stopped, the grant changed), and an
address none of them holds asks the servers again before it is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import mcp_types as types
from mcp import MCPError

from desktop.core.consent import CallContext
from desktop.core.problem import Problem
from desktop.servers.prompts import CompletionRef, PromptInfo, PromptResult, RefKind
from desktop.servers.resources import ResourceInfo, ResourceRead, ResourceTemplateInfo

log = logging.getLogger(__name__)

MAX_COMPLETIONS = 100
"""What the protocol lets one completion answer hold."""


class ContentHost(Protocol):
    """Who holds the servers' resources and prompts: the `ServerManager`."""

    async def resources(self, name: str) -> list[ResourceInfo]: ...
    async def resource_templates(self, name: str) -> list[ResourceTemplateInfo]: ...
    async def read_resource(
        self, name: str, uri: str, by_user: bool, context: CallContext | None = None
    ) -> ResourceRead: ...
    async def complete(
        self, name: str, ref: CompletionRef, argument: str, value: str, context: dict[str, str] | None = None
    ) -> list[str]: ...
    async def prompts(self, name: str) -> list[PromptInfo]: ...
    async def get_prompt(self, name: str, prompt: str, args: dict[str, str]) -> PromptResult: ...


class AppContent:
    """One app's view. `serving` names its granted servers that run now, in the grant's order."""

    def __init__(self, host: ContentHost, serving: Callable[[], Sequence[str]], context: CallContext) -> None:
        self._host = host
        self._serving = serving
        self._context = context
        self._resources: dict[str, list[ResourceInfo]] = {}
        self._templates: dict[str, list[ResourceTemplateInfo]] = {}

    def forget(self) -> None:
        """The servers' listings may have changed: ask them again next time."""
        self._resources.clear()
        self._templates.clear()

    async def list_prompts(self) -> types.ListPromptsResult:
        prompts = await self._gathered(self._host.prompts)
        return types.ListPromptsResult(prompts=[_wire_prompt(prompt) for prompt in prompts])

    async def list_resources(self) -> types.ListResourcesResult:
        self._resources.clear()
        resources = [r for server in self._serving() for r in await self._resources_of(server)]
        return types.ListResourcesResult(resources=[_wire_resource(resource) for resource in resources])

    async def list_templates(self) -> types.ListResourceTemplatesResult:
        self._templates.clear()
        templates = [t for server in self._serving() for t in await self._templates_of(server)]
        return types.ListResourceTemplatesResult(resource_templates=[_wire_template(t) for t in templates])

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> types.GetPromptResult:
        server, prompt = self._prompt_of(name)
        try:
            result = await self._host.get_prompt(server, prompt, arguments)
        except Problem as problem:
            raise MCPError(types.INTERNAL_ERROR, problem.message) from problem
        return types.GetPromptResult.model_validate(
            {"description": result.description or None, "messages": list(result.wire)}
        )

    async def read_resource(self, uri: str) -> types.ReadResourceResult:
        server = await self._server_of(uri)
        if server is None:
            raise MCPError(
                types.INVALID_PARAMS, f"There is no resource at {uri} here. List the resources again."
            )
        try:
            read = await self._host.read_resource(server, uri, by_user=False, context=self._context)
        except Problem as problem:
            raise MCPError(types.INTERNAL_ERROR, problem.message) from problem
        return types.ReadResourceResult.model_validate({"contents": list(read.wire)})

    async def complete(self, params: types.CompleteRequestParams) -> types.CompleteResult:
        found = await self._completion_target(params.ref)
        values: list[str] = []
        if found is not None:
            server, ref = found
            filled = params.context.arguments if params.context is not None else None
            try:
                values = await self._host.complete(
                    server, ref, params.argument.name, params.argument.value, filled
                )
            except Problem as problem:
                log.info("no completion from %s: %s", server, problem.message)
        return types.CompleteResult(completion=types.Completion(values=values[:MAX_COMPLETIONS]))

    async def _completion_target(
        self, ref: types.PromptReference | types.ResourceTemplateReference
    ) -> tuple[str, CompletionRef] | None:
        if isinstance(ref, types.PromptReference):
            try:
                server, prompt = self._prompt_of(ref.name)
            except MCPError:
                return None
            return server, CompletionRef(RefKind.PROMPT, prompt)
        for server in self._serving():
            if any(t.uri_template == ref.uri for t in await self._templates_of(server)):
                return server, CompletionRef(RefKind.TEMPLATE, ref.uri)
        return None

    def _prompt_of(self, name: str) -> tuple[str, str]:
        """The server and the server's own name of `<server>__<prompt>` (the longest granted server wins)."""
        owners = [s for s in self._serving() if name.startswith(f"{s}__") and len(name) > len(s) + 2]
        if not owners:
            raise MCPError(
                types.INVALID_PARAMS, f"There is no prompt called “{name}” here. List the prompts again."
            )
        server = max(owners, key=len)
        return server, name[len(server) + 2 :]

    async def _server_of(self, uri: str) -> str | None:
        """The server that holds `uri`, from the listings kept, else from fresh ones."""
        found = await self._holder_of(uri)
        if found is None and (self._resources or self._templates):
            self.forget()
            found = await self._holder_of(uri)
        return found

    async def _holder_of(self, uri: str) -> str | None:
        serving = self._serving()
        for server in serving:
            if any(r.uri == uri for r in await self._resources_of(server)):
                return server
        for server in serving:
            if any(t.fits(uri) for t in await self._templates_of(server)):
                return server
        return None

    async def _resources_of(self, server: str) -> list[ResourceInfo]:
        if server not in self._resources:
            self._resources[server] = await self._quietly(self._host.resources, server)
        return self._resources[server]

    async def _templates_of(self, server: str) -> list[ResourceTemplateInfo]:
        if server not in self._templates:
            self._templates[server] = await self._quietly(self._host.resource_templates, server)
        return self._templates[server]

    async def _gathered(self, listing: Callable[[str], Any]) -> list[Any]:
        found: list[Any] = []
        for server in self._serving():
            found.extend(await self._quietly(listing, server))
        return found

    @staticmethod
    async def _quietly(listing: Callable[[str], Any], server: str) -> list[Any]:
        """A server's listing; one that can't answer now lists nothing rather than failing the app's list."""
        try:
            return list(await listing(server))
        except Problem as problem:
            log.info("%s could not list: %s", server, problem.message)
            return []


def _wire_prompt(prompt: PromptInfo) -> types.Prompt:
    arguments = [
        types.PromptArgument(
            name=a.name, title=a.title or None, description=a.description or None, required=a.required
        )
        for a in prompt.arguments
    ]
    return types.Prompt(
        name=f"{prompt.server}__{prompt.name}",
        title=prompt.title or None,
        description=prompt.description or None,
        arguments=arguments or None,
    )


def _wire_resource(resource: ResourceInfo) -> types.Resource:
    return types.Resource(
        uri=resource.uri,
        name=resource.name,
        title=resource.title or None,
        description=resource.description or None,
        mime_type=resource.mime_type or None,
        size=resource.size,
    )


def _wire_template(template: ResourceTemplateInfo) -> types.ResourceTemplate:
    return types.ResourceTemplate(
        uri_template=template.uri_template,
        name=template.name,
        title=template.title or None,
        description=template.description or None,
        mime_type=template.mime_type or None,
    )
