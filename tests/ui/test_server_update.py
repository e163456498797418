"""The server page's update line: a newer version in the registry, and Update keeping the settings."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.catalogue.control import Update
from desktop.core.config import CatalogueOrigin, ServerConfig
from desktop.ui.main_window import MainWindow
from tests.ui.catalogue_fakes import FakeCatalogue
from tests.ui.conftest import Attach, trusted
from tests.ui.fakes import FakeControl

ORIGIN = CatalogueOrigin(
    registry="https://registry.example.com", name="io.github.acme/weather", version="1.2.0"
)


def installed(fake: FakeControl) -> None:
    args = ["-y", "@acme/weather@1.2.0"]
    fake.put("weather", trusted(ServerConfig(command="npx", args=args, origin=ORIGIN)))
    fake.put("typed", trusted(ServerConfig(command="npx", args=["-y", "other@1.0.0"])))


def test_a_newer_version_is_told_and_update_asks_for_approval_again(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, catalogue: FakeCatalogue, attach: Attach
) -> None:
    installed(fake)
    catalogue.available = [Update("weather", "1.2.0", "1.3.0", "A newer version of “weather” is available")]
    attach()
    window.show()
    page = window.servers_page
    page.select("weather")
    line = page.details.update_line
    qtbot.waitUntil(line.isVisible)
    assert line.label.text() == "A newer version is available (1.2.0 → 1.3.0)."
    line.update_button.click()
    qtbot.waitUntil(lambda: "Updated “weather”" in line.label.text())
    assert not line.update_button.isVisible()
    assert fake.configs["weather"].args == ["-y", "@acme/weather@1.3.0"]
    qtbot.waitUntil(lambda: page.details.overview.approval.isVisible())
    assert ("update", "weather") in catalogue.calls


def test_the_line_follows_the_selection_and_a_server_typed_in_has_none(
    qtbot: QtBot, window: MainWindow, fake: FakeControl, catalogue: FakeCatalogue, attach: Attach
) -> None:
    installed(fake)
    catalogue.available = [Update("weather", "1.2.0", "1.3.0", "A newer version of “weather” is available")]
    attach()
    window.show()
    page = window.servers_page
    page.select("weather")
    qtbot.waitUntil(lambda: ("updates",) in catalogue.calls)
    page.select("typed")
    qtbot.wait(100)  # the answer about "weather", arriving now, must not show the line for "typed"
    assert not page.details.update_line.isVisible()
    assert catalogue.calls.count(("updates",)) == 1, "a server typed in is not looked up"
