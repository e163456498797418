"""A Python bundle from file to running server and back: planned, installed, run, removed.

Its server is a real process (a stdlib-only MCP server, run by this computer's python3 as a
Python bundle is), its key goes to the real keyring (a private gnome-keyring), and removing the
server through `ServerManager` removes its unpacked folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.catalogue.bundle_files import BundleFolders
from desktop.catalogue.bundles import BundleInstaller
from desktop.core.consent import ConsentGate
from desktop.core.events import EventBus, ServerState
from desktop.core.paths import AppPaths
from desktop.core.secret_refs import reference
from desktop.core.secrets import SecretStore
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.oauth import SystemBrowser
from desktop.servers.supervisor import Credentials
from tests.e2e.conftest import ASKED, FAST, ScriptedAsker, allow, settings_in, watched
from tests.fixtures.mcpb_bundles import python_manifest, write_bundle

pytestmark = pytest.mark.anyio
CANARY = "sk-bundle-canary-8d1e77f0a2"


async def test_a_python_bundle_installs_runs_with_its_key_and_is_removed(
    keyring_store: SecretStore,
    isolated_home: str,
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    consent: ConsentGate,
    asker: ScriptedAsker,
) -> None:
    paths = AppPaths.from_environment()
    folders = BundleFolders(paths.bundles_dir)
    installer = BundleInstaller(folders)
    notes = tmp_path / "My notes"
    plan = installer.plan(write_bundle(tmp_path / "bundle-notes.mcpb", python_manifest()), ())
    assert [field.key for field in plan.fields if field.kind == "secret"] == ["api_key"]
    assert plan.tools[0].startswith("describe_setup") and plan.blocked is None

    def store_secret(name: str, value: str) -> str:
        keyring_store.set(name, value)
        return reference(name)

    config = installer.install(plan, {"api_key": CANARY, "folders": str(notes)}, store_secret)
    home = paths.bundles_dir / plan.suggested_name / "1.2.0"
    assert keyring_store.get("bundle-notes.api_key") == CANARY

    manager = ServerManager(
        settings_in(paths.config_dir),
        bus,
        LeftoverRegistry(paths.run_dir),
        recording,
        Credentials(keyring_store, SystemBrowser()),
        consent,
        FAST,
        on_removed=folders.remove,
    )
    async with watched(manager) as spawned:
        await manager.add(
            plan.suggested_name, config.model_copy(update={"trusted_launch": config.launch_hash()})
        )
        status = await manager.start(plan.suggested_name)
        spawned.note()
        assert status.state is ServerState.RUNNING, manager.output_of(plan.suggested_name)
        assert [tool.qualified_name for tool in manager.tools()] == ["bundle-notes__describe_setup"]
        asker.will(allow())
        outcome = await manager.call_tool("bundle-notes__describe_setup", {}, ASKED)
        assert outcome.ok, outcome.text
        setup = json.loads(outcome.text)
        assert setup["key_length"] == len(CANARY), "the server was started with the key from the keyring"
        assert setup["args"] == ["--max-results=10", str(notes)]
        assert (setup["cwd"], setup["pythonpath"]) == (str(home), str(home / "server" / "lib"))

        for path in [*Path(isolated_home).rglob("*"), *tmp_path.rglob("*")]:
            if path.is_file():
                assert CANARY.encode() not in path.read_bytes(), f"the key is in {path}"

        await manager.remove(plan.suggested_name)
    assert not home.exists() and not (paths.bundles_dir / plan.suggested_name).exists()
    assert list(folders.staging.iterdir()) == []
