"""The tools of every running server, under names that can't collide.

The rest of the app (and the model) sees `<server>__<tool>`; server names can't contain
a double underscore, so the split is always unambiguous.
"""

from __future__ import annotations

import mcp_types as types

from desktop.core.events import IconRef, ToolInfo
from desktop.servers.app_views import app_view_of, visibility_of
from desktop.servers.control import ServerProblem


def tool_info(server: str, tool: types.Tool) -> ToolInfo:
    annotations = tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else {}
    return ToolInfo(
        server=server,
        name=tool.name,
        description=tool.description or "",
        input_schema=dict(tool.input_schema or {}),
        title=tool.title,
        annotations=annotations,
        output_schema=dict(tool.output_schema) if tool.output_schema else None,
        icons=icon_refs(tool.icons),
        app_view=app_view_of(tool.meta),
        visibility=visibility_of(tool.meta),
        task_support=tool.execution.task_support if tool.execution else None,
    )


def icon_refs(icons: list[types.Icon] | None) -> tuple[IconRef, ...]:
    return tuple(IconRef(icon.src, icon.mime_type or "", tuple(icon.sizes or ())) for icon in icons or ())


def split_qualified(qualified_name: str) -> tuple[str, str]:
    server, sep, tool = qualified_name.partition("__")
    if not sep or not server or not tool:
        raise ServerProblem(f"“{qualified_name}” is not a tool name MCP Desk knows (expected server__tool).")
    return server, tool
