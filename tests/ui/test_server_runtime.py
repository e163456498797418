"""The server's page says which Node.js or uv runs it, and offers MCP Desk's own where it is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.config import ServerConfig
from desktop.core.events import ServerState
from desktop.core.paths import AppPaths
from desktop.servers.launch import OWN_RUNTIME_BUTTON, PATH_AS_GIVEN_ENV
from desktop.servers.runtime_install import WheelSource
from desktop.servers.runtime_service import RuntimeService
from desktop.servers.runtimes import NODE, ManagedRuntimes
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach, trusted
from tests.ui.fakes import FakeControl
from tests.ui.helpers import wait_for_dialog
from tests.ui.test_screenshots import save, shots  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a PATH without node, built the POSIX way")
OFFER = (
    f"This server needs a free helper program, Node.js ({NODE.download_mb} MB), that MCP Desk can download "
    "for it."
)
MISSING = (
    f"“npx” was not found on this computer. {OFFER} Press “Download it and start” on its page in Servers "
    "(or run: mcp-desk servers edit NAME --own-runtime)."
)
OWN_NODE = f"MCP Desk's own Node.js {NODE.version}"
DOWNLOADING = f"Downloading Node.js {NODE.version}: 23 of {NODE.download_mb} MB"
NPX = ServerConfig(command="npx", args=["-y", "@modelcontextprotocol/server-everything"])


@pytest.fixture
def attached(
    qtbot: QtBot,
    tmp_path: Path,
    fake: FakeControl,
    attach: Attach,
    window: MainWindow,
) -> MainWindow:
    """The window with the fakes, and the real runtime service on a computer without Node.js."""
    nothing = tmp_path / "no-node-here"
    nothing.mkdir()
    runtimes = RuntimeService(
        ManagedRuntimes.of(AppPaths.from_environment()),
        WheelSource("http://127.0.0.1:9"),
        {"PATH": str(nothing), PATH_AS_GIVEN_ENV: "1"},
    )
    attach(runtimes=runtimes)
    return window


def test_without_node_the_page_offers_mcp_desk_s_own_then_asks_to_approve(
    qtbot: QtBot, fake: FakeControl, attached: MainWindow
) -> None:
    fake.put("everything", trusted(NPX), state=ServerState.FAILED, reason=MISSING)
    fake._list_changed()
    page = attached.servers_page
    page.select("everything")
    overview = page.details.overview
    qtbot.waitUntil(lambda: overview.runtime_row.label.text() == "Node.js is not on this computer")
    button = overview.runtime_row.use_own_button
    assert button.isVisibleTo(attached) and button.text() == OWN_RUNTIME_BUTTON, "the command line names it"
    assert overview.runtime_row.offer_label.text() == OFFER
    assert overview.state_label.text() == "Needs a download"
    assert not overview.reason_label.isVisibleTo(attached), "no terminal command in the window"
    button.click()
    dialog = wait_for_dialog(qtbot, TrustDialog)
    assert dialog.request.server == "everything" and dialog.request.changed
    assert fake.configs["everything"].runtime == "mcp-desk"
    assert fake.calls[0][:2] == ("update", "everything")


def test_a_server_that_failed_on_the_computer_s_node_says_why_and_offers_mcp_desk_s(
    qtbot: QtBot, tmp_path: Path, fake: FakeControl, attached: MainWindow
) -> None:
    for program in ("node", "npx"):
        script = tmp_path / "no-node-here" / program
        script.write_text("#!/bin/sh\necho v18.0.0\n")
        script.chmod(0o755)
    fake.put("everything", trusted(NPX), state=ServerState.FAILED, reason="The server stopped.")
    fake._list_changed()
    page = attached.servers_page
    page.select("everything")
    overview = page.details.overview
    row = overview.runtime_row
    qtbot.waitUntil(lambda: row.use_own_button.isVisibleTo(attached))
    assert (
        row.offer_label.text() == f"It may start with MCP Desk's own Node.js ({NODE.download_mb} MB) instead."
    )
    assert overview.state_label.text() == "Failed" and overview.reason_label.text() == "The server stopped."


def test_a_server_on_mcp_desk_s_own_node_says_so(
    qtbot: QtBot, fake: FakeControl, attached: MainWindow
) -> None:
    fake.put("everything", trusted(NPX.model_copy(update={"runtime": "mcp-desk"})))
    fake._list_changed()
    page = attached.servers_page
    page.select("everything")
    row = page.details.overview.runtime_row
    qtbot.waitUntil(lambda: row.label.text() == f"{OWN_NODE}, downloaded once, when the server first starts")
    assert not row.use_own_button.isVisibleTo(attached)


def test_a_server_that_needs_neither_shows_no_runtime(
    qtbot: QtBot, fake: FakeControl, attached: MainWindow
) -> None:
    fake.put("everything", trusted(NPX))
    fake.put("py", trusted(ServerConfig(command=sys.executable, args=["-m", "server"])))
    fake._list_changed()
    page = attached.servers_page
    title = page.details.overview.runtime_title
    page.select("everything")
    qtbot.waitUntil(lambda: title.isVisibleTo(attached))
    page.select("py")
    qtbot.waitUntil(lambda: not title.isVisibleTo(attached))


def test_screenshots_of_the_offer_and_of_an_install_on_start(
    qtbot: QtBot,
    fake: FakeControl,
    attached: MainWindow,
    shots: Path,  # noqa: F811
) -> None:
    """tests/artifacts/50-runtime-*.png: the offer where Node.js is missing; the download as the status."""
    attached.resize(1100, 700)
    attached.show()
    fake.put("everything", trusted(NPX), state=ServerState.FAILED, reason=MISSING)
    fake._list_changed()
    page = attached.servers_page
    page.select("everything")
    qtbot.waitUntil(lambda: page.details.overview.runtime_row.use_own_button.isVisible())
    save(attached, shots, "50-runtime-offer")
    own = NPX.model_copy(update={"runtime": "mcp-desk"})
    fake.put("everything", trusted(own), state=ServerState.STARTING, reason=DOWNLOADING, progress=23 / 61)
    fake._list_changed()
    page.select("everything")
    row = page.details.overview.runtime_row
    qtbot.waitUntil(lambda: page.details.overview.reason_label.text() == DOWNLOADING)
    qtbot.waitUntil(lambda: "MCP Desk's own" in row.label.text())
    qtbot.waitUntil(row.cancel_button.isVisible)
    assert row.progress_bar.isVisible() and row.progress_bar.value() == round(23 / 61 * 1000)
    save(attached, shots, "50-runtime-installing")


def test_settings_lists_the_runtimes_and_empties_their_caches(
    qtbot: QtBot,
    attached: MainWindow,
    shots: Path,  # noqa: F811
) -> None:
    npm = ManagedRuntimes.of(AppPaths.from_environment()).caches / "npm"
    npm.mkdir(parents=True)
    (npm / "package.tgz").write_bytes(b"x" * 4_000_000)
    section = attached.settings_page.runtimes_section
    attached.resize(1100, 900)
    attached.show()
    attached.show_area("settings")
    qtbot.waitUntil(lambda: section.listing.text() != "")
    assert section.listing.text() == "Node.js 24.19.0: not downloaded yet\nuv 0.13.9: not downloaded yet"
    section.clean_button.click()
    qtbot.waitUntil(lambda: section.message.text == "Emptied: 4 MB freed.")
    assert not npm.exists()
    save(attached, shots, "50-runtime-settings")
