"""Reading and changing the built-in files server's folder in its command line, whatever starts it."""

from __future__ import annotations

from pathlib import Path

from desktop.core.config import ServerConfig
from desktop.servers.folder_share import FolderShare, folder_share, sharing


def test_the_folder_and_write_access_are_read_from_the_arguments() -> None:
    source = ServerConfig(command="python", args=["-m", "desktop.builtin_servers.files", "--root", "/a b"])
    frozen = ServerConfig(
        command="/opt/mcp-desk", args=["--run-server", "files", "--root", "/c", "--allow-write"]
    )
    assert folder_share(source) == FolderShare(Path("/a b"), writable=False)
    assert folder_share(frozen) == FolderShare(Path("/c"), writable=True)


def test_a_server_without_a_folder_is_not_a_files_server() -> None:
    assert folder_share(ServerConfig(command="uvx", args=["mcp-server-time"])) is None
    assert folder_share(ServerConfig(command="python", args=["files.py", "--root"])) is None


def test_sharing_changes_only_the_folder_and_the_write_flag() -> None:
    config = ServerConfig(
        command="python", args=["-m", "files", "--root", "/old", "--allow-write"], env={"A": "1"}
    )
    changed = sharing(config, FolderShare(Path("/new"), writable=False))
    assert changed.args == ["-m", "files", "--root", "/new"] and changed.env == {"A": "1"}
    assert sharing(changed, FolderShare(Path("/new"), writable=True)).args[-1] == "--allow-write"
    assert sharing(ServerConfig(command="files"), FolderShare(Path("/x"), writable=False)).args == [
        "--root",
        "/x",
    ]
