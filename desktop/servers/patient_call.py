"""A tool call that may outlive its server's timeout, as long as the person waiting says so.

The SDK's own read timeout would cancel the call; here it is off, and at each timeout the
caller's `Patience` is asked instead, while the call goes on; the user may also stop it before
(`Patience.stopped`: a task's Cancel). "Stop" cancels the call the way
the SDK abandons a request (`notifications/cancelled`), and the call ends as `CallStopped`.
Only a caller that brings a `Patience` comes here: every other call keeps the plain path.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Any

import mcp_types as types
from mcp import Client
from mcp.shared.dispatcher import ProgressFnT

from desktop.core.consent import Patience
from desktop.servers.call_records import CallStopped, SentCall
from desktop.servers.experimental_tasks import send_tool_call
from desktop.servers.supervisor import Supervisor
from desktop.servers.wire_tap import current_call


async def send_patiently(
    sup: Supervisor, call: SentCall, progress: ProgressFnT | None, patience: Patience
) -> types.CallToolResult | Exception:
    """The server's result, what went wrong on the way, or `CallStopped` when the user stopped it."""
    patience.sent()
    try:
        with sup.calling() as client:
            sent = _start(client, call, progress)
            try:
                return await _wait(sent, sup.config.request_timeout, patience)
            finally:
                await _abandon(sent)
    except Exception as exc:  # whatever it was, the call ends in a result record and a sentence
        return exc


def _start(
    client: Client, call: SentCall, progress: ProgressFnT | None
) -> asyncio.Task[types.CallToolResult]:
    """The request on its way in a task of its own, which carries the call's trace for the wire tap."""
    token = current_call.set(call.trace)
    try:
        return asyncio.ensure_future(send_tool_call(client, call.tool, call.arguments, math.inf, progress))
    finally:
        current_call.reset(token)


async def _wait(
    sent: asyncio.Future[types.CallToolResult], every: float, patience: Patience
) -> types.CallToolResult | Exception:
    waited = 0.0
    stop = asyncio.ensure_future(patience.stopped())
    try:
        while True:
            either: set[asyncio.Future[Any]] = {sent, stop}
            await asyncio.wait(either, timeout=every, return_when=asyncio.FIRST_COMPLETED)
            if sent.done():
                return sent.result()
            if stop.done():
                return CallStopped(waited)
            waited += every
            if not await _ask(sent, patience, waited):
                return CallStopped(waited)
    finally:
        await _abandon(stop)


async def _ask(sent: asyncio.Future[types.CallToolResult], patience: Patience, waited: float) -> bool:
    """True: keep waiting (or the call ended meanwhile); False: the user stopped it."""
    asked = asyncio.ensure_future(patience.ask(waited))
    try:
        either: set[asyncio.Future[Any]] = {sent, asked}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await _abandon(asked)
    return sent.done() or asked.result()


async def _abandon(future: asyncio.Future[Any]) -> None:
    """Cancel what is still running and let it finish cancelling (the SDK says so to the server)."""
    if future.done():
        return
    future.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.shield(future)
