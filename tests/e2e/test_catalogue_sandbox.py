"""A bundle installed through the catalogue starts in the sandbox its form asks for: the folder the
user picked is there for it, another folder of theirs is not (a real bubblewrap, a real bundle server)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from desktop.cli.asker import TerminalAsker
from desktop.core.events import EventBus, ServerState
from desktop.core.paths import AppPaths
from desktop.core.sandbox_policy import FileAccess, PickedFolder
from desktop.core.secrets import SecretStore
from desktop.services import Services, build_services
from tests.e2e.conftest import ASKED
from tests.fixtures.mcpb_bundles import python_manifest, write_bundle

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        shutil.which("bwrap") is None, reason="bubblewrap is not installed (.ci/run installs it)"
    ),
]


@pytest.fixture
async def services(keyring_store: SecretStore) -> AsyncIterator[Services]:
    built = build_services(AppPaths.from_environment(), EventBus(), TerminalAsker(allow_all=True))
    try:
        yield built
    finally:
        await built.close()


async def test_the_picked_folder_is_reachable_and_another_is_not(services: Services, tmp_path: Path) -> None:
    picked, other = tmp_path / "My notes", tmp_path / "Private"
    for folder in (picked, other):
        folder.mkdir()
        (folder / "note.txt").write_text("a note")
    plan = await services.catalogue.plan_bundle(write_bundle(tmp_path / "notes.mcpb", python_manifest()))
    assert plan.sandbox is not None and plan.sandbox.network and plan.sandbox.files is FileAccess.NONE
    assert "It will be able to use the internet, and read and change the folders and files" in plan.abilities
    installed = await services.catalogue.install(plan, {"api_key": "k-3e1f", "folders": str(picked)})
    manager = services.manager
    config = manager.config_of(installed.server)
    assert config.sandbox is not None and config.sandbox.folders == (
        PickedFolder(path=str(picked), writable=True),
    )
    await manager.trust(installed.server, manager.trust_request(installed.server).launch_hash)
    status = await manager.start(installed.server, once=True)
    assert status.state is ServerState.RUNNING, manager.output_of(installed.server)
    peek = {"peek": [str(picked / "note.txt"), str(other / "note.txt")]}
    outcome = await manager.call_tool(f"{installed.server}__describe_setup", peek, ASKED)
    assert outcome.ok, outcome.text
    assert json.loads(outcome.text)["readable"] == {
        str(picked / "note.txt"): True,
        str(other / "note.txt"): False,
    }
    await manager.stop(installed.server)
