"""What servers' SDK answers about resources and prompts become: MCP Desk's own dataclasses."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import mcp_types as types
from pydantic import BaseModel

from desktop.servers.prompts import (
    CompletionRef,
    PromptArgumentInfo,
    PromptInfo,
    PromptMessageInfo,
    PromptResult,
    RefKind,
)
from desktop.servers.resources import (
    IMAGE_CAP,
    ResourceContent,
    ResourceInfo,
    ResourceRead,
    ResourceTemplateInfo,
)


def reference(ref: CompletionRef) -> types.PromptReference | types.ResourceTemplateReference:
    if ref.kind is RefKind.PROMPT:
        return types.PromptReference(type="ref/prompt", name=ref.name)
    return types.ResourceTemplateReference(type="ref/resource", uri=ref.name)


def resource_info(server: str, resource: types.Resource) -> ResourceInfo:
    return ResourceInfo(
        server,
        resource.uri,
        resource.name,
        resource.title or "",
        resource.description or "",
        resource.mime_type or "",
        resource.size,
    )


def template_info(server: str, template: types.ResourceTemplate) -> ResourceTemplateInfo:
    return ResourceTemplateInfo(
        server,
        template.uri_template,
        template.name,
        template.title or "",
        template.description or "",
        template.mime_type or "",
    )


def read_result(server: str, uri: str, result: types.ReadResourceResult) -> ResourceRead:
    contents = tuple(content_of(part) for part in result.contents)
    return ResourceRead(server, uri, contents, tuple(_json(part) for part in result.contents))


def content_of(part: types.TextResourceContents | types.BlobResourceContents) -> ResourceContent:
    mime = part.mime_type or ""
    if isinstance(part, types.TextResourceContents):
        return ResourceContent(part.uri, mime or "text/plain", len(part.text.encode()), text=part.text)
    try:
        data = base64.b64decode(part.blob, validate=True)
    except (binascii.Error, ValueError):
        return ResourceContent(part.uri, mime, len(part.blob) * 3 // 4)
    image = data if mime.startswith("image/") and len(data) <= IMAGE_CAP else None
    return ResourceContent(part.uri, mime, len(data), image=image)


def prompt_info(server: str, prompt: types.Prompt) -> PromptInfo:
    arguments = tuple(
        PromptArgumentInfo(a.name, a.title or "", a.description or "", bool(a.required))
        for a in prompt.arguments or ()
    )
    return PromptInfo(server, prompt.name, prompt.title or "", prompt.description or "", arguments)


def prompt_result(server: str, prompt: str, result: types.GetPromptResult) -> PromptResult:
    messages = tuple(PromptMessageInfo(m.role, _text_of(m.content)) for m in result.messages)
    wire = tuple(_json(message) for message in result.messages)
    return PromptResult(server, prompt, result.description or "", messages, wire)


def _json(part: BaseModel) -> dict[str, Any]:
    return part.model_dump(by_alias=True, exclude_none=True, mode="json")


def _text_of(block: types.ContentBlock) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.EmbeddedResource):
        part = content_of(block.resource)
        return part.text if part.text is not None else f"[{part.uri}: {part.describe()}]"
    if isinstance(block, types.ResourceLink):
        return f"[{block.uri}]"
    return f"[{block.type}]"
