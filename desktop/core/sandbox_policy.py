"""What a local server may reach when it runs in a sandbox: which files, and whether the network.

The policy is part of a server's settings and of its launch hash, so a change asks the user
again. `servers.sandbox` turns it into the program that really runs.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FileAccess(StrEnum):
    """How much of the user's files a sandboxed server sees, besides the folders picked for it."""

    NONE = "none"
    OWN = "own"
    """Its own folder: the folder it shares (the built-in files server), its working folder, or
    a folder MCP Desk keeps for it."""
    SHARED_READ = "shared-read"
    SHARED_WRITE = "shared-write"
    HOME = "home"


class PickedFolder(BaseModel):
    """A folder the user gave a server, read-only unless `writable`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    path: str
    writable: bool = False

    @field_validator("path")
    @classmethod
    def _absolute(cls, path: str) -> str:
        if not Path(path).expanduser().is_absolute():
            raise ValueError(f"the folder “{path}” must be a full path, like /home/me/Documents")
        return str(Path(path).expanduser())


class Sandbox(BaseModel):
    """A server's sandbox. A server without one (`ServerConfig.sandbox` None) runs unsandboxed."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    files: FileAccess = FileAccess.OWN
    folders: tuple[PickedFolder, ...] = Field(default=(), max_length=32)
    network: bool = False


_FILES_WORDS = {
    FileAccess.NONE: "none of your files",
    FileAccess.OWN: "only its own folder",
    FileAccess.SHARED_READ: "your shared folder, read-only",
    FileAccess.SHARED_WRITE: "your shared folder, and it may change files there",
    FileAccess.HOME: "all of your home folder",
}


def sandbox_words(sandbox: Sandbox | None) -> str:
    """The sandbox in one or two plain sentences, for the trust question and the server's page."""
    if sandbox is None:
        return "Not sandboxed: it can read and change all your files and use the network."
    files = _FILES_WORDS[sandbox.files]
    if sandbox.folders:
        picked = ", ".join(f"{f.path}{'' if f.writable else ' (read-only)'}" for f in sandbox.folders)
        files = f"{files}, plus {picked}" if sandbox.files is not FileAccess.NONE else picked
    network = "It may use the network." if sandbox.network else "It may not use the network."
    return f"Sandboxed: it sees {files}. {network}"


def parse_files(values: list[str]) -> tuple[FileAccess, tuple[PickedFolder, ...]]:
    """`--files` values (`own`, `shared-read`, …, `PATH` or `PATH:rw`) as a level and picked folders.

    Folders alone mean nothing else is visible (`none`); at most one level may be given.
    """
    names = {access.value for access in FileAccess}
    levels = [FileAccess(value) for value in values if value in names]
    if len(levels) > 1:
        raise ValueError("--files takes one of none, own, shared-read, shared-write or home, plus folders")
    folders = [
        PickedFolder(path=value.removesuffix(":rw"), writable=value.endswith(":rw"))
        for value in values
        if value not in names
    ]
    return (levels[0] if levels else FileAccess.NONE), tuple(folders)
