from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """No test reads or writes the real user's config, data or autostart entries."""
    home = tmp_path_factory.mktemp("mcp-desk-home")
    monkeypatch.setenv("MCP_DESK_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    return str(home)


@pytest.fixture
def local_time_ten_hours_behind_utc() -> Iterator[None]:
    """A fixed local zone far from UTC, so 'local date' and 'UTC date' differ late in the day."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "DESK+10"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()
