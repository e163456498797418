"""What a person calls a tool: the server's title, else its name made readable, in MCP Desk's words."""

from __future__ import annotations

import pytest

from desktop.core.events import ToolInfo
from desktop.core.tool_label import humanised, label_of, tool_label


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("read_file", "Read file"),
        ("list-directory", "List folder"),
        ("listDirectories", "List folders"),
        ("getURL", "Get URL"),
        ("LIST_DIRECTORY", "List folder"),
        ("___", "___"),
    ],
)
def test_a_name_reads_as_words_and_a_directory_is_a_folder(name: str, label: str) -> None:
    assert humanised(name) == label


def test_the_servers_own_title_is_kept_as_it_wrote_it() -> None:
    tool = ToolInfo("files", "list_directory", "", title="List  a directory")
    assert tool_label(tool) == "List a directory"
    assert tool_label(ToolInfo("files", "list_directory", "")) == "List folder"
    assert label_of("files__list_directory") == "List folder"
