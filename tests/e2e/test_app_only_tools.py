"""A tool only its MCP App view may call (`_meta.ui.visibility: ["app"]`) is never shown to another
AI app through the gateway, nor run for one: the real gateway, the real fixture server `app_view.py`
and an outside app in its own process."""

from __future__ import annotations

import pytest

from desktop.core.secrets import SecretStore
from tests.e2e.conftest import fixture_server
from tests.e2e.test_gateway import Gate, gate, outside_app  # noqa: F401 (the fixture)

pytestmark = pytest.mark.anyio


async def test_an_app_only_tool_is_neither_listed_nor_run_for_another_app(
    gate: Gate,  # noqa: F811
    keyring_store: SecretStore,
) -> None:
    await gate.manager.add("board", fixture_server("app_view"))
    await gate.manager.start("board")
    gate.spawned.note()
    await gate.service.grant("cursor", ["spy", "board"])
    before = len(await gate.decisions())
    async with outside_app(gate.url, await gate.token("cursor", keyring_store), "legacy") as cursor:
        names = await cursor.names()
        assert "board__show_board" in names
        assert "board__record_visit" not in names
        refused = await cursor.call("board__record_visit", note="from Cursor")
    assert refused["isError"] is True
    assert gate.asker.asked == [] and len(await gate.decisions()) == before, "not even asked"
