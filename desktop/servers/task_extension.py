"""Tool calls a server runs as tasks: the `io.modelcontextprotocol/tasks` extension of 2026-07-28.

MCP Desk says it takes tasks in every request's capabilities; a server may then answer a
`tools/call` with a task (`resultType: "task"`) instead of the result. The SDK hands that answer
to `TasksExtension`'s claim, which polls `tasks/get` at the server's `pollIntervalMs` until the
task ends, and returns its result as the call's own: for the manager, the audit and the chat it
is one call that takes a while. Each status message goes to the call's progress sink
(`task_watch`), and its id to the caller's `TaskKeeper`, which may keep it past MCP Desk's
closing: `resume` follows it again at the next start. A call stopped or cancelled otherwise
while it polls sends `tasks/cancel`.
A task that asks for input (`input_required`) has each of its requests put through the client's
own callbacks (the elicitation dialog, sampling's review), once each, and the answers sent back
with `tasks/update`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import mcp_types as types
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from mcp.client.session import ClientRequestContext, ClientSession
from mcp.shared.dispatcher import ProgressFnT

from desktop.core.consent import TaskKeeper
from desktop.core.problem import Problem

IDENTIFIER = "io.modelcontextprotocol/tasks"
DEFAULT_POLL_S = 1.0
MIN_POLL_S = 0.05
MAX_POLL_S = 30.0
CANCEL_WAIT_S = 5.0


@dataclass
class TaskWatch:
    """Who follows the running call's task: its status messages, and its id for a later start."""

    progress: ProgressFnT | None = None
    keeper: TaskKeeper | None = None
    decision_seq: int = 0
    task_id: str = ""
    """Set once the server made a task of the call."""

    def left_running(self) -> bool:
        """The call became a task that MCP Desk leaves running as it closes (followed at the next start)."""
        return bool(self.task_id) and self.keeper is not None and self.keeper.keeps()


task_watch: ContextVar[TaskWatch | None] = ContextVar("task_watch", default=None)
"""Set by the manager around a call whose caller follows progress or keeps tasks."""


class TaskFailed(Problem):
    """A task ended without a result."""


class TaskBase(types.Result):
    """A task as the server describes it (flat on the wire)."""

    task_id: str
    status: str
    status_message: str | None = None
    poll_interval_ms: int | None = None


class TaskCreated(TaskBase):
    """The answer to a `tools/call` the server turned into a task (no `inputRequests` here: the SDK
    keeps that name for its own results)."""

    result_type: Literal["task"] = "task"


class TaskState(TaskBase):
    """A task from `tasks/get`: its result or error once it ended, its questions while it waits."""

    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    input_requests: types.InputRequests | None = None


class TaskParams(types.RequestParams):
    task_id: str


class GetTask(types.Request[TaskParams, Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: TaskParams


class UpdateParams(TaskParams):
    input_responses: types.InputResponses


class UpdateTask(types.Request[UpdateParams, Literal["tasks/update"]]):
    method: Literal["tasks/update"] = "tasks/update"
    params: UpdateParams


class CancelTask(types.Request[TaskParams, Literal["tasks/cancel"]]):
    method: Literal["tasks/cancel"] = "tasks/cancel"
    params: TaskParams


class TasksExtension(ClientExtension):
    identifier = IDENTIFIER

    def claims(self) -> Sequence[ResultClaim[Any]]:
        return (ResultClaim(result_type="task", model=TaskCreated, resolve=follow),)


async def follow(created: TaskCreated, ctx: ClaimContext) -> types.CallToolResult:
    """The task's result, polled for; `tasks/cancel` if the call is cancelled on the way."""
    watch = task_watch.get() or TaskWatch()
    watch.task_id = created.task_id
    if watch.keeper is not None:
        watch.keeper.started(created.task_id, watch.decision_seq)
    state = TaskState.model_validate(created.model_dump(exclude={"result_type"}))
    return await _poll(ctx.session, state, watch)


async def resume(session: ClientSession, task_id: str, progress: ProgressFnT | None) -> types.CallToolResult:
    """A task made before MCP Desk last closed, followed again to its end."""
    return await _poll(session, TaskState(task_id=task_id, status="working"), TaskWatch(progress))


async def _poll(session: ClientSession, state: TaskState, watch: TaskWatch) -> types.CallToolResult:
    answered: set[str] = set()
    try:
        while True:
            if watch.progress is not None and state.status_message:
                await watch.progress(0, None, state.status_message)
            if state.status not in ("working", "input_required"):
                return _ended(state)
            if state.status == "input_required":
                await _answer(session, state, answered)
            await anyio.sleep(_poll_s(state))
            state = await session.send_request(GetTask(params=TaskParams(task_id=state.task_id)), TaskState)
    except BaseException:
        if state.status in ("working", "input_required") and not watch.left_running():
            await cancel_task(session, state.task_id)
        raise


async def _answer(session: ClientSession, state: TaskState, answered: set[str]) -> None:
    """The task's new input requests, each through the client's callbacks; the answers back to it."""
    responses: types.InputResponses = {}
    for key, request in (state.input_requests or {}).items():
        if key in answered:
            continue
        meta = request.params.meta if request.params else None
        response = await session.dispatch_input_request(
            ClientRequestContext(session=session, request_id=key, meta=meta), request
        )
        if isinstance(response, types.ErrorData):
            raise TaskFailed(
                "The tool's question could not be answered, so its task was stopped.", response.message
            )
        responses[key] = response
        answered.add(key)
    if responses:
        params = UpdateParams(task_id=state.task_id, input_responses=responses)
        await session.send_request(UpdateTask(params=params), types.EmptyResult)


def _ended(state: TaskState) -> types.CallToolResult:
    if state.status == "completed" and state.result is not None:
        return types.CallToolResult.model_validate(state.result)
    if state.status == "cancelled":
        raise TaskFailed("The server cancelled the task before it finished.", state.status_message or "")
    error = (state.error or {}).get("message") or state.status_message or state.status
    raise TaskFailed(f"The server's task failed: {error}", str(state.error or ""))


def _poll_s(state: TaskState) -> float:
    if state.poll_interval_ms is None:
        return DEFAULT_POLL_S
    return min(MAX_POLL_S, max(MIN_POLL_S, state.poll_interval_ms / 1000))


async def cancel_task(session: ClientSession, task_id: str) -> None:
    """Tell the server to stop the task (the same request on 2025-11-25); a server that does not answer
    in time is left to its TTL, and an answer of any shape will do."""
    with anyio.move_on_after(CANCEL_WAIT_S, shield=True):
        try:
            await session.send_request(CancelTask(params=TaskParams(task_id=task_id)), types.EmptyResult)
        except Exception:  # the call ends as stopped or failed either way
            return
