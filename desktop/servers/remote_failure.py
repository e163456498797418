"""Why a remote server could not be reached, in words a user can act on.

The SDK reports an unreachable address, a refused connection or an HTTP error page as
`httpx2` exceptions or as a bare "Not Found"; `unreachable` finds the cause in the
exception (its groups and the errors it was raised from) and in the HTTP status the
server's address last answered with, and says what to do next. Some causes pass by
themselves (a server restarting), others never do until the settings change (a name
that does not exist, a page that is not there, a certificate that cannot be trusted):
those are `lasting`, and trying again in a few seconds would only repeat them. (A sign-in
that failed is neither: `sign_in_refusal` says why, and it waits for the user.)
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2


@dataclass(frozen=True)
class Unreachable:
    """A plain sentence about why the server could not be reached, and whether waiting helps."""

    reason: str
    lasting: bool
    """True when trying again soon would fail the same way: the user has to change something."""


_BY_ERROR: tuple[tuple[type[BaseException], str, bool], ...] = (
    (
        socket.gaierror,
        "“{server}” could not be reached: the address {host} was not found. "
        "Check the address in its settings, and that this computer is online.",
        True,
    ),
    (
        ssl.SSLCertVerificationError,
        "“{server}” was not connected: the certificate of {host} could not be verified, so the "
        "connection would not be private. Check the address, or ask the server's owner.",
        True,
    ),
    (
        ssl.SSLError,
        "“{server}” could not be reached: {host} did not set up a secure connection. "
        "If its instructions give an address starting with http://, use that one.",
        True,
    ),
    (
        ConnectionRefusedError,
        "“{server}” could not be reached: nothing at {where} accepted the connection. "
        "The server may be down, or the port in its address may be wrong.",
        False,
    ),
    (
        httpx2.TimeoutException,
        "“{server}” could not be reached: {host} did not answer in time. It may be down or slow.",
        False,
    ),
)
"""The causes recognised in an exception, first match wins, and whether each one lasts."""


def unreachable(server: str, url: str, error: BaseException, status: int | None) -> Unreachable | None:
    """Why `server` at `url` could not be reached, or None when `error` is not about reaching it.

    `status` is the HTTP status of the last answer from the server's address, if any.
    """
    parts = urlsplit(url)
    host = parts.hostname or url
    where = f"{host}:{parts.port}" if parts.port else host
    found = list(causes(error))
    for kind, reason, lasting in _BY_ERROR:
        if any(isinstance(cause, kind) for cause in found):
            return Unreachable(reason.format(server=server, host=host, where=where), lasting)
    return _refused_by_status(server, host, parts.path or "/", status)


def no_answer(server: str, url: str, seconds: float) -> str:
    """The sentence for a server that took the connection and then said nothing in time."""
    host = urlsplit(url).hostname or url
    return (
        f"“{server}” could not be reached: {host} did not answer within {seconds:.0f} seconds. "
        "It may be down or slow."
    )


def _refused_by_status(server: str, host: str, path: str, status: int | None) -> Unreachable | None:
    if status in (401, 403):
        return Unreachable(
            f"“{server}” turned MCP Desk away: {host} says it is not allowed in (HTTP {status}). "
            "Check the key or token in its headers, or sign in again.",
            lasting=True,
        )
    if status == 404:
        return Unreachable(
            f"“{server}” could not be reached: {host} has no MCP server at {path} (HTTP 404). "
            "Check the path at the end of the address in its settings against the server's instructions.",
            lasting=True,
        )
    if status is not None and status >= 400:
        return Unreachable(
            f"“{server}” could not start: {host} answered with an error (HTTP {status}). "
            "The server may be having trouble.",
            lasting=False,
        )
    return None


def causes(error: BaseException) -> Iterator[BaseException]:
    """`error`, the exceptions grouped in it and those it was raised from, each once."""
    seen: set[int] = set()
    waiting = [error]
    while waiting:
        current = waiting.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            waiting.extend(current.exceptions)
        waiting.extend(e for e in (current.__cause__, current.__context__) if e is not None)
