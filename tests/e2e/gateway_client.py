"""An outside app, in its own process: the SDK's client over Streamable HTTP with a bearer token.

    python gateway_client.py URL TOKEN MODE     (MODE: "legacy" for 2025-11-25, or "2026-07-28")

Reads one JSON command a line on stdin and answers one JSON line on stdout:
``{"op": "list"}`` → ``{"tools": [tool, ...]}``; ``{"op": "call", "name", "arguments", "progress": bool}``
→ ``{"result": CallToolResult, "progress": [[progress, total], ...]}`` or ``{"error": text}``;
``{"op": "call_then_cancel", "name", "arguments"}`` starts the call and cancels it at the next line
(``{"op": "cancel"}``), then answers ``{"cancelled": true}``;
``{"op": "changes"}`` → ``{"changes": n}`` (tool list changes heard so far), ``{"op": "content_changes"}``
→ ``{"prompts": n, "resources": n}``; ``{"op": "prompts" | "resources" | "templates"}``, ``{"op":
"get_prompt", "name", "arguments"}``, ``{"op": "read", "uri"}``, ``{"op": "complete", "ref", "argument",
"value"}`` → ``{"result": the SDK's answer}`` or ``{"error": text}``; ``{"op": "quit"}``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import anyio
import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.subscriptions import PromptsListChanged, ResourcesListChanged, ToolsListChanged


class App:
    def __init__(self) -> None:
        self.changes = 0
        self.prompts = 0
        self.resources = 0

    async def on_message(self, message: Any) -> None:
        self.heard(message)

    def heard(self, message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification | ToolsListChanged):
            self.changes += 1
        elif isinstance(message, types.PromptListChangedNotification | PromptsListChanged):
            self.prompts += 1
        elif isinstance(message, types.ResourceListChangedNotification | ResourcesListChanged):
            self.resources += 1

    async def listen(self, client: Client, *, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        async with client.listen(
            tools_list_changed=True, prompts_list_changed=True, resources_list_changed=True
        ) as changes:
            task_status.started()
            async for change in changes:
                self.heard(change)


async def content(client: Client, command: dict[str, Any]) -> Any:
    """The SDK's answer to one of the prompts, resources and completion commands."""
    match command["op"]:
        case "prompts":
            return await client.list_prompts()
        case "resources":
            return await client.list_resources()
        case "templates":
            return await client.list_resource_templates()
        case "get_prompt":
            return await client.get_prompt(command["name"], command["arguments"])
        case "read":
            return await client.read_resource(command["uri"])
        case "complete":
            ref = command["ref"]
            reference = (
                types.PromptReference(type="ref/prompt", name=ref["name"])
                if ref["type"] == "ref/prompt"
                else types.ResourceTemplateReference(type="ref/resource", uri=ref["uri"])
            )
            return await client.complete(reference, {"name": command["argument"], "value": command["value"]})
    raise ValueError(command)


async def answer(client: Client, app: App, command: dict[str, Any]) -> dict[str, Any]:
    match command["op"]:
        case "list":
            tools = (await client.list_tools()).tools
            return {
                "tools": [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in tools]
            }
        case "call":
            heard: list[list[float | None]] = []

            async def progress(done: float, total: float | None, message: str | None) -> None:
                heard.append([done, total])

            try:
                result = await client.call_tool(
                    command["name"],
                    command["arguments"],
                    progress_callback=progress if command.get("progress") else None,
                )
            except Exception as error:
                return {"error": f"{type(error).__name__}: {error}"}
            return {
                "result": result.model_dump(by_alias=True, exclude_none=True, mode="json"),
                "progress": heard,
            }
        case "call_then_cancel":
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(client.call_tool, command["name"], command["arguments"])
                await anyio.to_thread.run_sync(sys.stdin.readline)
                tasks.cancel_scope.cancel()
            return {"cancelled": True}
        case "changes":
            return {"changes": app.changes}
        case "content_changes":
            return {"prompts": app.prompts, "resources": app.resources}
        case "prompts" | "resources" | "templates" | "get_prompt" | "read" | "complete":
            try:
                result = await content(client, command)
            except Exception as error:
                return {"error": f"{type(error).__name__}: {error}"}
            return {"result": result.model_dump(by_alias=True, exclude_none=True, mode="json")}
    raise ValueError(command)


async def main(url: str, token: str, mode: str) -> None:
    app = App()
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(30, read=300)
    )
    async with (
        http,
        Client(
            streamable_http_client(url, http_client=http), mode=mode, message_handler=app.on_message
        ) as client,
        anyio.create_task_group() as tasks,
    ):
        if mode != "legacy":
            await tasks.start(app.listen, client)
        print(json.dumps({"ready": client.protocol_version}), flush=True)
        while line := await anyio.to_thread.run_sync(sys.stdin.readline):
            command = json.loads(line)
            if command["op"] == "quit":
                break
            print(json.dumps(await answer(client, app, command)), flush=True)
        tasks.cancel_scope.cancel()


if __name__ == "__main__":
    anyio.run(main, *sys.argv[1:4])
