"""The sandbox a program installed from the catalogue or a bundle starts in: what its entry needs.

It may use the network (it installs its package at first start, and most servers call an API)
and sees only the folders and files the user picks in its form, which it may change; nothing
else of the user's files. Its runtime and package caches it sees anyway (`servers.sandbox`).
The user can widen or narrow it later in the server's settings, like any server's sandbox.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace

from pydantic import ValidationError

from desktop.catalogue.control import CatalogueProblem, FieldKind, InstallField, InstallPlan
from desktop.core.sandbox_policy import FileAccess, PickedFolder, Sandbox
from desktop.servers.sandbox import not_sandboxed_here

STARTING = Sandbox(files=FileAccess.NONE, network=True)
_PICKED = (FieldKind.FOLDER, FieldKind.FILE)


def in_sandbox(plan: InstallPlan, about: str = "", platform: str = sys.platform) -> InstallPlan:
    """`plan` with its starting sandbox, and what that lets it do in words (after `about`, if any)."""
    elsewhere = not_sandboxed_here(platform)
    if elsewhere is not None:
        return replace(plan, notes=(*plan.notes, elsewhere))
    picks = any(item.kind in _PICKED for item in plan.fields)
    files = (
        ", and read and change the folders and files you pick below; it won't see your other files"
        if picks
        else "; it won't see your files"
    )
    words = (
        f"It runs on this computer in a sandbox. It will be able to use the internet{files}. "
        "You can change this in its settings later."
    )
    return replace(plan, abilities=f"{about}\n\n{words}".strip(), sandbox=STARTING)


def picked_sandbox(plan: InstallPlan, values: Mapping[str, str]) -> Sandbox | None:
    """The plan's sandbox with the folders and files the user picked (or left at their default)."""
    if plan.sandbox is None:
        return None
    paths = [line.strip() for item in plan.fields if item.kind in _PICKED for line in _given(item, values)]
    try:
        folders = tuple(PickedFolder(path=path, writable=True) for path in dict.fromkeys(paths) if path)
        return Sandbox(files=plan.sandbox.files, folders=folders, network=plan.sandbox.network)
    except ValidationError as error:
        raise CatalogueProblem(
            "Check the folders and files you picked: each needs its full path, like /home/me/Documents, "
            "and a server can be given at most 32. Then install again.",
            details=str(error),
        ) from error


def _given(item: InstallField, values: Mapping[str, str]) -> list[str]:
    return (values.get(item.key) or item.default).splitlines()
