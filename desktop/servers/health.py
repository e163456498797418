"""Is a running server still there? Asked the way its protocol revision allows.

A server that answers at all is alive: an error response (say, "method not found" from a
server that never implemented `ping`) is an answer. Only silence counts as a miss, and a
server busy with a tool call is never judged while the call runs.
"""

from __future__ import annotations

import anyio
import mcp_types as types
from mcp import Client, MCPError
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from pydantic import ValidationError

from desktop.servers.restart_policy import RestartPolicy

SILENT_CODES = frozenset({types.REQUEST_TIMEOUT, types.CONNECTION_CLOSED})
"""What the SDK raises when no answer came: these are not answers from the server."""


async def answers(client: Client) -> bool:
    """True when the server answered the protocol's own liveness request (wrap it in a time limit).

    2025 revisions have `ping`; 2026-07-28 removed it, and every server of that revision
    must answer `server/discover`.
    """
    try:
        if client.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS:
            await client.session.send_ping()
        else:
            await client.session.send_request(types.DiscoverRequest(), types.DiscoverResult)
    except MCPError as exc:
        return exc.code not in SILENT_CODES
    except ValidationError:  # an answer, if not a well-formed one
        return True
    return True


class HealthWatch:
    """Checks a running server every `policy.health_every` seconds; returns when it stopped answering."""

    def __init__(self, policy: RestartPolicy) -> None:
        self._policy = policy
        self._calls_in_flight = 0

    def call_started(self) -> None:
        self._calls_in_flight += 1

    def call_ended(self) -> None:
        self._calls_in_flight -= 1

    async def until_silent(self, client: Client) -> None:
        misses = 0
        while misses < self._policy.health_misses:
            await anyio.sleep(self._policy.health_every)
            answered = False
            with anyio.move_on_after(self._policy.health_timeout):
                answered = await answers(client)
            if answered or self._calls_in_flight:
                misses = 0
            else:
                misses += 1
