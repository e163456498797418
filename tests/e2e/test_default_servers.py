"""Out of the box, with no network and no Node, the default servers work."""

from __future__ import annotations

import pytest

from desktop.core.consent import CallContext
from desktop.core.events import EventBus, Notice, ServerState, Severity
from desktop.core.paths import AppPaths
from desktop.services import build_services
from tests.e2e.conftest import ScriptedAsker

pytestmark = pytest.mark.anyio


async def test_default_servers_start_and_answer(asker: ScriptedAsker) -> None:
    paths = AppPaths.from_environment()
    services = build_services(paths, EventBus(), asker)
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
        context = CallContext(origin="test")
        read = await manager.call_tool("files__read_text_file", {"path": "hello.txt"}, context)
        assert read.ok and "hi from the shared folder" in read.text
        now = await manager.call_tool("time__get_current_time", {"timezone": "UTC"}, context)
        assert now.ok and "UTC" in now.text
        assert [r.tool.qualified_name for r in asker.asked] == [
            "files__read_text_file",
            "time__get_current_time",
        ]
        assert all(not request.flags for request in asker.asked), "our own servers' words raise no flags"
    finally:
        await services.close()


async def test_a_damaged_settings_file_is_kept_aside_and_announced_as_a_warning() -> None:
    paths = AppPaths.from_environment()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text('{"mcpServers": {"files": ', encoding="utf-8")
    bus = EventBus()
    notices: list[Notice] = []
    bus.subscribe(lambda event: notices.append(event) if isinstance(event, Notice) else None)
    services = build_services(paths, bus, ScriptedAsker())
    try:
        services.announce_startup_problems()
    finally:
        await services.close()
    (notice,) = notices
    assert notice.title == "Settings were reset" and notice.severity is Severity.WARNING
    assert "kept as" in notice.message and list(paths.config_dir.glob("config.json.unreadable-*"))
