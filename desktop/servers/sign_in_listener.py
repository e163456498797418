"""The browser's way back after signing in: a listener on 127.0.0.1 that checks the `state`.

Also the check that an authorization address is safe to show in a browser at all.
"""

from __future__ import annotations

import html
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import anyio
from anyio.abc import SocketStream
from mcp.shared.auth import AuthorizationCodeResult

from desktop.core.config import CALLBACK_HOST, CALLBACK_PATH, redirect_uri
from desktop.servers.sign_in_refusal import AGAIN, SignInProblem, refused

SIGN_IN_LIMIT_S = 300.0
"""How long MCP Desk waits for the user to finish signing in in the browser."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_REQUEST_BYTES = 16 * 1024
_REQUEST_READ_S = 10.0
"""A browser sends its request at once; a connection that sends nothing is dropped after this."""


def check_authorization_url(url: str) -> None:
    """Refuse, before any browser sees it, a sign-in address that is not https or http on this computer."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    except ValueError:
        scheme, host = "", ""
    secure = (scheme == "https" and bool(host)) or (scheme == "http" and host in LOOPBACK_HOSTS)
    if not secure or any(ch.isspace() or ord(ch) < 32 for ch in url):
        shown = f"{scheme}://{host}" if scheme and host else "an address MCP Desk cannot read"
        raise SignInProblem(
            f"The server asked MCP Desk to sign in at {shown}, which is not a secure (https) address, "
            "so no browser was opened. Check the server's address, or ask its provider for an https "
            "sign-in page."
        )


def query_value(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


class CallbackListener:
    """Receives the browser's redirect on 127.0.0.1 and accepts only the one carrying the expected `state`."""

    def __init__(self, server: str, limit: float = SIGN_IN_LIMIT_S) -> None:
        self.server = server
        self.limit = limit
        self.port = 0
        self.choose_port(None)

    @property
    def redirect_uri(self) -> str:
        return redirect_uri(self.port)

    def choose_port(self, preferred: int | None, *, required: bool = False) -> int:
        """Listen on `preferred` later if it is free now, else (unless `required`) on any free port."""
        if required and preferred:
            self.port = preferred  # a provider accepts only the address it registered: that one or none
            return self.port
        for port in (preferred, 0) if preferred else (0,):
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                    if os.name != "nt":  # as anyio's listener will: a just-closed port is free
                        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind((CALLBACK_HOST, port))
                    self.port = probe.getsockname()[1]
                    return self.port
            except OSError:
                continue
        raise SignInProblem(
            "MCP Desk could not open a port on 127.0.0.1 to receive the sign-in. "
            "Close some programs or restart the computer, then start the server again."
        )

    async def wait_for_code(
        self, state: str, open_browser: Callable[[], Awaitable[None]]
    ) -> AuthorizationCodeResult:
        """Listen, call `open_browser`, and return the code from the first redirect carrying `state`."""
        try:
            listener = await anyio.create_tcp_listener(local_host=CALLBACK_HOST, local_port=self.port)
        except OSError as error:
            raise SignInProblem(
                f"Sign-in failed: MCP Desk could not listen on port {self.port} for the sign-in to "
                f"“{self.server}” because another program is using it. Close that program. {AGAIN}",
                str(error),
            ) from error
        wait = _Wait(self.server, state)
        async with listener, anyio.create_task_group() as tasks:
            tasks.start_soon(listener.serve, wait.handle)
            tasks.start_soon(wait.open_browser, open_browser)
            with anyio.move_on_after(self.limit):
                await wait.finished.wait()
            tasks.cancel_scope.cancel()
        return wait.outcome(self.limit)


@dataclass(frozen=True)
class _Reply:
    status: int
    message: str
    answer: AuthorizationCodeResult | None = None
    problem: SignInProblem | None = None


class _Wait:
    """One sign-in's wait for its redirect."""

    def __init__(self, server: str, state: str) -> None:
        self._server = server
        self._state = state.encode()
        self.finished = anyio.Event()
        self._answer: AuthorizationCodeResult | None = None
        self._problem: SignInProblem | None = None

    def outcome(self, limit: float) -> AuthorizationCodeResult:
        if self._problem is not None:
            raise self._problem
        if self._answer is None:
            waited = f"{limit / 60:.0f} minutes" if limit >= 120 else f"{limit:.0f} seconds"
            raise SignInProblem(
                f"Sign-in failed: signing in to “{self._server}” was not finished within {waited}, "
                f"so MCP Desk stopped waiting. {AGAIN}"
            )
        return self._answer

    async def open_browser(self, open_browser: Callable[[], Awaitable[None]]) -> None:
        try:
            await open_browser()
        except Exception as error:  # whatever the opener raises, the user reads one sentence
            self._settle(
                SignInProblem(
                    f"Sign-in failed: MCP Desk could not open a web browser to sign in to “{self._server}”. "
                    f"Check that a default browser is set. {AGAIN}",
                    f"{type(error).__name__}: {error}",
                )
            )

    async def handle(self, stream: SocketStream) -> None:
        reply: _Reply | None = None
        async with stream:
            with anyio.move_on_after(_REQUEST_READ_S):
                try:
                    reply = self._reply_to(await _request_target(stream))
                    await stream.send(_page(reply.status, reply.message))
                except (
                    OSError,
                    ValueError,
                    anyio.EndOfStream,
                    anyio.BrokenResourceError,
                    anyio.ClosedResourceError,
                ):
                    pass  # a connection that breaks or sends nonsense changes nothing
        # Only now, with the page sent and the connection closed, may the wait end.
        if reply is not None:
            self._settle(reply.problem or reply.answer)

    def _reply_to(self, target: str) -> _Reply:
        parts = urlsplit(target)
        if parts.path != CALLBACK_PATH:
            return _Reply(404, "This page is not part of signing in to MCP Desk.")
        query = parse_qs(parts.query)
        state = query_value(query, "state")
        if state is None or not secrets.compare_digest(state.encode(), self._state):
            return _Reply(400, _NOT_OURS)
        if self.finished.is_set():
            return _Reply(400, _NOT_DONE) if self._problem else _Reply(200, _DONE)
        code, error = query_value(query, "code"), query_value(query, "error")
        if error is None and code:
            return _Reply(
                200,
                _DONE,
                answer=AuthorizationCodeResult(code=code, state=state, iss=query_value(query, "iss")),
            )
        if error is None:
            return _Reply(400, _NOT_DONE, problem=SignInProblem(_NO_CODE))
        return _Reply(400, _NOT_DONE, problem=refused(error, query_value(query, "error_description") or ""))

    def _settle(self, outcome: AuthorizationCodeResult | SignInProblem | None) -> None:
        if outcome is None or self.finished.is_set():
            return
        if isinstance(outcome, SignInProblem):
            self._problem = outcome
        else:
            self._answer = outcome
        self.finished.set()


_NO_CODE = f"Sign-in failed: the sign-in page sent no sign-in code back. {AGAIN}"
_DONE = "You can close this tab and go back to MCP Desk."
_NOT_DONE = "Signing in did not finish. Go back to MCP Desk to see why."
_NOT_OURS = (
    "This sign-in answer is not for the sign-in MCP Desk is waiting for, so it was ignored. "
    "Go back to MCP Desk and start the server again if it still needs you to sign in."
)
_HTML = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>MCP Desk</title></head>'
    '<body style="font-family: sans-serif; margin: 3em"><p>{message}</p></body></html>'
)


async def _request_target(stream: SocketStream) -> str:
    """The path and query of the HTTP GET request arriving on `stream`."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += await stream.receive()
        if len(received) > _REQUEST_BYTES:
            raise ValueError("request too long")
    method, target, _version = received.split(b"\r\n", 1)[0].decode("ascii").split(" ")
    if method != "GET":
        raise ValueError(f"{method} is not GET")
    return target


def _page(status: int, message: str) -> bytes:
    body = _HTML.format(message=html.escape(message)).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body
