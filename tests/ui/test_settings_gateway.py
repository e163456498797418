"""The Settings page's Other AI apps section, over the real `GatewayService`: it says what the Other AI
apps page says (sharing on or off, what each app may use), the address for apps set up by hand while on,
and leads to that page."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.core.autostart import Autostart
from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_store import ConfigStore
from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcLog
from desktop.core.secrets import SecretStore
from desktop.core.service_loop import ServiceLoop
from desktop.core.settings import Settings
from desktop.gateway.service import GatewayService
from desktop.gateway.tokens import AppTokens
from desktop.ui.bridge import Bridge
from desktop.ui.pages.settings_gateway import GatewaySection
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl
from tests.ui.helpers import all_text
from tests.ui.test_screenshots import ARTIFACTS


def test_the_section_says_the_gateway_as_it_is_and_leads_to_the_page(
    qtbot: QtBot,
    bridge: Bridge,
    fake: FakeControl,
    attach: Attach,
    service_loop: ServiceLoop,
    keyring_store: SecretStore,
    tmp_path: Path,
) -> None:
    settings = Settings(
        ConfigStore(tmp_path / "config.json", AppConfig),
        AppConfig(),
        Autostart(home=tmp_path, environ={}),
        [sys.executable],
    )
    redactor = Redactor()
    gateway = GatewayService(settings, fake, AppTokens(keyring_store, redactor), RpcLog(redactor))
    settings.put_server("files", ServerConfig(command="uvx", args=["mcp-files"]))
    service_loop.run(gateway.add_app("cursor"))
    section = GatewaySection(bridge)
    qtbot.addWidget(section)
    assert not section.manage_button.isEnabled(), "nothing to manage before the services are there"
    attach(gateway=gateway)
    section.show_ready()
    assert section.manage_button.isEnabled()
    assert section.state_label.text() == "Share my servers with other AI apps: Off"
    assert "Cursor: no servers chosen yet" in all_text(section)
    try:
        service_loop.run(gateway.set_enabled(True))
        service_loop.run(gateway.grant("cursor", ["files"]))
        section.show()  # as when the user comes back to Settings
        url = gateway.status().url
        assert url is not None
        assert section.state_label.text() == "Share my servers with other AI apps: On"
        assert f"For apps you set up by hand: {url}" in all_text(section)
        assert "Cursor may use: files" in all_text(section)
        with qtbot.waitSignal(section.manage_requested):
            section.manage_button.click()
        section.resize(900, section.sizeHint().height())
        ARTIFACTS.mkdir(exist_ok=True)
        section.grab().save(str(ARTIFACTS / "settings-gateway-on.png"))
        port = settings.app_settings().gateway.port
        assert port is not None and url == f"http://127.0.0.1:{port}/mcp"
        socket.create_connection(("127.0.0.1", port), timeout=5).close()

        service_loop.run(gateway.set_enabled(False))
        section.hide()
        section.show()
        assert settings.app_settings().gateway.port == port, "kept for the next time"
        assert section.state_label.text() == "Share my servers with other AI apps: Off"
        assert url not in all_text(section)
    finally:
        service_loop.run(gateway.close())
