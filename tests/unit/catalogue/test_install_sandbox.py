"""The sandbox an install starts in: the internet, the folders and files picked in its form, nothing else."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop.catalogue.control import CatalogueProblem, FieldKind, InstallField, InstallPlan
from desktop.catalogue.install_sandbox import in_sandbox, picked_sandbox
from desktop.core.sandbox_policy import FileAccess, PickedFolder

PLAN = InstallPlan("notes", "Notes", "acme", False, "npm notes@1.0.0", "a registry", "It runs here.")
FIELDS = (
    InstallField("root", "Notes folder", kind=FieldKind.FOLDER, default="/home/ada/Notes", multiple=True),
    InstallField("config", "Settings file", kind=FieldKind.FILE),
    InstallField("token", "Token", kind=FieldKind.SECRET),
)


def test_it_starts_with_the_internet_and_none_of_the_users_files() -> None:
    plan = in_sandbox(PLAN, platform="linux")
    assert plan.sandbox is not None and plan.sandbox.network and plan.sandbox.files is FileAccess.NONE
    assert "It will be able to use the internet; it won't see your files." in plan.abilities
    with_fields = in_sandbox(replace(PLAN, fields=FIELDS), about="Notes.", platform="linux")
    assert with_fields.abilities.startswith("Notes.\n\nIt runs on this computer in a sandbox.")
    assert "read and change the folders and files you pick below" in with_fields.abilities


def test_the_picked_folders_and_files_are_added_read_write_and_defaults_count() -> None:
    plan = in_sandbox(replace(PLAN, fields=FIELDS), platform="darwin")
    sandbox = picked_sandbox(plan, {"config": "/home/ada/notes.json", "token": "/not/a/folder"})
    assert sandbox is not None and sandbox.folders == (
        PickedFolder(path="/home/ada/Notes", writable=True),
        PickedFolder(path="/home/ada/notes.json", writable=True),
    )
    two = picked_sandbox(plan, {"root": "/srv/a\n\n/srv/b\n/srv/a"})
    assert two is not None and [f.path for f in two.folders] == ["/srv/a", "/srv/b"]
    with pytest.raises(CatalogueProblem, match="each needs its full path"):
        picked_sandbox(plan, {"root": "notes"})


def test_where_there_is_no_sandbox_the_plan_says_so() -> None:
    plan = in_sandbox(PLAN, platform="win32")
    assert plan.sandbox is None and plan.abilities == "It runs here."
    assert plan.notes[-1].startswith("Windows: MCP Desk can't sandbox servers here yet")
    assert picked_sandbox(plan, {}) is None
