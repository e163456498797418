"""The diagnostic report (`mcp-desk doctor`, Help › Copy Diagnostic Report) never carries a secret."""

from __future__ import annotations

import pytest

from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.diagnostics import diagnose
from desktop.services import build_services
from tests.e2e.conftest import ScriptedAsker

pytestmark = pytest.mark.anyio

TOKEN = "sk-live-4f9a8b7c6d5e"


async def test_the_report_names_the_setup_and_masks_every_known_secret(
    asker: ScriptedAsker, monkeypatch: pytest.MonkeyPatch, isolated_home: str
) -> None:
    monkeypatch.setenv("MCP_DESK_HOME", f"{isolated_home}/{TOKEN}")
    services = build_services(AppPaths.from_environment(), EventBus(), asker)
    services.redactor.add(TOKEN)
    try:
        report = (await diagnose(services)).text()
    finally:
        await services.close()
    assert TOKEN not in report
    assert "config file: " in report and "server files: ok" in report and "server time: ok" in report
