"""From the catalogue to a running server, for real: the window over the app's own services, a
loopback registry listing a remote server (a real Streamable HTTP process), Browse, search, the
form with a secret, install, approval, tools; the secret in the keyring and in no file. Then a
newer version on the server's page, the registries in Settings and a real bundle's plan.

Each step is saved to `tests/artifacts/` (90-…): look at them after UI work.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPlainTextEdit, QScrollArea
from pytestqt.qtbot import QtBot

from desktop.core.events import ServerState
from desktop.core.secrets import SecretStore
from desktop.core.service_loop import ServiceLoop
from desktop.services import Services
from desktop.ui.dialogs.catalogue_dialog import CatalogueDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from tests.fixtures.mcpb_bundles import python_manifest, write_bundle
from tests.fixtures.registry_server import FakeRegistry, item
from tests.fixtures.servers.paths import server_path
from tests.ui.catalogue_fakes import install_dialog_of
from tests.ui.helpers import all_text, wait_for_dialog
from tests.ui.real_app import real_app
from tests.ui.test_screenshots import save, shots  # noqa: F401  (the fixture)

ECHO = "io.github.mcp-desk-tests/echo-remote"
SECRET = "key-e2e-7c41d09b"


def echo_remote(url: str, version: str = "1.0.0") -> dict[str, Any]:
    return {
        "name": ECHO,
        "title": "Echo Service",
        "description": "Repeats what you send it and adds numbers, on the publisher's service.",
        "version": version,
        "remotes": [
            {
                "type": "streamable-http",
                "url": url,
                "headers": [
                    {
                        "name": "X-Echo-Api-Key",
                        "description": "Your key",
                        "isRequired": True,
                        "isSecret": True,
                    }
                ],
            }
        ],
    }


@pytest.fixture
def remote() -> Iterator[str]:
    """The well-behaved fixture server over Streamable HTTP; it ends when its stdin closes."""
    command = [sys.executable, str(server_path("http_server")), "--port", "0"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None and process.stdin is not None
    line = ""
    while not line.startswith("PORT="):
        line = process.stderr.readline()
        assert line, "the HTTP server ended before it listened"
    yield f"http://127.0.0.1:{int(line.removeprefix('PORT='))}/mcp"
    process.stdin.close()
    assert process.wait(timeout=30) == 0


@dataclass
class Desk:
    window: MainWindow
    services: Services
    loop: ServiceLoop
    registry: FakeRegistry
    url: str
    """The remote server's address."""


@pytest.fixture
def desk(qtbot: QtBot, keyring_store: SecretStore, remote: str) -> Iterator[Desk]:
    with FakeRegistry(items=[item(echo_remote(remote))]) as registry:

        async def prepare(services: Services) -> None:
            settings = services.settings.app_settings().model_copy(update={"registry_urls": [registry.url]})
            await services.settings.save_app_settings(settings)

        with real_app(qtbot, prepare, "catalogue-e2e") as app:
            yield Desk(app.window, app.services, app.loop, registry, remote)


def test_browse_search_install_approve_and_the_tools_are_there(
    qtbot: QtBot,
    desk: Desk,
    keyring_store: SecretStore,
    isolated_home: str,
    shots: Path,  # noqa: F811
) -> None:
    window, services = desk.window, desk.services
    window.servers_page.browse_action.trigger()
    browse = wait_for_dialog(qtbot, CatalogueDialog)
    browse.refresh_button.click()
    qtbot.waitUntil(lambda: browse.model.total() == 1, timeout=20_000)
    qtbot.keyClicks(browse.search_edit, "echo service")
    qtbot.waitUntil(lambda: "Echo Service" in all_text(browse.details))
    save(browse, shots, "90-e2e-browse-search")
    browse.details.install_button.click()
    dialog = install_dialog_of(qtbot, window)
    text = all_text(dialog)
    assert "Echo API key (required):" in text and "X-Echo-Api-Key" in text
    assert "runs on the publisher's service" in text
    qtbot.keyClicks(dialog.fields.editors["X-Echo-Api-Key"], SECRET)
    save(dialog, shots, "91-e2e-install-form")
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.install_button.text() == "Review and start…", timeout=20_000)
    dialog.install_button.click()
    trust = wait_for_dialog(qtbot, TrustDialog)
    asked = all_text(trust)
    assert "Runs:" in asked and "mcp-desk-tests on GitHub (not verified)" in asked
    assert f"{ECHO} 1.0.0 from the registry at {desk.registry.url}" in asked
    assert "It runs on its publisher's service" in asked
    save(trust, shots, "92-e2e-approve")
    trust.approve_button.click()
    name = "echo-remote"
    qtbot.waitUntil(lambda: _state(services, name) is ServerState.RUNNING, timeout=30_000)
    qtbot.waitUntil(lambda: bool(services.manager.tools(name)), timeout=30_000)
    assert "echo" in {tool.name for tool in services.manager.tools(name)}
    (secret,) = services.manager.config_of(name).secret_names()
    assert keyring_store.get(secret) == SECRET
    for file in Path(isolated_home).rglob("*"):
        assert not file.is_file() or SECRET.encode() not in file.read_bytes(), file
    window.show_area("servers")
    window.servers_page.select(name)
    save(window, shots, "93-e2e-running")
    _update(qtbot, desk, name, shots)
    window.show_area("settings")
    section = window.settings_page.registries_section
    scroller = window.settings_page.findChild(QScrollArea)
    assert scroller is not None
    scroller.ensureWidgetVisible(section)
    assert section.registries() == [desk.registry.url]
    save(window, shots, "96-e2e-settings-registries")


def _update(qtbot: QtBot, desk: Desk, name: str, shots: Path) -> None:  # noqa: F811
    """A newer version in the registry: told on the server's page, and Update keeps the key."""
    desk.registry.items = [item(echo_remote(desk.url, "1.1.0"))]
    desk.registry.etag = '"v2"'
    desk.loop.submit(desk.services.catalogue.refresh()).result(30)
    page = desk.window.servers_page
    page.details.show_server(None)  # as if the user looked at another server and came back
    page.details.show_server(name)
    line = page.details.update_line
    qtbot.waitUntil(line.isVisible)
    assert line.label.text() == "A newer version is available (1.0.0 → 1.1.0)."
    save(desk.window, shots, "94-e2e-newer-version")
    before = desk.services.manager.config_of(name)
    line.update_button.click()
    qtbot.waitUntil(lambda: line.label.text() == "Updated “echo-remote” to version 1.1.0.")
    after = desk.services.manager.config_of(name)
    assert after.origin is not None and after.origin.version == "1.1.0"
    assert after.headers == before.headers and after.is_trusted, "the same address and key: nothing to ask"
    save(desk.window, shots, "95-e2e-updated")


def test_a_bundle_file_says_what_its_sandbox_will_allow(
    qtbot: QtBot,
    desk: Desk,
    tmp_path: Path,
    shots: Path,  # noqa: F811
) -> None:
    bundle = write_bundle(tmp_path / "bundle-notes-1.2.0.mcpb", python_manifest())
    desk.window.installs.open_bundle(bundle)
    dialog = install_dialog_of(qtbot, desk.window)
    text = all_text(dialog)
    assert "It runs on this computer in a sandbox. It will be able to use the internet, and read and" in text
    assert "Note folders (optional):" in text and "API Key (required):" in text
    save(dialog, shots, "97-e2e-bundle-sandbox")
    notes = tmp_path / "Notes"
    notes.mkdir()
    qtbot.keyClicks(dialog.fields.editors["api_key"], SECRET)
    folders = dialog.fields.editors["folders"]
    box = folders if isinstance(folders, QPlainTextEdit) else folders.findChild(QPlainTextEdit)
    assert box is not None
    box.setPlainText(str(notes))
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.install_button.text() == "Review and start…", timeout=20_000)
    dialog.install_button.click()
    trust = wait_for_dialog(qtbot, TrustDialog)
    asked = all_text(trust)
    assert "Runs:" in asked and "Acme Inc (not verified)" in asked
    assert "bundle bundle-notes 1.2.0" in asked and str(bundle) in asked
    assert f"Sandboxed: it sees {notes}. It may use the network." in asked
    save(trust, shots, "98-e2e-bundle-approve")
    trust.reject()


def _state(services: Services, name: str) -> ServerState | None:
    return next((s.state for s in services.manager.statuses() if s.name == name), None)
