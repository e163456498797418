"""Settings that can't be lost, on the real services: history and restore, servers lost behind the
app's back, and “Export everything” carried to a second computer (another home, another keyring)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from desktop.core.consent_rules import RuleScope, ServerDefault
from desktop.core.events import EventBus, Notice, ToolInfo
from desktop.core.paths import AppPaths
from desktop.core.problem import Problem
from desktop.core.sealed_file import DAMAGED, NEWER, NOT_OURS
from desktop.core.secrets import SecretStore
from desktop.services import Services, build_services
from tests.e2e.conftest import ScriptedAsker, fixture_server

pytestmark = pytest.mark.anyio
CANARY = "ghp-canary-3b9d2f7a61e0c4"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
async def desk(
    keyring_store: SecretStore, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[[EventBus | None], Services]]:
    """Build the app's services (as a start of MCP Desk) on this test's home and keyring; all are closed."""
    monkeypatch.setattr(
        "keyring.get_keyring", SecretServiceKeyring
    )  # not keyring's own, kept for later tests
    built: list[Services] = []

    def start(events: EventBus | None = None) -> Services:
        built.append(build_services(AppPaths.from_environment(), events or EventBus(), ScriptedAsker()))
        return built[-1]

    yield start
    for services in built:
        await services.close()


def files_holding(text: str, *folders: Path) -> list[Path]:
    return [
        path
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and text.encode() in path.read_bytes()
    ]


async def test_restore_brings_a_snapshot_back_as_a_new_snapshot(desk: Callable[..., Services]) -> None:
    services = desk()
    keeping = services.settings.keeping()
    await services.manager.add("notes", fixture_server("well_behaved"))
    await services.manager.remove("time")
    newest, *older = await keeping.history()
    assert newest.summary == "Removed “time”" and older[0].summary == "Added “notes”"

    await keeping.restore(older[0].number)
    assert {s.name for s in services.manager.statuses()} == {"files", "notes", "time"}
    restored = (await keeping.history())[0]
    assert restored.number == newest.number + 1
    assert restored.summary == f"Restored version {older[0].number}: added “time”"
    assert "time" in services.paths.config_file.read_text()


async def test_servers_removed_behind_the_apps_back_are_told_and_brought_back(
    desk: Callable[..., Services],
) -> None:
    first = desk()
    await first.manager.add("notes", fixture_server("well_behaved"))
    await first.close()
    config = first.paths.config_file
    another_program = first.settings.config.model_copy(deep=True)
    del another_program.servers["notes"], another_program.servers["time"]
    config.write_text(another_program.to_json(), encoding="utf-8")

    events = EventBus()
    notices: list[Notice] = []
    events.subscribe(lambda event: notices.append(event) if isinstance(event, Notice) else None)
    second = desk(events)
    second.announce_startup_problems()
    (notice,) = notices
    assert notice.title == "Servers went missing from your settings"
    assert "“notes”, “time”" in notice.message and "Bring them back" in notice.message

    assert await second.settings.keeping().bring_back() == ("notes", "time")
    assert {s.name for s in second.manager.statuses()} == {"files", "notes", "time"}
    assert '"notes"' in config.read_text() and '"time"' in config.read_text()
    assert second.settings.keeping().lost_servers() is None
    await second.close()

    notices.clear()
    desk(events).announce_startup_problems()
    assert notices == [], "brought back: nothing to tell at the next start"


async def _export_from_the_first_computer(desk: Callable[..., Services], folder: Path) -> Path:
    services = desk()
    await services.secrets.set("API_TOKEN", CANARY)
    server = fixture_server("well_behaved", env={"FIXTURE_TOKEN": "${secret:API_TOKEN}"})
    await services.manager.add("echo", server)
    await services.consent.set_policy("echo", default=ServerDefault.READ_ONLY)
    tool = ToolInfo("echo", "echo", "Says it back.", {"type": "object"})
    await services.consent.remember(tool, RuleScope.ALWAYS, None, "")
    result = await services.settings.keeping().export_to(folder / "everything.mcpdesk", PASSPHRASE)
    assert (result.servers, result.permissions, result.secrets) == (3, 1, 1)
    return result.path


@pytest.fixture
def second_computer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], SecretStore]:
    """Moves the test to another home and another keyring service name; returns that keyring."""

    def move() -> SecretStore:
        service = f"mcp-desk-test-{uuid.uuid4().hex[:8]}"
        monkeypatch.setenv("MCP_DESK_HOME", str(tmp_path / "second-computer"))
        monkeypatch.setenv("MCP_DESK_KEYRING_SERVICE", service)
        return SecretStore(SecretServiceKeyring(), service)

    return move


async def test_export_and_import_carry_everything_to_another_computers_keyring(
    desk: Callable[..., Services],
    second_computer: Callable[[], SecretStore],
    keyring_store: SecretStore,
    isolated_home: str,
    tmp_path: Path,
) -> None:
    export = tmp_path / "usb-stick"
    export.mkdir()
    sealed = await _export_from_the_first_computer(desk, export)
    keyring = second_computer()
    services = desk()
    keeping = services.settings.keeping()

    preview = await keeping.preview_import(sealed, PASSPHRASE)
    # Each home shares its own folder through the built-in "files" server, so the file's replaces it.
    assert (preview.added, preview.replaced, preview.permissions) == (("echo",), ("files",), 1)
    assert preview.secrets == ("API_TOKEN",)
    assert "Secrets to put in this computer's keyring: “API_TOKEN”." in preview.lines()
    assert keyring.get("API_TOKEN") is None, "a preview changes nothing"
    await keeping.apply_import(preview)

    assert keyring.get("API_TOKEN") == CANARY
    assert services.manager.config_of("echo").env == {"FIXTURE_TOKEN": "${secret:API_TOKEN}"}
    assert services.consent.policy("echo").default is ServerDefault.READ_ONLY
    assert [rule.tool for rule in services.consent.rules()] == ["echo"]
    imported = (await keeping.history())[0].summary
    assert imported == "Imported “everything.mcpdesk”: added “echo”; changed “files”"
    assert keyring_store.get("API_TOKEN") == CANARY, "the first computer keeps its own"
    assert not services.manager.config_of("echo").is_trusted, "a file can't approve a program to run here"
    await services.manager.trust("echo", services.manager.trust_request("echo").launch_hash)
    status = await services.manager.start("echo")
    assert status.state.name == "RUNNING", "the imported secret reaches the server"
    second_home = Path(services.paths.config_dir).parent
    assert files_holding(CANARY, Path(isolated_home), second_home, export) == []


def _flipped(blob: bytes, at: int) -> bytes:
    return blob[:at] + bytes([blob[at] ^ 0x01]) + blob[at + 1 :]


BAD_FILES: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    "wrong passphrase": (lambda blob: blob, "Tr0ub4dor&3 wrong", DAMAGED),
    "truncated": (lambda blob: blob[: len(blob) - 40], PASSPHRASE, DAMAGED),
    "one flipped byte": (lambda blob: _flipped(blob, len(blob) // 2), PASSPHRASE, DAMAGED),
    "unknown version": (lambda blob: blob[:8] + bytes([9]) + blob[9:], PASSPHRASE, NEWER),
    "not our file": (lambda blob: b'{"mcpServers": {"x": {"command": "y"}}}', PASSPHRASE, NOT_OURS),
}


async def test_a_bad_file_or_passphrase_is_a_sentence_and_changes_nothing(
    desk: Callable[..., Services], second_computer: Callable[[], SecretStore], tmp_path: Path
) -> None:
    sealed = (await _export_from_the_first_computer(desk, tmp_path)).read_bytes()
    keyring = second_computer()
    services = desk()
    config, consent = services.paths.config_file, services.paths.consent_file
    before = (config.read_bytes(), consent.exists(), keyring.names())
    for case, (change, passphrase, sentence) in BAD_FILES.items():
        bad = tmp_path / f"{case}.mcpdesk"
        bad.write_bytes(change(sealed))
        with pytest.raises(Problem) as caught:
            await services.settings.keeping().preview_import(bad, passphrase)
        assert caught.value.message == sentence, case
        assert "nothing was changed" in sentence
        assert (config.read_bytes(), consent.exists(), keyring.names()) == before, case
