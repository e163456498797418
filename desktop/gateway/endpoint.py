"""The listening socket and uvicorn on the service loop: 127.0.0.1 only, at the port the settings keep.

The socket is bound here, before uvicorn starts, so a port another program took is a sentence
for the user rather than uvicorn's exit. uvicorn never installs signal handlers here: MCP Desk's
own quit closes the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from desktop.gateway.control import GatewayProblem

HOST = "127.0.0.1"
GRACE_SECONDS = 2
"""How long connections still open at stop may take to finish, after every session was closed."""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1 at `port` (any free one when None)."""
    # Named TCP, so asyncio turns Nagle off on each accepted connection (it checks the protocol):
    # an answer written in two parts would otherwise wait on the app's delayed ACK (~40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        if sys.platform != "win32":  # elsewhere it would let two programs share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port or 0))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise GatewayProblem(
            f"Another program is using port {port}, which your apps were told to use. "
            "Close that program, then turn the gateway off and on again.",
            str(error),
        ) from error
    sock.setblocking(False)
    return sock


class Endpoint:
    """uvicorn serving `app` on a bound socket, as a task on the running loop."""

    def __init__(self, app: ASGIApp, sock: socket.socket) -> None:
        self.port: int = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=GRACE_SECONDS,
            server_header=False,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._server.serve(sockets=[self._socket]))
        # uvicorn tells that it listens only by its `started` flag.
        while not self._server.started and not self._task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._socket.close()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/mcp"
