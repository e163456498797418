"""A tool call that may outlive its server's timeout, as long as the person waiting says so.

The SDK's own read timeout would cancel the call; here it is off, and at each timeout the
caller's `Patience` is asked instead, while the call goes on. "Stop" cancels the call the way
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
from desktop.servers.supervisor import Supervisor
from desktop.servers.wire_tap import current_call


async def send_patiently(
    sup: Supervisor, call: SentCall, progress: ProgressFnT | None, patience: Patience
) -> types.CallToolResult | Exception:
    """The server's result, what went wrong on the way, or `CallStopped` when the user stopped it."""
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
        return asyncio.ensure_future(
            client.call_tool(
                call.tool.name, call.arguments, read_timeout_seconds=math.inf, progress_callback=progress
            )
        )
    finally:
        current_call.reset(token)


async def _wait(
    sent: asyncio.Future[types.CallToolResult], every: float, patience: Patience
) -> types.CallToolResult | Exception:
    waited = 0.0
    while True:
        done, _ = await asyncio.wait({sent}, timeout=every)
        if done:
            return sent.result()
        waited += every
        asked = asyncio.ensure_future(patience(waited))
        try:
            either: set[asyncio.Future[Any]] = {sent, asked}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await _abandon(asked)
        if sent.done():
            return sent.result()
        if not asked.result():
            return CallStopped(waited)


async def _abandon(future: asyncio.Future[Any]) -> None:
    """Cancel what is still running and let it finish cancelling (the SDK says so to the server)."""
    if future.done():
        return
    future.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.shield(future)
