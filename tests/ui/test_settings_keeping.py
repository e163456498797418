"""Settings › History and backup, on the real services: the History dialog, servers lost while MCP Desk
was closed, and Export everything / Import… (screenshots in tests/artifacts/)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from keyring.backends.SecretService import Keyring as SecretServiceKeyring
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from desktop.app import controls_of
from desktop.core.events import EventBus
from desktop.core.paths import AppPaths
from desktop.core.sealed_file import DAMAGED
from desktop.core.secrets import SecretStore
from desktop.core.service_loop import ServiceLoop
from desktop.core.settings_bundle import ImportPreview
from desktop.services import Services, build_services
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.export_everything_dialog import ExportEverythingDialog, strength
from desktop.ui.dialogs.history_dialog import HistoryDialog, when
from desktop.ui.dialogs.import_everything_dialog import ImportEverythingDialog, preview_lines
from desktop.ui.pages.settings_keeping import KeepingSection
from desktop.ui.pages.settings_page import SettingsPage
from tests.e2e.conftest import ScriptedAsker, fixture_server
from tests.ui.test_screenshots import ARTIFACTS, save

CANARY = "hf-canary-8c1e4d92b7a0f3"
PASSPHRASE = "plum kettle orbit nineteen"
Start = Callable[[], tuple[Services, SettingsPage]]


@pytest.fixture
def start(
    qtbot: QtBot, service_loop: ServiceLoop, keyring_store: SecretStore, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Start]:
    """Start MCP Desk's services where the environment says, and a Settings page attached to them."""
    monkeypatch.setattr(
        "keyring.get_keyring", SecretServiceKeyring
    )  # not keyring's own, kept for later tests
    started: list[Services] = []
    ARTIFACTS.mkdir(exist_ok=True)

    def start_now() -> tuple[Services, SettingsPage]:
        bridge = Bridge()
        events = EventBus()
        events.subscribe(bridge.deliver)

        async def bring_up() -> Services:
            return build_services(AppPaths.from_environment(), events, ScriptedAsker())

        services = service_loop.submit(bring_up()).result(120)
        started.append(services)
        page = SettingsPage(bridge)
        qtbot.addWidget(page)
        page.resize(900, 1300)
        with qtbot.waitSignal(bridge.services_ready):
            bridge.attach(controls_of(services), service_loop.submit)
        page.show()
        return services, page

    yield start_now
    for services in started:
        service_loop.submit(services.close()).result(60)


def run(service_loop: ServiceLoop, services: Services, *changes: Callable[[Services], object]) -> None:
    async def apply() -> None:
        for change in changes:
            await change(services)  # type: ignore[misc]

    service_loop.submit(apply()).result(60)


def test_history_lists_versions_and_restores_one(
    qtbot: QtBot, start: Start, service_loop: ServiceLoop
) -> None:
    services, page = start()
    run(
        service_loop,
        services,
        lambda s: s.manager.add("notes", fixture_server("well_behaved")),
        lambda s: s.manager.remove("time"),
    )
    page.keeping_section.history_button.click()
    dialog = page.keeping_section.dialog
    assert isinstance(dialog, HistoryDialog)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 3)
    summaries = [dialog.tree.topLevelItem(i).text(2) for i in range(3)]  # type: ignore[union-attr]
    assert summaries == ["Removed “time”", "Added “notes”", "First saved settings"]
    assert dialog.restore_button.isEnabled(), "the version before now is chosen"
    assert all(dialog.tree.topLevelItem(i).text(1).startswith("just now, at ") for i in range(3))  # type: ignore[union-attr]
    save(dialog, ARTIFACTS, "settings-history")

    dialog.restore_button.click()
    box = dialog.confirm_box
    assert box is not None and box.text().startswith("Go back to version 2, saved just now")
    assert "What changed in version 2: Added “notes”" in box.informativeText()
    save(box, ARTIFACTS, "settings-history-confirm")
    box.reject()
    assert {s.name for s in services.manager.statuses()} == {"files", "notes"}, "nothing without a yes"

    dialog.restore_button.click()
    box = dialog.confirm_box
    assert box is not None
    go_back = next(b for b in box.buttons() if b.text() == "Go back to version 2")
    with qtbot.waitSignal(dialog.restored):
        go_back.click()
    assert {s.name for s in services.manager.statuses()} == {"files", "notes", "time"}
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 4)
    restored = dialog.tree.topLevelItem(0).text(2)  # type: ignore[union-attr]
    assert restored == "Went back to version 2 (the settings as they were then): added “time”"
    assert dialog.message.text.startswith(
        "Went back to version 2. The settings you had just before are version 3"
    )
    assert not dialog.tree.selectedItems() and not dialog.restore_button.isEnabled(), "no stray highlight"
    save(dialog, ARTIFACTS, "settings-history-restored")


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(5, "just now, at "), (60, "1 minute ago, at "), (125, "2 minutes ago, at ")],
)
def test_when_a_version_was_saved(seconds: int, said: str) -> None:
    now = datetime(2026, 12, 6, 7, 10, 0, tzinfo=UTC)
    assert when(now - timedelta(seconds=seconds), now).startswith(said)
    assert when(datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), now).endswith(":04:05")


def test_servers_lost_while_closed_are_named_and_brought_back(
    qtbot: QtBot, start: Start, service_loop: ServiceLoop
) -> None:
    services, page = start()
    run(service_loop, services, lambda s: s.manager.add("notes", fixture_server("well_behaved")))
    service_loop.submit(services.close()).result(60)
    wiped = services.settings.config.model_copy(deep=True)
    del wiped.servers["notes"]
    services.paths.config_file.write_text(wiped.to_json(), encoding="utf-8")

    services, page = start()
    section = page.keeping_section
    assert section.lost_message.text.startswith("The server “notes” was removed from the settings file")
    assert section.bring_back_button.isVisible() and section.bring_back_button.text() == "Bring it back"
    save(page, ARTIFACTS, "settings-servers-lost")
    section.bring_back_button.click()
    qtbot.waitUntil(lambda: section.lost_message.text == "The server “notes” is back.")
    assert "notes" in {s.name for s in services.manager.statuses()}


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "Too short"),
        ("hunter2", "Too short"),
        ("password", "Weak: long enough"),
        ("Password12", "Fair"),
        (PASSPHRASE, "Strong"),
    ],
    ids=["empty", "seven characters", "one word", "mixed but short", "four words"],
)
def test_the_passphrase_strength_hint(typed: str, said: str) -> None:
    assert strength(typed).startswith(said)


def test_export_then_import_on_another_computer(
    qtbot: QtBot,
    start: Start,
    service_loop: ServiceLoop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services, page = start()
    run(service_loop, services, lambda s: s.secrets.set("HF_TOKEN", CANARY))
    sealed = tmp_path / "moving.mcpdesk"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_: (str(sealed.with_suffix("")), ""))
    page.keeping_section.export_button.click()
    export = page.keeping_section.dialog
    assert isinstance(export, ExportEverythingDialog)
    export.passphrase_edit.setText("plum")
    export.again_edit.setText("plum")
    assert not export.save_button.isEnabled(), "blocked until the passphrase is long enough"
    assert export.message.text.startswith("Too short: 4 of at least 8 characters.")
    export.passphrase_edit.setText("password")
    export.again_edit.setText("passwort")
    assert not export.save_button.isEnabled()
    assert export.message.text == "The two passphrases differ. Type the same one in both boxes."
    export.again_edit.setText("password")
    assert export.save_button.isEnabled(), "weak is allowed: it is long enough"
    assert export.message.text.startswith("Weak: long enough"), "one message, no leftover warning"
    save(export, ARTIFACTS, "settings-export-weak")
    export.passphrase_edit.setText(PASSPHRASE)
    export.again_edit.setText(PASSPHRASE[:5])
    assert not export.save_button.isEnabled() and "type it again" in export.message.text
    export.again_edit.setText(PASSPHRASE)
    export.save_button.click()
    qtbot.waitUntil(lambda: export.message.text.startswith("Saved"))
    assert export.message.text == "Saved (servers: 2, permissions: 0, secrets: 1). Keep the passphrase safe."
    assert export.saved_path_label.toolTip() == str(sealed) and "\n" not in export.saved_path_label.text()
    assert sealed.exists() and not export.form.isVisible()
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", opened.append)
    export.folder_button.click()
    assert opened == [QUrl.fromLocalFile(str(tmp_path))]
    save(export, ARTIFACTS, "settings-export-saved")

    service = f"mcp-desk-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("MCP_DESK_HOME", str(tmp_path / "new-laptop"))
    monkeypatch.setenv("MCP_DESK_KEYRING_SERVICE", service)
    services, page = start()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_: (str(sealed), ""))
    page.keeping_section.import_button.click()
    dialog = page.keeping_section.dialog
    assert isinstance(dialog, ImportEverythingDialog)
    assert not dialog.unlock_button.isEnabled() and not dialog.import_button.isEnabled()
    dialog.passphrase_edit.setText("plum kettle orbit")
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: dialog.message.text == DAMAGED)
    assert not dialog.import_button.isEnabled()
    assert [b.text() for b in dialog.buttons.buttons()] == ["Import", "Cancel"] or [
        b.text() for b in dialog.buttons.buttons()
    ] == ["Cancel", "Import"], "the same buttons on every screen"
    save(dialog, ARTIFACTS, "settings-import-wrong-passphrase")

    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled())
    preview = dialog.preview_label.text()
    assert "• replaces the server “files” with the file's version;" in preview
    assert "• puts a secret (an API key or token) named “HF_TOKEN” in your keychain." in preview
    assert "settings" in preview and "permissions" in preview and "keyring" not in preview
    save(dialog, ARTIFACTS, "settings-import-preview")
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.message.text.startswith("Imported."))
    assert not dialog.passphrase_edit.isVisible(), "no empty passphrase box left behind"
    assert SecretStore(SecretServiceKeyring(), service).get("HF_TOKEN") == CANARY
    save(dialog, ARTIFACTS, "settings-import-done")


def test_several_lost_servers_are_them(qtbot: QtBot) -> None:
    section = KeepingSection(Bridge())
    qtbot.addWidget(section)
    section._say_lost(("notes", "time"))
    assert section.lost_message.text.startswith("The servers “notes”, “time” were removed")
    assert section.bring_back_button.text() == "Bring them back"


def test_the_import_preview_names_servers_settings_permissions_and_secrets() -> None:
    preview = ImportPreview(
        Path("moving.mcpdesk"),
        "2026-12-06T07:00:00+00:00",
        ("notes", "time"),
        (),
        ("log size",),
        2,
        ("A", "B"),
    )
    assert preview_lines(preview) == [
        "Importing this file:",
        "• adds the servers “notes”, “time” (each asks before it first runs here);",
        "• keeps the servers that are only on this computer;",
        "• changes these settings to the file's: log size;",
        "• adds 2 remembered permissions to yours;",
        "• puts secrets (API keys or tokens) named “A”, “B” in your keychain.",
    ]
