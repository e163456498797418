from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.gateway.config_edit import EditRefused, JsonDocument
from desktop.servers.import_formats import strip_jsonc

ENTRY = {"command": "/opt/mcp-desk/mcp-desk", "args": ["connect", "--app", "cursor"]}

CLAUDE = """\
{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/ada/Desktop"]
    }
  },
  "globalShortcut": ""
}
"""

VSCODE = """\
// VS Code user MCP configuration
{
  "inputs": [{"id": "key", "type": "promptString", "password": true,},],
  "servers": {
    /* a server that needs a key */
    "Perplexity": {"command": "npx", "env": {"KEY": "${input:key}"}}, // asks for the key
    "docs": {"type": "http", "url": "https://example.com/mcp"},
  },
}
"""


def added_then_removed(text: str, path: list[str], jsonc: bool = False) -> tuple[str, str]:
    document = JsonDocument.parse(text, jsonc)
    added = document.with_entry(path, "mcp-desk", ENTRY)
    return added.text, added.without_entries(path, ["mcp-desk"]).text


def test_an_entry_goes_after_the_last_in_the_files_own_indentation() -> None:
    after, undone = added_then_removed(CLAUDE, ["mcpServers"])

    assert after == CLAUDE.replace(
        '    }\n  },\n  "globalShortcut"',
        '    },\n    "mcp-desk": {\n      "command": "/opt/mcp-desk/mcp-desk",\n      "args": [\n'
        '        "connect",\n        "--app",\n        "cursor"\n      ]\n    }\n  },\n  "globalShortcut"',
    )
    assert undone == CLAUDE


def test_comments_and_trailing_commas_stay_where_vs_code_allows_them() -> None:
    after, undone = added_then_removed(VSCODE, ["servers"], jsonc=True)

    for line in VSCODE.splitlines():
        assert line in after.splitlines()
    assert JsonDocument.parse(after, True).data["servers"]["mcp-desk"] == ENTRY
    assert undone == VSCODE


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"mcpServers": {"a": {"command": "x"}}, "other": 1}', ["mcpServers"]),
        ('{\r\n  "mcpServers": {\r\n    "a": {"command": "x"}\r\n  }\r\n}\r\n', ["mcpServers"]),
        ('{\n\t"mcpServers": {}\n}\n', ["mcpServers"]),
        (
            '{\n    "editor.fontSize": 14,\n    "mcp": {"servers": {"f": {"command": "uvx"}}}\n}',
            ["mcp", "servers"],
        ),
    ],
)
def test_adding_then_removing_gives_back_the_same_bytes(text: str, path: list[str]) -> None:
    after, undone = added_then_removed(text, path)

    assert "\r\n" not in text or "\n" not in after.replace("\r\n", "")
    assert undone == text


def test_a_missing_section_is_added_in_the_files_indentation() -> None:
    document = JsonDocument.parse('{\n    "theme": "dark"\n}\n', jsonc=False)

    after = document.with_entry(["mcpServers"], "mcp-desk", ENTRY).text

    assert after.startswith('{\n    "theme": "dark",\n    "mcpServers": {\n        "mcp-desk": {\n')
    assert json.loads(after) == {"theme": "dark", "mcpServers": {"mcp-desk": ENTRY}}


def test_an_empty_file_gets_just_the_entry() -> None:
    after = JsonDocument.parse("", jsonc=False).with_entry(["mcpServers"], "mcp-desk", ENTRY).text

    assert json.loads(after) == {"mcpServers": {"mcp-desk": ENTRY}}


def test_an_existing_entry_is_replaced_not_doubled() -> None:
    document = JsonDocument.parse(CLAUDE, jsonc=False).with_entry(
        ["mcpServers"], "mcp-desk", {"command": "old"}
    )

    after = document.with_entry(["mcpServers"], "mcp-desk", ENTRY).text

    assert after.count('"mcp-desk"') == 1
    assert json.loads(after)["mcpServers"]["mcp-desk"] == ENTRY


@pytest.mark.parametrize("gone", ["Perplexity", "docs"])
def test_removing_one_server_leaves_the_others_and_the_comments(gone: str) -> None:
    after = JsonDocument.parse(VSCODE, jsonc=True).without_entries(["servers"], [gone])

    assert list(after.data["servers"]) == [name for name in ("Perplexity", "docs") if name != gone]
    assert "// VS Code user MCP configuration" in after.text
    assert "/* a server that needs a key */" in after.text
    assert after.data["inputs"] == JsonDocument.parse(VSCODE, jsonc=True).data["inputs"]


def test_removing_every_server_leaves_an_empty_list() -> None:
    after = JsonDocument.parse(CLAUDE, jsonc=False).without_entries(["mcpServers"], ["filesystem"])

    assert after.text == '{\n  "mcpServers": {},\n  "globalShortcut": ""\n}\n'


def test_servers_that_are_not_a_list_of_names_are_refused() -> None:
    with pytest.raises(EditRefused, match="can't change"):
        JsonDocument.parse('{"mcpServers": []}', jsonc=False).with_entry(["mcpServers"], "mcp-desk", ENTRY)


names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=8)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(names, children, max_size=3),
    max_leaves=8,
)


@given(
    st.dictionaries(names.filter(lambda n: n != "mcp-desk"), values, max_size=4),
    st.dictionaries(names.filter(lambda n: n != "mcpServers"), values, max_size=3),
    st.sampled_from([None, 2, 4, "\t"]),
)
def test_any_file_keeps_every_other_byte(
    servers: dict[str, Any], others: dict[str, Any], indent: Any
) -> None:
    text = json.dumps({**others, "mcpServers": servers}, indent=indent, ensure_ascii=False)

    after, undone = added_then_removed(text, ["mcpServers"])

    assert json.loads(after) == {**others, "mcpServers": {**servers, "mcp-desk": ENTRY}}
    assert undone == text


COMMENTS = ["// a note\n", "/* a note */", "/* two\nlines */", "\n", "\t"]


def with_comments(text: str, rng: random.Random) -> str:
    """`text` with comments and blank space after some of its `{ [ , :` and before some `} ]`."""
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if not in_string and char in "}]" and rng.random() < 0.2:
            out.append(rng.choice(COMMENTS))
        out.append(char)
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "{[,:" and rng.random() < 0.25:
            out.append(rng.choice(COMMENTS))
    return "".join(out)


def comments(text: str) -> list[str]:
    """The comments in `text`: what JSONC-stripping blanks out, read back from the original."""
    kept = (c if c != s or c == "\n" else " " for c, s in zip(text, strip_jsonc(text), strict=True))
    return sorted(re.findall(r"//[^\n]*|/\*.*?\*/", "".join(kept), re.DOTALL))


@given(st.integers(0, 3), st.sampled_from([None, 2, "\t"]), st.integers(0, 2**32))
def test_vs_code_comments_survive_connecting_and_disconnecting(count: int, indent: Any, seed: int) -> None:
    servers = {f"server{i}": {"command": "npx"} for i in range(count)}
    text = with_comments(json.dumps({"inputs": [], "servers": servers}, indent=indent), random.Random(seed))

    connected = JsonDocument.parse(text, jsonc=True).with_entry(["servers"], "mcp-desk", ENTRY)
    disconnected = connected.without_entries(["servers"], ["mcp-desk"])

    assert connected.data == {"inputs": [], "servers": {**servers, "mcp-desk": ENTRY}}
    assert comments(connected.text) == comments(text) == comments(disconnected.text)
    assert disconnected.data == JsonDocument.parse(text, jsonc=True).data
