"""A server's sandbox as settings: its words, the command line's --files, and the launch hash."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from desktop.core.config import ServerConfig
from desktop.core.sandbox_policy import FileAccess, PickedFolder, Sandbox, parse_files, sandbox_words


def test_files_values_give_a_level_and_picked_folders() -> None:
    assert parse_files(["own"]) == (FileAccess.OWN, ())
    assert parse_files(["shared-read", "/data/in", "/data/out:rw"]) == (
        FileAccess.SHARED_READ,
        (PickedFolder(path="/data/in"), PickedFolder(path="/data/out", writable=True)),
    )
    assert parse_files(["/data"]) == (FileAccess.NONE, (PickedFolder(path="/data"),))


def test_two_levels_or_a_relative_folder_are_refused() -> None:
    with pytest.raises(ValueError, match="one of none"):
        parse_files(["own", "home"])
    with pytest.raises(ValidationError, match="must be a full path"):
        parse_files(["photos"])


def test_words_say_what_it_sees_and_whether_it_has_the_network() -> None:
    assert sandbox_words(None).startswith("Not sandboxed")
    assert sandbox_words(Sandbox()) == "Sandboxed: it sees only its own folder. It may not use the network."
    picked = Sandbox(files=FileAccess.NONE, folders=(PickedFolder(path="/data"),), network=True)
    assert sandbox_words(picked) == "Sandboxed: it sees /data (read-only). It may use the network."


def test_a_sandbox_change_asks_again_but_no_sandbox_keeps_an_old_approval() -> None:
    plain = ServerConfig(command="node", args=["server.js"])
    approved = plain.model_copy(update={"trusted_launch": plain.launch_hash()})
    assert approved.is_trusted
    assert not approved.model_copy(update={"sandbox": Sandbox()}).is_trusted
    boxed = plain.model_copy(update={"sandbox": Sandbox()})
    assert boxed.launch_hash() != boxed.model_copy(update={"sandbox": Sandbox(network=True)}).launch_hash()


def test_a_remote_server_has_no_sandbox() -> None:
    with pytest.raises(ValidationError, match="only for a program on this computer"):
        ServerConfig(url="https://example.com/mcp", sandbox=Sandbox())
