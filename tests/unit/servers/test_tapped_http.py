"""Over HTTP the tap records the MCP endpoint's traffic only: sign-in requests carry tokens."""

from __future__ import annotations

import json

import httpx2
import pytest

from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcLog
from desktop.servers.wire_tap import TappedHTTP, WireTap

ENDPOINT = "http://127.0.0.1:8123/mcp"
TOKEN_REPLY = {"access_token": "at-7c1d9e4f", "refresh_token": "rt-2b8a6c0d", "token_type": "Bearer"}


def answer(request: httpx2.Request) -> httpx2.Response:
    if request.url.path == "/token":
        return httpx2.Response(200, json=TOKEN_REPLY)
    return httpx2.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": {}})


@pytest.mark.anyio
async def test_only_the_mcp_endpoint_is_recorded() -> None:
    redactor = Redactor()
    log = RpcLog(redactor)
    transport = TappedHTTP(WireTap("remote", log), redactor, httpx2.MockTransport(answer), ENDPOINT)
    async with httpx2.AsyncClient(transport=transport) as client:
        await client.post("http://127.0.0.1:8123/token", data={"grant_type": "authorization_code"})
        reply = await client.post(ENDPOINT + "/", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert reply.json()["id"] == 1
    entries = log.recent()
    assert [(e.kind.value, e.method) for e in entries] == [("request", "ping"), ("response", "ping")]
    assert all(TOKEN_REPLY["access_token"] not in json.dumps(e.to_json()) for e in entries)
