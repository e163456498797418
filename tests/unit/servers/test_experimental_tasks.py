"""Which calls run as 2025-11-25 tasks: the server must offer them for `tools/call`, the tool must
take one ("required"), or allow one ("optional") for a caller that follows tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import mcp_types as types
import pytest
from mcp import Client

from desktop.core.events import ToolInfo
from desktop.servers.experimental_tasks import _poll_s, runs_as_task
from desktop.servers.task_extension import MAX_POLL_S, MIN_POLL_S, TaskWatch, task_watch

OFFERED = {"tasks": {"requests": {"tools": {"call": {}}}}}


@dataclass
class Connected:
    """What `runs_as_task` reads of a connected client."""

    protocol_version: str
    server_capabilities: types.ServerCapabilities


def _client(revision: str = "2025-11-25", capabilities: dict[str, Any] | None = None) -> Client:
    offered = types.ServerCapabilities.model_validate(OFFERED if capabilities is None else capabilities)
    return cast(Client, Connected(revision, offered))


def _tool(support: str | None) -> ToolInfo:
    return ToolInfo(server="lab", name="research", description="", task_support=support)


@pytest.mark.parametrize(
    ("client", "support", "followed", "task"),
    [
        (_client(), "required", False, True),
        (_client(), "optional", True, True),
        (_client(), "optional", False, False),
        (_client(), "forbidden", True, False),
        (_client(), None, True, False),
        (_client(capabilities={"tools": {}}), "required", True, False),
        (_client(capabilities={"tasks": {"requests": {}}}), "required", True, False),
        (_client("2026-07-28"), "required", True, False),
    ],
)
def test_a_call_runs_as_a_task_only_where_server_tool_and_caller_agree(
    client: Client, support: str | None, followed: bool, task: bool
) -> None:
    token = task_watch.set(TaskWatch() if followed else None)
    try:
        assert runs_as_task(client, _tool(support)) is task
    finally:
        task_watch.reset(token)


def test_the_servers_poll_interval_is_kept_within_bounds() -> None:
    def task(interval: int | None) -> types.Task:
        return types.Task.model_validate(
            {"taskId": "t", "status": "working", "createdAt": "", "lastUpdatedAt": "", "ttl": None}
            | ({"pollInterval": interval} if interval is not None else {})
        )

    assert _poll_s(task(250)) == 0.25
    assert _poll_s(task(1)) == MIN_POLL_S
    assert _poll_s(task(10**9)) == MAX_POLL_S
