"""Tool calls a server runs as tasks on 2025-11-25: that revision's experimental tasks.

Where the server offers tasks for `tools/call` (`tasks.requests.tools.call`) and the tool says
`execution.taskSupport` is "required" (or "optional", for a caller that follows tasks: the chat),
the call goes out with `params.task` and the server answers with a `CreateTaskResult`. The SDK's
`call_tool` would refuse that answer (it checks every `tools/call` result as a `CallToolResult`),
so the request goes through the session's lower-level sending. Then, as on 2026-07-28
(`task_extension`), `tasks/get` is polled at the server's `pollInterval`, each status message goes
to the call's progress sink and the id to the caller's `TaskKeeper`; once the task is done its
result comes from `tasks/result`. A task that waits for input (`input_required`) gets its
`tasks/result` asked at once, while the polling goes on: on this revision the server sends its
questions (related-task requests) while that request is open, and they go through the client's own
callbacks (the elicitation dialog) like any other server request; its answer is the result.
A call stopped on the way sends `tasks/cancel`, unless MCP Desk leaves the task running as it closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import anyio
import mcp_types as types
from mcp import Client
from mcp.client.session import ClientSession
from mcp.shared.dispatcher import CallOptions, ProgressFnT

from desktop.core.events import ToolInfo
from desktop.servers.task_extension import (
    DEFAULT_POLL_S,
    MAX_POLL_S,
    MIN_POLL_S,
    TaskFailed,
    TaskWatch,
    cancel_task,
    task_watch,
)

REVISION = "2025-11-25"
TTL_MS = 7 * 24 * 3600 * 1000
"""How long the server is asked to keep a task: long enough to be followed after a closed MCP Desk."""
ONGOING = ("working", "input_required")


def send_tool_call(
    client: Client,
    tool: ToolInfo,
    arguments: dict[str, Any],
    read_timeout: float,
    progress: ProgressFnT | None,
) -> Awaitable[types.CallToolResult]:
    """The `tools/call`: as a task where the server and the tool take one, else the SDK's own call."""
    if runs_as_task(client, tool):
        return call_as_task(client.session, tool.name, arguments, read_timeout, progress)
    return client.call_tool(
        tool.name, arguments, read_timeout_seconds=read_timeout, progress_callback=progress
    )


def runs_as_task(client: Client, tool: ToolInfo) -> bool:
    if client.protocol_version != REVISION or tool.task_support not in ("required", "optional"):
        return False
    tasks = client.server_capabilities.tasks
    requests = tasks.requests if tasks is not None else None
    tools = requests.tools if requests is not None else None
    if tools is None or tools.call is None:
        return False
    return tool.task_support == "required" or task_watch.get() is not None


async def call_as_task(
    session: ClientSession,
    name: str,
    arguments: dict[str, Any],
    read_timeout: float,
    progress: ProgressFnT | None,
) -> types.CallToolResult:
    """The task's result, polled for; `tasks/cancel` if the call is cancelled on the way."""
    params = types.CallToolRequestParams(name=name, arguments=arguments, task=types.TaskMetadata(ttl=TTL_MS))
    data = types.CallToolRequest(params=params).model_dump(by_alias=True, mode="json", exclude_none=True)
    opts: CallOptions = {"timeout": read_timeout}
    if progress is not None:
        opts["on_progress"] = progress
    # The SDK's own `send_request` would check the answer as a `CallToolResult` and refuse the task.
    session._stamp(data, opts)
    raw = await session._dispatcher.send_raw_request("tools/call", data.get("params"), opts)
    if "task" not in raw:  # a server may still answer at once
        return types.CallToolResult.model_validate(raw)
    task = types.CreateTaskResult.model_validate(raw).task
    watch = task_watch.get() or TaskWatch()
    watch.task_id = task.task_id
    if watch.keeper is not None:
        watch.keeper.started(task.task_id, watch.decision_seq)
    return await _poll(session, task.task_id, task, watch)


async def resume(session: ClientSession, task_id: str, progress: ProgressFnT | None) -> types.CallToolResult:
    """A task made before MCP Desk last closed, followed again to its end."""
    return await _poll(session, task_id, None, TaskWatch(progress))


async def _poll(
    session: ClientSession, task_id: str, task: types.Task | None, watch: TaskWatch
) -> types.CallToolResult:
    """Followed from `task` (from the server's first word about it, where there is none yet); once it
    waits for input, its `tasks/result` is open while the polling goes on, for the status messages."""
    status = task.status if task is not None else "working"
    answer: asyncio.Future[types.CallToolResult] | None = None
    try:
        while True:
            task = task or await _get(session, task_id)
            status = task.status
            if watch.progress is not None and task.status_message:
                await watch.progress(0, None, task.status_message)
            if status == "completed" and answer is not None:
                return await answer
            if status not in ONGOING:
                return await _ended(session, task)
            if status == "input_required" and answer is None:
                answer = asyncio.ensure_future(_payload(session, task_id))
            if (result := await _answered(answer, _poll_s(task))) is not None:
                return result
            task = None
    except BaseException:
        if status in ONGOING and not watch.left_running():
            await cancel_task(session, task_id)
        raise
    finally:
        if answer is not None and not answer.done():
            answer.cancel()


async def _answered(
    answer: asyncio.Future[types.CallToolResult] | None, wait_s: float
) -> types.CallToolResult | None:
    """The open `tasks/result`'s answer if it came within the poll interval (just the interval if none is)."""
    if answer is None:
        await anyio.sleep(wait_s)
        return None
    await asyncio.wait({answer}, timeout=wait_s)
    return answer.result() if answer.done() else None


async def _get(session: ClientSession, task_id: str) -> types.Task:
    request = types.GetTaskRequest(params=types.GetTaskRequestParams(task_id=task_id))
    return await session.send_request(request, types.GetTaskResult)


async def _payload(session: ClientSession, task_id: str) -> types.CallToolResult:
    """`tasks/result`: answered once the task ends, its questions asked on the way."""
    request = types.GetTaskPayloadRequest(params=types.GetTaskPayloadRequestParams(task_id=task_id))
    return await session.send_request(
        request, types.CallToolResult, request_read_timeout_seconds=float("inf")
    )


async def _ended(session: ClientSession, task: types.Task) -> types.CallToolResult:
    if task.status == "completed":
        return await _payload(session, task.task_id)
    if task.status == "cancelled":
        raise TaskFailed("The server cancelled the task before it finished.", task.status_message or "")
    raise TaskFailed(
        f"The server's task failed: {task.status_message or task.status}", task.status_message or ""
    )


def _poll_s(task: types.Task) -> float:
    if task.poll_interval is None:
        return DEFAULT_POLL_S
    return min(MAX_POLL_S, max(MIN_POLL_S, task.poll_interval / 1000))
