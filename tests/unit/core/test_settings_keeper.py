"""SettingsKeeper's change of the settings as one step: a failure half-way puts back what it changed.

The server side is a stand-in that changes the settings as `ServerManager` does and fails on one
name; tests/e2e/test_settings_keeping.py drives the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends import null

from desktop.core.audit import AuditTrail
from desktop.core.autostart import Autostart
from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_history import ConfigHistory
from desktop.core.config_store import ConfigStore
from desktop.core.consent_rules import ConsentRules
from desktop.core.events import EventBus
from desktop.core.problem import Problem
from desktop.core.redact import Redactor
from desktop.core.secrets import SecretStore
from desktop.core.secrets_service import SecretsService
from desktop.core.settings import Settings, SettingsProblem
from desktop.core.settings_bundle import ImportPreview
from desktop.core.settings_keeper import SettingsKeeper

pytestmark = pytest.mark.anyio


class Roster:
    """Changes the settings as the server manager does, and refuses to add `refuse`."""

    def __init__(self, settings: Settings, refuse: str) -> None:
        self._settings, self._refuse = settings, refuse

    async def add(self, name: str, config: ServerConfig) -> None:
        if name == self._refuse:
            raise Problem(f"“{name}” could not be added.")
        self._settings.put_server(name, config)

    async def update(self, name: str, config: ServerConfig, new_name: str | None = None) -> None:
        self._settings.put_server(name, config)

    async def remove(self, name: str) -> None:
        self._settings.drop_server(name)
        self._settings.save()


@pytest.fixture
def keeper(tmp_path: Path) -> Iterator[SettingsKeeper]:
    store = ConfigStore(tmp_path / "config.json", AppConfig, ConfigHistory(tmp_path / "history"))
    settings = Settings(store, store.load().config, Autostart(home=tmp_path), [])
    for name in ("alpha", "beta", "gamma"):
        settings.put_server(name, ServerConfig(command=f"{name}-server"))
    for name in ("beta", "gamma"):
        settings.drop_server(name)
        settings.save()
    audit = AuditTrail(tmp_path / "audit.db", Redactor())
    secrets = SecretsService(SecretStore(null.Keyring()), audit, EventBus(), Redactor(), dict)
    rules = ConsentRules(tmp_path / "consent.json")
    yield SettingsKeeper(settings, store, Roster(settings, refuse="gamma"), rules, secrets, EventBus())
    audit.close()


async def test_a_restore_that_fails_half_way_puts_back_what_it_changed(
    keeper: SettingsKeeper, tmp_path: Path
) -> None:
    config_file = tmp_path / "config.json"
    before, versions = config_file.read_text(), await keeper.history()
    everything = next(v for v in versions if v.summary == "Added “gamma”")
    with pytest.raises(SettingsProblem) as caught:
        await keeper.restore(everything.number)
    assert caught.value.message.startswith("MCP Desk could not change every setting, so it put back")
    assert "“gamma” could not be added." in caught.value.details
    assert config_file.read_text() == before, "beta was added, then taken out again"
    assert [v.number for v in await keeper.history()] == [v.number for v in versions], "no new version"


async def test_an_import_with_no_file_opened_asks_to_open_it_again(keeper: SettingsKeeper) -> None:
    stale = ImportPreview(Path("elsewhere.mcpdesk"), "2026-12-01T00:00:00+00:00", ("x",), (), (), 0, ())
    with pytest.raises(SettingsProblem, match="Open the file again"):
        await keeper.apply_import(stale)


async def test_without_a_keyring_everything_else_is_exported(keeper: SettingsKeeper, tmp_path: Path) -> None:
    """MCP Desk keeps no secret where no keyring is safe, so there are none to carry."""
    done = await keeper.export_to(tmp_path / "backup.mcpdesk", "plum kettle orbit")
    assert (done.servers, done.secrets) == (1, 0)
    preview = await keeper.preview_import(done.path, "plum kettle orbit")
    assert preview.lines() == ["Everything in this file is already on this computer."]


@pytest.mark.parametrize("passphrase", ["", "seven77"], ids=["empty", "seven characters"])
async def test_a_short_passphrase_is_refused(keeper: SettingsKeeper, tmp_path: Path, passphrase: str) -> None:
    with pytest.raises(SettingsProblem, match="at least 8 characters"):
        await keeper.export_to(tmp_path / "backup.mcpdesk", passphrase)
    assert not (tmp_path / "backup.mcpdesk").exists()
