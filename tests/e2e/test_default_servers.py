"""Out of the box, with no network and no Node, the default servers work."""

from __future__ import annotations

import pytest

from desktop.app import build_services
from desktop.core.events import EventBus, ServerState
from desktop.core.paths import AppPaths
from tests.e2e.conftest import ASKED

pytestmark = pytest.mark.anyio


async def test_default_servers_start_and_answer() -> None:
    paths = AppPaths.from_environment()
    services = build_services(paths, EventBus())
    manager = services.manager
    assert services.loaded.created
    (paths.files_dir / "hello.txt").write_text("hi from the shared folder")
    try:
        await manager.start_all()
        assert {s.name: s.state for s in manager.statuses()} == {
            "files": ServerState.RUNNING,
            "time": ServerState.RUNNING,
        }
        tools = {t.qualified_name for t in manager.tools()}
        assert {"time__get_current_time", "files__read_text_file"} <= tools
        assert not any(name.startswith("files__write") for name in tools), "read-only unless allowed"
        read = await manager.call_tool("files__read_text_file", {"path": "hello.txt"}, ASKED)
        assert read.ok and "hi from the shared folder" in read.text
        now = await manager.call_tool("time__get_current_time", {"timezone": "UTC"}, ASKED)
        assert now.ok and "UTC" in now.text
    finally:
        await services.close()
