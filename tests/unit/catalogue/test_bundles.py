"""A bundle planned (what it is, the form, the tools it declares) and installed as a server's settings."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from desktop.catalogue.bundle_compatibility import Python
from desktop.catalogue.bundle_files import BundleFolders
from desktop.catalogue.bundle_launch import Places
from desktop.catalogue.bundles import BundleInstaller
from desktop.catalogue.control import CatalogueProblem, FieldKind, InstallPlan
from desktop.core.config import ServerConfig
from tests.fixtures.mcpb_bundles import python_manifest, write_bundle

PLACES = Places(
    home="/home/ada", desktop="/home/ada/Desktop", documents="/home/ada/Docs", downloads="/home/ada/Dl"
)
PYTHON = Python("/usr/bin/python3", (3, 11, 7))


class Keyring:
    def __init__(self) -> None:
        self.kept: dict[str, str] = {}

    def store(self, name: str, value: str) -> str:
        self.kept[name] = value
        return "${secret:" + name + "}"


@pytest.fixture
def folders(tmp_path: Path) -> BundleFolders:
    return BundleFolders(tmp_path / "data" / "bundles")


@pytest.fixture
def installer(folders: BundleFolders) -> BundleInstaller:
    return BundleInstaller(folders, PLACES, python=lambda: PYTHON)


def planned(installer: BundleInstaller, tmp_path: Path, **changes: object) -> InstallPlan:
    return installer.plan(
        write_bundle(tmp_path / "bundle-notes-1.2.0.mcpb", python_manifest(**changes)), {"notes"}
    )


def test_a_plan_says_what_the_bundle_is_and_asks_for_its_settings(
    installer: BundleInstaller, tmp_path: Path
) -> None:
    plan = planned(installer, tmp_path)
    assert (plan.suggested_name, plan.title, plan.publisher) == ("bundle-notes", "Bundle Notes", "Acme Inc")
    assert plan.package == "bundle bundle-notes-1.2.0.mcpb" and plan.source == str(
        tmp_path / "bundle-notes-1.2.0.mcpb"
    )
    assert plan.abilities.startswith("Notes kept in a folder you choose.") and "files" in plan.abilities
    if plan.sandbox is not None:  # everywhere but Windows
        assert "in a sandbox" in plan.abilities and plan.sandbox.network and not plan.sandbox.folders
    assert plan.tools == ("describe_setup: Say what the server was given", "summarise (prompt)")
    assert plan.blocked is None and plan.token and not plan.verified
    assert plan.cautions[0].startswith("This bundle is not signed") and "Python 3.11.7" in plan.notes[0]
    kinds = {field.key: (field.kind, field.required, field.default, field.multiple) for field in plan.fields}
    assert kinds == {
        "api_key": (FieldKind.SECRET, True, "", False),
        "folders": (FieldKind.FOLDER, False, "/home/ada/Notes", True),
        "max_results": (FieldKind.NUMBER, False, "10", False),
        "verbose": (FieldKind.BOOLEAN, False, "false", False),
        "config_file": (FieldKind.FILE, False, "", False),
    }
    assert plan.fields[2].description == "How many notes to return (a number from 1 to 100)"


def test_a_clashing_name_gets_another(installer: BundleInstaller, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b.mcpb", python_manifest())
    assert installer.plan(bundle, {"bundle-notes"}).suggested_name == "bundle-notes-2"


def test_install_fills_in_the_variables_and_keeps_the_key_out_of_the_settings(
    installer: BundleInstaller, folders: BundleFolders, tmp_path: Path
) -> None:
    plan = planned(installer, tmp_path)
    keyring = Keyring()
    values = {"api_key": "sk-canary-123", "folders": "/srv/a\n\n/srv/b\n", "max_results": "25"}
    config = installer.install(plan, values, keyring.store)
    home = folders.root / "bundle-notes" / "1.2.0"
    assert (home / "server" / "main.py").is_file() and not (folders.staging / plan.token).exists()
    assert config.command == "/usr/bin/python3", "the computer's Python 3, not a bare `python`"
    assert config.args == [str(home / "server/main.py"), "--max-results=25", "/srv/a", "/srv/b"]
    assert config.env == {
        "NOTES_API_KEY": "${secret:bundle-notes.api_key}",
        "PYTHONPATH": f"{home}/server/lib",
    }
    assert config.cwd == str(home) and config.runtime is None and not config.is_trusted
    assert keyring.kept == {"bundle-notes.api_key": "sk-canary-123"}
    assert "sk-canary" not in config.model_dump_json()
    origin = config.origin
    assert origin is not None and (origin.registry, origin.name, origin.version) == (
        "",
        "bundle-notes",
        "1.2.0",
    )
    assert (origin.publisher, origin.package) == ("Acme Inc", "bundle bundle-notes 1.2.0")
    assert origin.source == str(tmp_path / "bundle-notes-1.2.0.mcpb")
    assert config.launch_hash() == config.model_copy(update={"origin": None}).launch_hash()


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({}, "Fill in “API Key”: this bundle needs it to run."),
        ({"api_key": "k", "max_results": "1000"}, "“Maximum Results” must be a number from 1 to 100."),
        ({"api_key": "k", "max_results": "lots"}, "“Maximum Results” must be a number from 1 to 100."),
        ({"api_key": "k", "verbose": "perhaps"}, "“Verbose” must be yes or no."),
    ],
)
def test_a_wrong_value_is_said_before_anything_moves(
    installer: BundleInstaller, folders: BundleFolders, tmp_path: Path, values: dict[str, str], words: str
) -> None:
    plan = planned(installer, tmp_path)
    keyring = Keyring()
    with pytest.raises(CatalogueProblem) as problem:
        installer.install(plan, values, keyring.store)
    assert problem.value.message == words
    assert keyring.kept == {} and not (folders.root / "bundle-notes").exists()
    assert (folders.staging / plan.token).is_dir(), "the plan can still be installed once the value is right"


def test_a_failing_keyring_leaves_nothing_installed(
    installer: BundleInstaller, folders: BundleFolders, tmp_path: Path
) -> None:
    def refuse(name: str, value: str) -> str:
        raise CatalogueProblem("The keyring is locked. Unlock it, then try again.")

    with pytest.raises(CatalogueProblem):
        installer.install(planned(installer, tmp_path), {"api_key": "k"}, refuse)
    assert list(folders.root.iterdir()) == [folders.staging] and list(folders.staging.iterdir()) == []


def test_install_uses_the_planned_copy_even_if_the_file_changed(
    installer: BundleInstaller, tmp_path: Path
) -> None:
    plan = planned(installer, tmp_path)
    write_bundle(tmp_path / "bundle-notes-1.2.0.mcpb", python_manifest(version="6.6.6"))
    config = installer.install(plan, {"api_key": "k"}, Keyring().store)
    assert config.cwd is not None and config.cwd.endswith("bundle-notes/1.2.0")


def test_a_plan_is_installed_once(installer: BundleInstaller, tmp_path: Path) -> None:
    plan = planned(installer, tmp_path)
    installer.install(plan, {"api_key": "k"}, Keyring().store)
    with pytest.raises(CatalogueProblem, match="prepared copy is gone"):
        installer.install(plan, {"api_key": "k"}, Keyring().store)
    forged = InstallPlan(**{**plan.__dict__, "token": "../../etc"})
    with pytest.raises(CatalogueProblem, match="not prepared by MCP Desk"):
        installer.install(forged, {"api_key": "k"}, Keyring().store)


def test_dropped_and_forgotten_plans_leave_nothing(
    installer: BundleInstaller, folders: BundleFolders, tmp_path: Path
) -> None:
    dropped, forgotten = planned(installer, tmp_path), planned(installer, tmp_path)
    installer.drop(dropped)
    assert sorted(entry.name for entry in folders.staging.iterdir()) == [forgotten.token]
    folders.sweep(older_than_s=3600)
    assert (folders.staging / forgotten.token).is_dir(), "a plan the user is still reading stays"
    os.utime(folders.staging / forgotten.token, (0, 0))
    folders.sweep(older_than_s=3600)
    assert list(folders.staging.iterdir()) == []


def test_remove_deletes_the_unpacked_bundle_and_nothing_else(
    installer: BundleInstaller, folders: BundleFolders, tmp_path: Path
) -> None:
    config = installer.install(planned(installer, tmp_path), {"api_key": "k"}, Keyring().store)
    installer.remove(ServerConfig(command="python3", cwd=str(tmp_path)))
    installer.remove(ServerConfig(command="python3", cwd=str(folders.staging)))
    installer.remove(ServerConfig(command="python3"))
    assert (folders.root / "bundle-notes" / "1.2.0").is_dir(), "only a bundle's own folder is removed"
    installer.remove(config)
    assert not (folders.root / "bundle-notes").exists() and list(folders.staging.iterdir()) == []
    assert (tmp_path / "bundle-notes-1.2.0.mcpb").is_file()


def test_a_renamed_servers_folder_is_not_taken_by_the_next_install(
    installer: BundleInstaller, folders: BundleFolders, tmp_path: Path
) -> None:
    """The first server was renamed: its name is free, its folder is not."""
    first = installer.install(planned(installer, tmp_path), {"api_key": "k"}, Keyring().store)
    second = installer.install(planned(installer, tmp_path), {"api_key": "k"}, Keyring().store)
    assert (first.cwd, second.cwd) == (
        str(folders.root / "bundle-notes" / "1.2.0"),
        str(folders.root / "bundle-notes-2" / "1.2.0"),
    )
    installer.remove(second)
    assert first.cwd is not None and Path(first.cwd, "server", "main.py").is_file()


def test_node_and_uv_bundles_run_on_mcp_desks_own_runtimes(
    installer: BundleInstaller, tmp_path: Path
) -> None:
    node = python_manifest(compatibility={"runtimes": {"node": ">=16.0.0"}})
    node["server"] = {
        "type": "node",
        "entry_point": "server/main.py",
        "mcp_config": {
            "command": "node",
            "args": ["${__dirname}${/}server${pathSeparator}main.py", "${DOCUMENTS}"],
        },
    }
    plan = installer.plan(write_bundle(tmp_path / "node.mcpb", node), ())
    assert "Node.js that MCP Desk provides (it asks for Node.js >=16.0.0)" in plan.notes[0]
    config = installer.install(plan, {"api_key": "k"}, Keyring().store)
    assert (config.command, config.runtime) == ("node", "mcp-desk")
    assert config.args == [f"{config.cwd}{os.sep}server{os.sep}main.py", "/home/ada/Docs"]
    uv = python_manifest(manifest_version="0.4", name="uv-notes")
    uv["server"] = {"type": "uv", "entry_point": "server/main.py"}
    config = installer.install(
        installer.plan(write_bundle(tmp_path / "uv.mcpb", uv), ()), {"api_key": "k"}, Keyring().store
    )
    assert (config.command, config.runtime) == ("uv", "mcp-desk")
    assert config.args == ["run", "--directory", config.cwd, f"{config.cwd}/server/main.py"]


def test_a_python_bundle_needs_a_python_that_fits(folders: BundleFolders, tmp_path: Path) -> None:
    none = BundleInstaller(folders, PLACES, python=lambda: None).plan(
        write_bundle(tmp_path / "a.mcpb", python_manifest()), ()
    )
    assert none.blocked is not None and none.blocked.startswith(
        "This bundle needs Python 3, which isn't on this computer."
    )
    old = BundleInstaller(folders, PLACES, python=lambda: Python("python3", (3, 7, 2)))
    plan = old.plan(write_bundle(tmp_path / "b.mcpb", python_manifest()), ())
    assert plan.blocked == (
        "This bundle needs Python >=3.8,<4.0, and this computer has Python 3.7.2. "
        "Install a Python that fits from python.org, then open the bundle again."
    )
    with pytest.raises(CatalogueProblem, match=re.escape("needs Python >=3.8")):
        old.install(plan, {"api_key": "k"}, Keyring().store)


def test_a_binary_bundle_runs_its_own_program_made_runnable(
    installer: BundleInstaller, tmp_path: Path
) -> None:
    binary = python_manifest(name="tool", user_config=None)
    binary["server"] = {
        "type": "binary",
        "entry_point": "server/tool",
        "mcp_config": {"command": "server/tool", "args": ["--config", "server/config.json"]},
    }
    bundle = write_bundle(tmp_path / "tool.mcpb", binary, {"server/tool": "#!/bin/sh\n"})
    config = installer.install(installer.plan(bundle, ()), {}, Keyring().store)
    assert config.cwd is not None and config.command == str(Path(config.cwd) / "server" / "tool")
    assert config.args == ["--config", "server/config.json"], "relative to the bundle's folder, its cwd"
    assert os.access(config.command, os.X_OK) and config.runtime is None


def test_a_name_that_cannot_be_a_servers_is_said_in_words(installer: BundleInstaller, tmp_path: Path) -> None:
    plan = planned(installer, tmp_path)
    renamed = InstallPlan(**{**plan.__dict__, "suggested_name": "my notes"})
    with pytest.raises(CatalogueProblem, match="can't be used as a server name"):
        installer.install(renamed, {"api_key": "k"}, Keyring().store)
