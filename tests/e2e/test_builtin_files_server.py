"""The built-in files server, started the way the app starts it: as a module, over stdio."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import TextContent

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_files_server_module_reads_a_file_from_its_root(tmp_path: Path) -> None:
    (tmp_path / "hello.txt").write_text("hello from the shared folder\n", encoding="utf-8")
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "desktop.builtin_servers.files", "--root", str(tmp_path)],
        cwd=REPO_ROOT,
    )
    async with Client(params) as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("read_text_file", {"path": "hello.txt"})
    assert tools == {"list_directory", "read_text_file", "search_files", "file_info"}
    assert not result.is_error
    assert result.content == [TextContent(type="text", text="hello from the shared folder\n")]
