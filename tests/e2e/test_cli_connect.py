"""`mcp-desk connect --app ID`, the stdio bridge, as an AI app runs it: a real process on real pipes,
relaying to a real Streamable HTTP endpoint with a bearer token from the real keyring.

The endpoint is `tests/fixtures/servers/gateway_stand_in.py`, built on the SDK's server side: MCP
Desk's own gateway endpoint is being built beside the bridge.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import psutil
import pytest
from mcp import Client
from mcp.client.session import IncomingMessage
from mcp.client.stdio import StdioServerParameters, stdio_client

from desktop.cli.connect import START_ENV
from desktop.core.config import AppConfig, AppSettings, GatewaySettings
from desktop.core.paths import AppPaths
from desktop.core.secrets import SecretStore
from desktop.gateway.control import token_secret
from desktop.gateway.stdio_bridge import CONNECT_AGAIN, RESTARTED, TURN_ON
from tests.fixtures.servers.paths import server_path

ROOT = Path(__file__).resolve().parents[2]
APP = "test"
BRIDGE = [sys.executable, "-m", "desktop", "connect", "--app", APP]
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "an app", "version": "1"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_settings(port: int, enabled: bool = True) -> None:
    paths = AppPaths.from_environment()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    config = AppConfig(settings=AppSettings(gateway=GatewaySettings(enabled=enabled, port=port)))
    paths.config_file.write_text(config.to_json())


@pytest.fixture(autouse=True)
def _no_bridge_outlives_its_test() -> Iterator[None]:
    """A test that failed halfway leaves no bridge behind for the next one to find."""
    yield
    for child in psutil.Process().children(recursive=True):
        with suppress(psutil.NoSuchProcess):
            if child.cmdline()[-3:] == ["connect", "--app", APP]:
                child.kill()


@pytest.fixture
def token(keyring_store: SecretStore) -> str:
    """The app's token, in the real keyring where the Other AI apps page keeps it."""
    value = secrets.token_urlsafe(32)
    keyring_store.set(token_secret(APP), value)
    return value


@pytest.fixture
def port() -> int:
    chosen = free_port()
    write_settings(chosen)
    return chosen


def stand_in_command(port: int, *extra: str) -> list[str]:
    return [sys.executable, str(server_path("gateway_stand_in")), "--port", str(port), *extra]


@contextmanager
def stand_in(port: int, expects: str) -> Iterator[subprocess.Popen[str]]:
    """The gateway's stand-in on `port`, taking the token `expects`, until the block ends."""
    env = {**os.environ, "FIXTURE_GATEWAY_TOKEN": expects}
    process = subprocess.Popen(
        stand_in_command(port), stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stderr is not None
        assert any(line.startswith("PORT=") for line in process.stderr), "the stand-in did not start"
        yield process
    finally:
        process.kill()
        process.wait(10)


def bridge_env(**extra: str) -> dict[str, str]:
    return {**os.environ, START_ENV: "[]", **extra}


def start_bridge(**extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        BRIDGE,
        cwd=ROOT,
        env=bridge_env(**extra),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def send(bridge: subprocess.Popen[str], *messages: dict[str, Any]) -> None:
    assert bridge.stdin is not None
    for message in messages:
        bridge.stdin.write(json.dumps(message) + "\n")
    bridge.stdin.flush()


def read_message(bridge: subprocess.Popen[str]) -> dict[str, Any]:
    assert bridge.stdout is not None
    message: dict[str, Any] = json.loads(bridge.stdout.readline())
    return message


def finished(bridge: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Its exit code, and what it wrote to stdout and stderr after what was read already."""
    out, err = bridge.communicate(timeout=60)
    return bridge.returncode, out, err


def ended_by_itself(bridge: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Like `finished`, but its stdin stays open until it has ended: the app did not leave."""
    bridge.wait(60)
    return finished(bridge)


def assert_token_nowhere(token: str, *outputs: str) -> None:
    for output in outputs:
        assert token not in output
    home = Path(os.environ["MCP_DESK_HOME"])
    for file in home.rglob("*"):
        if file.is_file():
            assert token.encode() not in file.read_bytes(), file


def no_bridge_left() -> None:
    for child in psutil.Process().children(recursive=True):
        with suppress(psutil.NoSuchProcess):
            assert "connect" not in child.cmdline(), f"a bridge is still running: {child.cmdline()}"


class Heard:
    """What the app heard from the servers besides answers."""

    def __init__(self) -> None:
        self.logs: list[str] = []
        self.tools_changed = anyio.Event()

    async def __call__(self, message: IncomingMessage) -> None:
        if isinstance(message, types.LoggingMessageNotification):
            self.logs.append(str(message.params.data))
        elif isinstance(message, types.ToolListChangedNotification):
            self.tools_changed.set()


async def answer_ann(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    assert params.message == "What is your name?"
    return types.ElicitResult(action="accept", content={"name": "Ann"})


def sdk_client(stderr: Any, heard: Heard | None = None, mode: str = "legacy") -> Client:
    params = StdioServerParameters(command=BRIDGE[0], args=BRIDGE[1:], env=bridge_env(), cwd=ROOT)
    return Client(
        stdio_client(params, errlog=stderr), mode=mode, message_handler=heard, elicitation_callback=answer_ann
    )


@pytest.mark.anyio
async def test_an_app_on_stdio_lists_and_calls_tools_hears_the_servers_and_answers_them(
    token: str, port: int, tmp_path: Path
) -> None:
    heard = Heard()
    errors = tmp_path / "bridge-stderr.txt"
    with stand_in(port, expects=token), errors.open("w") as stderr:
        async with sdk_client(stderr, heard) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert {"echo", "add", "announce"} <= tools
            added = await client.call_tool("add", {"a": 2, "b": 3})
            assert added.content[0].text == "5.0"  # type: ignore[union-attr]
            with anyio.fail_after(30):
                while not heard.tools_changed.is_set():  # its stream opens beside the first calls
                    said = await client.call_tool("announce", {"text": "hello from the server"})
                    assert said.content[0].text == "hello from the server"  # type: ignore[union-attr]
                    with anyio.move_on_after(1):
                        await heard.tools_changed.wait()
            assert "hello from the server" in heard.logs
            asked = await client.call_tool("ask_name", {})  # the server asks, the app answers
            assert asked.content[0].text == "Ann"  # type: ignore[union-attr]
    no_bridge_left()
    assert_token_nowhere(token, errors.read_text())


@pytest.mark.anyio
async def test_an_app_on_the_2026_revision_is_relayed_with_the_headers_it_needs(
    token: str, port: int, tmp_path: Path
) -> None:
    with stand_in(port, expects=token), (tmp_path / "stderr.txt").open("w") as stderr:
        async with sdk_client(stderr, mode="auto") as client:
            assert client.protocol_version not in (None, "2025-11-25")
            await client.list_tools()  # where the app learns which arguments go in headers too
            echoed = await client.call_tool("echo", {"text": "over the 2026 wire"})
            assert echoed.content[0].text == "over the 2026 wire"  # type: ignore[union-attr]
            forecast = await client.call_tool("forecast", {"region": "Lisbon"})
            assert forecast.content[0].text == "sunny in Lisbon"  # type: ignore[union-attr]
    no_bridge_left()


def test_stdout_carries_protocol_only_and_the_bridge_ends_cleanly_when_stdin_closes(
    token: str, port: int
) -> None:
    with stand_in(port, expects=token):
        bridge = start_bridge()
        assert bridge.stdin is not None
        bridge.stdin.write("\n")  # a blank line between messages is no message, and no complaint
        send(bridge, INITIALIZE)
        answer = read_message(bridge)
        assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "gateway_stand_in"
        send(bridge, INITIALIZED, LIST_TOOLS)
        assert read_message(bridge)["id"] == 2
        code, out, err = finished(bridge)  # closes its stdin
    assert (code, out, err) == (0, "", "")
    assert not psutil.pid_exists(bridge.pid)
    assert_token_nowhere(token, answer.__repr__(), out, err)


def test_a_token_the_endpoint_no_longer_takes_ends_the_bridge_with_what_to_do(token: str, port: int) -> None:
    with stand_in(port, expects="another app's token"):
        bridge = start_bridge()
        send(bridge, INITIALIZE)
        code, out, err = ended_by_itself(bridge)
    assert code != 0
    assert err.strip() == CONNECT_AGAIN
    assert out == ""
    assert_token_nowhere(token, out, err)


def test_when_mcp_desk_quits_mid_session_the_bridge_says_so(token: str, port: int) -> None:
    with stand_in(port, expects=token) as endpoint:
        bridge = start_bridge()
        send(bridge, INITIALIZE)
        assert read_message(bridge)["id"] == 1
        endpoint.kill()
        endpoint.wait(10)
        send(bridge, INITIALIZED, LIST_TOOLS)
        code, out, err = ended_by_itself(bridge)
    assert code != 0
    assert "MCP Desk closed the connection" in err
    assert len(err.strip().splitlines()) == 1
    assert_token_nowhere(token, out, err)


def test_when_mcp_desk_restarts_mid_session_the_bridge_says_the_session_ended(token: str, port: int) -> None:
    with stand_in(port, expects=token) as endpoint:
        bridge = start_bridge()
        send(bridge, INITIALIZE)
        assert read_message(bridge)["id"] == 1
        send(bridge, INITIALIZED, LIST_TOOLS)
        assert read_message(bridge)["id"] == 2
        endpoint.kill()
        endpoint.wait(10)
    with stand_in(port, expects=token):  # a new MCP Desk: the app's session is not one it knows
        send(bridge, LIST_TOOLS)
        code, out, err = ended_by_itself(bridge)
    assert code != 0
    assert err.strip() == RESTARTED
    assert_token_nowhere(token, out, err)


def test_with_the_gateway_off_the_bridge_says_where_to_turn_it_on(token: str) -> None:
    write_settings(free_port(), enabled=False)
    code, out, err = finished(start_bridge())
    assert (code, out, err.strip()) == (1, "", TURN_ON)


def test_an_app_mcp_desk_does_not_know_is_told_to_connect_it(keyring_store: SecretStore, port: int) -> None:
    code, out, err = finished(start_bridge())
    assert code == 1 and out == ""
    assert (
        err.strip()
        == f"MCP Desk doesn't know the app “{APP}”: connect it from MCP Desk's Other AI apps page."
    )


def test_mcp_desk_that_cannot_start_is_said_at_once(token: str, port: int) -> None:
    failing = json.dumps([sys.executable, "-c", "raise SystemExit(3)"])
    code, out, err = finished(start_bridge(**{START_ENV: failing}))
    assert (code, out) == (1, "")
    assert err.strip() == "MCP Desk could not be started: open it yourself, then start this app again."


def test_mcp_desk_that_never_opens_its_endpoint_is_said_after_the_bounded_wait(token: str, port: int) -> None:
    silent = json.dumps([sys.executable, "-c", "pass"])
    code, out, err = finished(start_bridge(**{START_ENV: silent}))
    assert (code, out) == (1, "")
    assert "MCP Desk did not open its door for other apps within 20 seconds" in err


@pytest.mark.anyio
async def test_the_bridge_starts_mcp_desk_on_its_own_and_relays_once_it_answers(
    token: str, port: int, tmp_path: Path
) -> None:
    """The stand-in plays MCP Desk started by the bridge: detached, it outlives the bridge."""
    pid_file = tmp_path / "started.pid"
    starts = json.dumps(stand_in_command(port, "--pid-file", str(pid_file)))
    params = StdioServerParameters(
        command=BRIDGE[0],
        args=BRIDGE[1:],
        env=bridge_env(**{START_ENV: starts, "FIXTURE_GATEWAY_TOKEN": token}),
        cwd=ROOT,
    )
    with (tmp_path / "stderr.txt").open("w") as stderr:
        try:
            async with Client(stdio_client(params, errlog=stderr), mode="legacy") as client:
                echoed = await client.call_tool("echo", {"text": "woke it up"})
                assert echoed.content[0].text == "woke it up"  # type: ignore[union-attr]
            no_bridge_left()
            started = int(pid_file.read_text())
            assert psutil.pid_exists(started)
            assert os.getsid(started) == started  # a session of its own: the app's group can't take it down
        finally:
            if pid_file.exists():
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
