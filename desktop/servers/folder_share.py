"""Which folder the built-in files server shares, and whether it may change files there.

Both live in the server's command line (`--root DIR [--allow-write]`), whatever starts it
(Python from source, or the frozen app with a flag), so only those arguments are read and changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.core.config import ServerConfig

FILES_SERVER = "files"
"""The name the built-in files server has in a new user's settings."""
ROOT_FLAG = "--root"
WRITE_FLAG = "--allow-write"


@dataclass(frozen=True)
class FolderShare:
    folder: Path
    writable: bool


def folder_share(config: ServerConfig) -> FolderShare | None:
    """What `config` shares, or None when it is not a files server with a `--root`."""
    args = config.args
    if ROOT_FLAG not in args[:-1]:
        return None
    return FolderShare(Path(args[args.index(ROOT_FLAG) + 1]), WRITE_FLAG in args)


def sharing(config: ServerConfig, shared: FolderShare) -> ServerConfig:
    """`config` sharing `shared.folder`, with the write tools offered only when `shared.writable`."""
    args = [arg for arg in config.args if arg != WRITE_FLAG]
    if ROOT_FLAG in args[:-1]:
        args[args.index(ROOT_FLAG) + 1] = str(shared.folder)
    else:
        args += [ROOT_FLAG, str(shared.folder)]
    if shared.writable:
        args.append(WRITE_FLAG)
    return config.model_copy(update={"args": args})
