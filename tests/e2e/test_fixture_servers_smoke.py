"""Every fixture server really starts and speaks MCP (or misbehaves exactly as documented).

The SDK's own stdio client connects to each well-formed fixture, lists its tools and calls ``echo``.
Processes a fixture leaves behind (``ignore_sigterm`` outlives its stdin, ``spawn_grandchildren``
leaves its descendants) are killed in cleanup; the app's supervisor is tested elsewhere.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import psutil
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream
from mcp import Client, StdioServerParameters
from mcp.types import TextContent

from tests.fixtures.servers.paths import server_path

EXPECTED_TOOLS = {
    "well_behaved": {"echo", "add", "sleep", "whoami", "digests"},
    "crash_mid_call": {"echo", "boom"},
    "junk_stdout": {"echo", "junk", "huge_line"},
    "flood": {"echo", "flood", "stderr_flood"},
    "change_tools": {"echo", "add_tool", "remove_tool"},
    "spawn_grandchildren": {"echo"},
    "ignore_sigterm": {"echo"},
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def leftovers() -> Iterator[list[psutil.Process]]:
    """Processes to kill after the test, whatever happened to the client."""
    processes: list[psutil.Process] = []
    yield processes
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    _, alive = psutil.wait_procs(processes, timeout=10)
    assert not alive, f"could not kill {alive}"


def running(script: Path) -> list[psutil.Process]:
    """This test process's descendants that run `script`."""
    found = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if str(script) in child.cmdline():
                found.append(child)
    return found


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(EXPECTED_TOOLS))
async def test_fixture_lists_its_tools_and_echoes(
    name: str, tmp_path: Path, leftovers: list[psutil.Process]
) -> None:
    script = server_path(name)
    pid_file = tmp_path / "pids.txt"
    params = StdioServerParameters(
        command=sys.executable, args=[str(script)], env={"FIXTURE_PID_FILE": str(pid_file)}
    )
    async with Client(params) as client:
        leftovers.extend(running(script))
        assert leftovers, f"{name} is not running"
        assert {tool.name for tool in (await client.list_tools()).tools} == EXPECTED_TOOLS[name]
        result = await client.call_tool("echo", {"text": f"hello {name}"})
        assert not result.is_error
        assert result.content == [TextContent(type="text", text=f"hello {name}")]
        if name == "spawn_grandchildren":
            pids = [int(line) for line in pid_file.read_text(encoding="utf-8").split()]
            assert pids[0] == leftovers[0].pid and len(set(pids)) == 4
            leftovers.extend(psutil.Process(pid) for pid in pids[1:])


def test_crash_at_start_says_why_and_exits_3() -> None:
    done = subprocess.run(
        [sys.executable, str(server_path("crash_at_start"))],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.strip() == "fatal: missing config file /nowhere/config.yaml"


def test_hang_on_initialize_answers_nothing_and_ends_with_its_stdin() -> None:
    request = '{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}\n'
    done = subprocess.run(
        [sys.executable, str(server_path("hang_on_initialize"))],
        input=request,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, done.stdout) == (0, "")


@pytest.mark.anyio
async def test_http_server_serves_the_well_behaved_tools_and_ends_with_its_stdin() -> None:
    command = [sys.executable, str(server_path("http_server")), "--port", "0"]
    async with await anyio.open_process(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdin is not None and process.stderr is not None
        stderr = BufferedByteReceiveStream(process.stderr)
        line = b""
        with anyio.fail_after(30):
            while not line.startswith(b"PORT="):
                line = await stderr.receive_until(b"\n", 65536)
        async with Client(f"http://127.0.0.1:{int(line.removeprefix(b'PORT='))}/mcp") as client:
            assert {tool.name for tool in (await client.list_tools()).tools} == EXPECTED_TOOLS["well_behaved"]
            result = await client.call_tool("echo", {"text": "over http"})
            assert result.content == [TextContent(type="text", text="over http")]
        await process.stdin.aclose()
        with anyio.fail_after(30):
            assert await process.wait() == 0
