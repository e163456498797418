"""Pictures of the banner in each severity, the Audit page told in sentences, the Permissions page
and Settings after a change, in `tests/artifacts/`, for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.events import Notice, ServerState, Severity, server_key
from desktop.ui.bridge import Bridge
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeAudit, FakeControl
from tests.ui.samples import sample_trail
from tests.ui.test_screenshots import ARTIFACTS, save

STOPPED = Notice(
    "weather stopped",
    "“weather” stopped unexpectedly 5 times in a row, so MCP Desk stopped trying. "
    "Look at its output, fix the problem, then press Start.",
    "exit code 1\nError: WEATHER_API_KEY is not valid (401 Unauthorized from api.weather.example)",
    Severity.ERROR,
    server_key("weather"),
)
RESET = Notice(
    "Settings were reset",
    "The settings file could not be read, so MCP Desk kept it aside and started with the defaults.",
    "",
    Severity.WARNING,
)


@pytest.fixture
def shots() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def shown(qtbot: QtBot, bridge: Bridge, window: MainWindow, notice: Notice) -> None:
    with qtbot.waitSignal(bridge.notice_posted):
        bridge.deliver(notice)
    qtbot.waitUntil(lambda: not window.notice_board.gate.waiting)


def test_screenshots_of_banners(
    qtbot: QtBot, window: MainWindow, bridge: Bridge, three_servers: FakeControl, attach: Attach, shots: Path
) -> None:
    window.notice_board.gate.timer.setInterval(10)
    attach()
    window.show()
    qtbot.waitExposed(window)
    window.servers_page.select("weather")
    shown(qtbot, bridge, window, RESET)
    save(window, shots, "60-banner-warning")
    shown(qtbot, bridge, window, STOPPED)
    window.banner.details.set_open(True)
    save(window, shots, "61-banner-problem-with-details-and-one-more")
    three_servers.change("weather", state=ServerState.RUNNING)
    qtbot.waitUntil(lambda: window.banner.title_label.text() == "Settings were reset")
    save(window, shots, "62-banner-after-the-server-runs-again")
    window.banner.close_button.click()
    save(window, shots, "63-banner-dismissed")


def test_screenshots_of_audit_settings_and_permissions(
    qtbot: QtBot,
    window: MainWindow,
    three_servers: FakeControl,
    fake_audit: FakeAudit,
    attach: Attach,
    shots: Path,
) -> None:
    sample_trail(fake_audit, 1_750_000_000.0)
    attach()
    window.show()
    audit = window.audit_page
    qtbot.waitUntil(lambda: audit.model.rowCount() == len(fake_audit.records))
    window.show_area("audit")
    audit.table.select(5)
    save(window, shots, "64-audit-in-sentences")
    audit.detail.technical.set_open(True)
    save(window, shots, "65-audit-technical-details")
    window.show_area("settings")
    window.settings_page.keep_days_box.setValue(14)
    qtbot.waitUntil(lambda: window.settings_page.log_saved.text != "")
    save(window, shots, "66-settings-saved")
    window.show_area("permissions")
    save(window, shots, "67-permissions")
