"""Over HTTP the tap records the MCP endpoint's traffic only: sign-in requests carry tokens."""

from __future__ import annotations

import json

import httpx2
import pytest

from desktop.core.redact import MASK, Redactor
from desktop.core.rpc_log import EntryKind, Flag, RpcLog
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


def refuse(request: httpx2.Request) -> httpx2.Response:
    """The endpoint's error pages: a 401 sign-in challenge that echoes the token, or a 502 page."""
    if request.headers.get("authorization") == "Bearer at-7c1d9e4f":
        challenge = 'Bearer error="invalid_token", error_description="The token expired"'
        body = {"error": "invalid_token", "error_description": "The token expired", "got": "at-7c1d9e4f"}
        return httpx2.Response(401, json=body, headers={"WWW-Authenticate": challenge})
    return httpx2.Response(502, text="<html>upstream went away</html>", headers={"content-type": "text/html"})


async def post_to(headers: dict[str, str]) -> tuple[httpx2.Response, RpcLog]:
    redactor = Redactor()
    redactor.add(TOKEN_REPLY["access_token"])
    log = RpcLog(redactor)
    transport = TappedHTTP(WireTap("remote", log), redactor, httpx2.MockTransport(refuse), ENDPOINT)
    async with httpx2.AsyncClient(transport=transport, headers=headers) as client:
        reply = await client.post(ENDPOINT, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    return reply, log


@pytest.mark.anyio
async def test_a_401_is_logged_as_http_with_its_error_and_the_token_masked() -> None:
    reply, log = await post_to({"Authorization": "Bearer at-7c1d9e4f"})
    assert reply.status_code == 401 and reply.json()["error"] == "invalid_token", "the SDK still reads it"
    (refused,) = [e for e in log.recent() if e.kind is not EntryKind.REQUEST]
    assert refused.kind is EntryKind.HTTP and not refused.is_problem, "a 401 asks to sign in"
    assert refused.text.startswith("HTTP 401 Unauthorized: invalid_token (The token expired)\n")
    assert 'WWW-Authenticate: Bearer error="invalid_token"' in refused.text
    assert "at-7c1d9e4f" not in refused.to_json() and MASK in refused.text


@pytest.mark.anyio
async def test_an_error_page_that_is_not_json_is_logged_as_http_and_a_problem() -> None:
    reply, log = await post_to({})
    assert reply.text == "<html>upstream went away</html>"
    (failed,) = [e for e in log.recent() if e.kind is not EntryKind.REQUEST]
    assert failed.kind is EntryKind.HTTP and failed.flags == (Flag.HTTP_ERROR,) and failed.is_problem
    assert failed.text == "HTTP 502 Bad Gateway\n<html>upstream went away</html>"
    assert failed.size == len(b"<html>upstream went away</html>")
