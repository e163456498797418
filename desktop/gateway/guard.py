"""The door's checks, before the SDK sees a request: the right address, no web page, a known token.

DNS rebinding is refused by `Host` (only `127.0.0.1:PORT` or `localhost:PORT`), a web page by
`Origin` (a browser sends it; only a loopback origin passes), and everyone else by the bearer
token: no token or an unknown one is a 401 with `WWW-Authenticate: Bearer`. The app the token
belongs to decides which door (`AppDoors`) serves the request.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

PATH = "/mcp"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class Guard:
    """ASGI middleware in front of every app's door.

    `app_of` names the app a token belongs to (or None); `door_of` is that app's ASGI app.
    """

    def __init__(
        self, port: int, app_of: Callable[[str], str | None], door_of: Callable[[str], ASGIApp | None]
    ) -> None:
        self._hosts = {f"{host}:{port}" for host in LOOPBACK_HOSTS}
        self._app_of = app_of
        self._door_of = door_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = Headers(scope=scope)
        if headers.get("host", "") not in self._hosts:
            await _refuse(403, "This address only answers requests made to it on this computer.")(
                scope, receive, send
            )
            return
        if not _loopback_origin(headers.get("origin")):
            await _refuse(403, "Web pages may not use MCP Desk's servers.")(scope, receive, send)
            return
        if scope["path"].rstrip("/") != PATH:
            await _refuse(404, "MCP Desk answers at /mcp.")(scope, receive, send)
            return
        scheme, _, presented = headers.get("authorization", "").partition(" ")
        app = self._app_of(presented.strip()) if scheme.lower() == "bearer" and presented.strip() else None
        door = self._door_of(app) if app is not None else None
        if door is None:
            response = _refuse(401, "A valid MCP Desk token is needed: connect this app from MCP Desk.")
            response.headers["WWW-Authenticate"] = 'Bearer realm="mcp-desk"'
            await response(scope, receive, send)
            return
        await door(scope, receive, send)


def _loopback_origin(origin: str | None) -> bool:
    """No `Origin` (not a browser), or one on this computer."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _refuse(status: int, sentence: str) -> PlainTextResponse:
    return PlainTextResponse(sentence, status_code=status)
