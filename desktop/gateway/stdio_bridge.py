"""The stdio bridge, `mcp-desk connect --app ID`: MCP Desk's endpoint for an app that only starts
servers over stdio.

A relay of messages, on the SDK's own transports: what the app writes on stdin goes to the
endpoint (`http://127.0.0.1:PORT/mcp`, the app's token in `Authorization`), and everything the
endpoint sends (answers, and its own requests and notifications on the SSE streams) comes back
on stdout, one JSON message a line. Messages pass through as they are; only the HTTP headers the
spec asks of a client are added (`wire_headers`). stdout carries nothing but protocol.

It reads the settings file and the app's token, starts MCP Desk in the tray when nothing answers
(`app_starter`), and nothing more: no services, so it starts fast.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import anyio
import httpx2
from mcp.client._transport import ReadStream, WriteStream
from mcp.client.streamable_http import MCP_SESSION_ID, streamable_http_client
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from desktop.core.config import GatewaySettings
from desktop.core.paths import AppPaths
from desktop.gateway.app_starter import HOST, START_WAIT_SECONDS, endpoint_answers, start_and_wait
from desktop.gateway.control import GatewayProblem, token_secret
from desktop.gateway.wire_headers import WireHeaders

log = logging.getLogger(__name__)

TURN_ON = (
    "In MCP Desk, turn on “Share my servers with other AI apps” (on its Other AI apps page), "
    "then start this app again."
)
CONNECT_AGAIN = (
    "MCP Desk doesn't know this app any more: connect it again from MCP Desk's Other AI apps page."
)
RESTARTED = "MCP Desk was restarted, which ended this app's connection: start the app again."
_REFUSALS = {
    401: CONNECT_AGAIN,
    403: "MCP Desk turned this app away: connect it again from MCP Desk's Other AI apps page.",
    404: RESTARTED,  # only for a session MCP Desk no longer knows (`_Ending.check`)
}
START_CLAIM = "starting-for-an-app"
"""In the run folder: a bridge is starting MCP Desk (`app_starter.start_and_wait`)."""
_CLOSED = "MCP Desk closed the connection (it may have quit): open MCP Desk, then start this app again."

Messages = ReadStream[SessionMessage | Exception]


class BridgeProblem(GatewayProblem):
    """Why the bridge stopped or could not start, as a sentence for the app's log."""


class Tokens(Protocol):
    """Where the apps' tokens are kept (the keyring's `SecretStore`)."""

    def get(self, name: str) -> str | None: ...


def gateway_settings(config_file: Path) -> GatewaySettings:
    """The gateway's part of MCP Desk's settings, read and never written (defaults when there is none)."""
    try:
        raw = json.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return GatewaySettings()
    except (OSError, ValueError) as error:
        unreadable = "MCP Desk's settings could not be read: open MCP Desk once, then try again."
        raise BridgeProblem(unreadable, str(error)) from error
    section = raw.get("settings", {}).get("gateway", {}) if isinstance(raw, dict) else {}
    try:
        return GatewaySettings.model_validate(section)
    except ValidationError as error:
        raise BridgeProblem(TURN_ON, str(error)) from error


@dataclass(frozen=True)
class BridgeStart:
    """What the bridge needs before it relays a single message."""

    url: str
    token: str


def prepare(app: str, paths: AppPaths, tokens: Tokens, start_command: Sequence[str] | None) -> BridgeStart:
    """The endpoint's address and the app's token, MCP Desk started (with `start_command`) if it isn't.

    Blocking: reads the settings file and the keyring, and may wait for MCP Desk to start.
    """
    settings = gateway_settings(paths.config_file)
    if not settings.enabled or settings.port is None:
        raise BridgeProblem(TURN_ON)
    token = tokens.get(token_secret(app))  # a keyring that fails says so in its own sentence
    if not token:
        raise BridgeProblem(
            f"MCP Desk doesn't know the app “{app}”: connect it from MCP Desk's Other AI apps page."
        )
    if not endpoint_answers(settings.port):
        _start(settings.port, start_command, paths.run_dir / START_CLAIM)
    return BridgeStart(f"http://{HOST}:{settings.port}/mcp", token)


def _start(port: int, command: Sequence[str] | None, claim: Path) -> None:
    if not command:
        raise BridgeProblem(_CLOSED)
    outcome = start_and_wait(command, port, claim)
    if outcome.answering:
        return
    if outcome.exit_code is not None:
        raise BridgeProblem(
            "MCP Desk could not be started: open it yourself, then start this app again.",
            f"{' '.join(command)} ended with code {outcome.exit_code}",
        )
    raise BridgeProblem(
        f"MCP Desk did not open its door for other apps within {START_WAIT_SECONDS:.0f} seconds: "
        "open MCP Desk, check that “Share my servers with other AI apps” is on, then start this app again.",
        f"nothing answered on {HOST}:{port}",
    )


class _Refused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"the endpoint answered HTTP {status}")
        self.status = status


@dataclass
class _Ending:
    """Which side ended the relay, and how."""

    app_left: bool = False
    refused: int | None = None

    async def check(self, response: httpx2.Response) -> None:
        """Every answer from the endpoint: a refusal, or a session it no longer knows, ends the relay."""
        status = response.status_code
        if status in _REFUSALS and (status != 404 or MCP_SESSION_ID in response.request.headers):
            self.refused = response.status_code
            raise _Refused(response.status_code)

    def problem(self, error: BaseException | None) -> BridgeProblem:
        message = _REFUSALS.get(self.refused or 0, _CLOSED)
        return BridgeProblem(message, repr(error) if error is not None else "the endpoint ended the stream")


class StdinLines:
    """stdin's lines, read by a daemon thread: an app that keeps stdin open never holds up the exit
    (the SDK reads stdin on a worker thread that cannot be left behind)."""

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._lines: asyncio.Queue[str] = asyncio.Queue()
        threading.Thread(target=self._read, name="stdin lines", daemon=True).start()

    def stop(self) -> None:
        self._lines.put_nowait("")

    def __aiter__(self) -> StdinLines:
        return self

    async def __anext__(self) -> str:
        line = await self._lines.get()
        if not line:
            self._lines.put_nowait("")  # every later reader sees the end too
            raise StopAsyncIteration
        return line

    def _read(self) -> None:
        # Raw reads: a thread blocked in a buffered read holds a lock the interpreter's exit needs.
        pending = bytearray()
        while chunk := _read_stdin():
            pending += chunk
            while (end := pending.find(b"\n")) >= 0:
                line = pending[: end + 1].decode("utf-8", errors="replace")
                del pending[: end + 1]
                if line.strip() and not self._hand_over(line):
                    return
        if pending.strip():
            self._hand_over(pending.decode("utf-8", errors="replace"))
        self._hand_over("")

    def _hand_over(self, line: str) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
        except RuntimeError:  # the loop is gone: the bridge has ended
            return False
        return True


def _read_stdin() -> bytes:
    """The next bytes on file descriptor 0 (even where `sys.stdin` is None); none once it is closed."""
    try:
        return os.read(0, 65536)
    except OSError:
        return b""


async def relay(url: str, token: str) -> None:
    """Relay until the app closes stdin; a `BridgeProblem` when the endpoint ends or refuses first."""
    ending = _Ending()
    lines = StdinLines()
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx2.Timeout(30, read=None),  # the app decides how long an answer may take
        event_hooks={"response": [ending.check]},
    )
    error: BaseException | None = None
    try:
        async with stdio_server(stdin=lines) as (from_app, to_app):  # type: ignore[arg-type]
            try:
                async with http, streamable_http_client(url, http_client=http) as (from_desk, to_desk):
                    await _both_ways(from_app, to_app, from_desk, to_desk, ending)
            except Exception as failure:  # the endpoint failed mid-request (refused, or gone)
                error = failure
            finally:
                lines.stop()
                await from_app.aclose()  # a line from the app that nobody will take now
                await to_app.aclose()
    except* anyio.BrokenResourceError:
        pass  # ... is dropped: the SDK's stdin reader says so when it finds nobody to take it
    if not ending.app_left:
        raise ending.problem(error)


async def _both_ways(
    from_app: Messages,
    to_app: WriteStream[SessionMessage],
    from_desk: Messages,
    to_desk: WriteStream[SessionMessage],
    ending: _Ending,
) -> None:
    headers = WireHeaders()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_app_to_desk, from_app, to_desk, headers, ending, tasks.cancel_scope)
        async for item in from_desk:
            if isinstance(item, Exception):
                log.warning("MCP Desk sent something that is not an MCP message; it was skipped.")
                continue
            headers.incoming(item.message)
            await to_app.send(SessionMessage(item.message))
        tasks.cancel_scope.cancel()


async def _app_to_desk(
    from_app: Messages,
    to_desk: WriteStream[SessionMessage],
    headers: WireHeaders,
    ending: _Ending,
    both: anyio.CancelScope,
) -> None:
    async for item in from_app:
        if isinstance(item, Exception):
            log.warning("The app sent a line that is not an MCP message; it was skipped.")
            continue
        await to_desk.send(SessionMessage(item.message, metadata=headers.outgoing(item.message)))
    ending.app_left = True
    both.cancel()
