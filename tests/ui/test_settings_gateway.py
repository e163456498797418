"""The Settings page's gateway switch, over the real `GatewayService`: on, it listens where it says; off,
it stops, and the port stays chosen."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.core.autostart import Autostart
from desktop.core.config import AppConfig
from desktop.core.config_store import ConfigStore
from desktop.core.consent import ConsentGate
from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcLog
from desktop.core.secrets import SecretStore
from desktop.core.secrets_control import SecretsControl
from desktop.core.service_loop import ServiceLoop
from desktop.core.settings import Settings
from desktop.gateway.service import GatewayService
from desktop.gateway.tokens import AppTokens
from desktop.llm.models.service import ModelService
from desktop.ui.bridge import Bridge, Controls
from desktop.ui.pages.settings_gateway import GatewaySection
from tests.ui.catalogue_fakes import FakeCatalogue
from tests.ui.chat_fakes import FakeChats
from tests.ui.fakes import FakeAudit, FakeControl, FakeRpcLog, fake_diagnosis
from tests.ui.helpers import all_text
from tests.ui.test_screenshots import ARTIFACTS


def test_the_switch_turns_the_door_on_and_off(
    qtbot: QtBot,
    bridge: Bridge,
    fake: FakeControl,
    fake_log: FakeRpcLog,
    fake_audit: FakeAudit,
    secrets: SecretsControl,
    models: ModelService,
    consent: ConsentGate,
    chats: FakeChats,
    catalogue: FakeCatalogue,
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
    service_loop.run(gateway.add_app("cursor"))
    section = GatewaySection(bridge)
    qtbot.addWidget(section)
    assert not section.enabled_box.isEnabled(), "nothing to switch before the services are there"
    controls = Controls(
        fake,
        fake,
        fake_log,
        fake_audit,
        secrets,
        models,
        consent,
        chats,
        fake_diagnosis,
        catalogue,
        gateway=gateway,
    )
    bridge.attach(controls, service_loop.submit)
    section.show_ready()
    assert section.enabled_box.isEnabled() and not section.enabled_box.isChecked()
    try:
        section.enabled_box.click()
        qtbot.waitUntil(lambda: gateway.status().url is not None and section.enabled_box.isEnabled())
        url = gateway.status().url
        assert url is not None
        assert f"Your apps find MCP Desk at {url} while MCP Desk is open." in all_text(section)
        assert "Cursor may use: no server yet" in all_text(section)
        section.resize(900, section.sizeHint().height())
        ARTIFACTS.mkdir(exist_ok=True)
        section.grab().save(str(ARTIFACTS / "settings-gateway-on.png"))
        port = settings.app_settings().gateway.port
        assert port is not None and url == f"http://127.0.0.1:{port}/mcp"
        socket.create_connection(("127.0.0.1", port), timeout=5).close()

        section.enabled_box.click()
        qtbot.waitUntil(lambda: gateway.status().url is None and section.enabled_box.isEnabled())
        assert settings.app_settings().gateway.enabled is False
        assert settings.app_settings().gateway.port == port, "kept for the next time"
        assert url not in all_text(section)
    finally:
        service_loop.run(gateway.close())
