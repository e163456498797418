from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.config import AppConfig, ServerConfig
from desktop.servers.importers import (
    ImportSource,
    apply_plan,
    default_paths,
    find_installed,
    read_plan,
    strip_jsonc,
)

CLAUDE_CONFIG: dict[str, Any] = {
    "mcpServers": {
        "filesystem": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/ada/Desktop"],
        },
        "github": {
            "command": "docker",
            "args": [
                "run",
                "-i",
                "--rm",
                "-e",
                "GITHUB_PERSONAL_ACCESS_TOKEN",
                "ghcr.io/github/github-mcp-server",
            ],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_example"},
        },
    },
    "globalShortcut": "",
}

CURSOR_CONFIG: dict[str, Any] = {
    "mcpServers": {
        "linear": {"url": "https://mcp.linear.app/mcp", "headers": {"Authorization": "Bearer x"}},
        "legacy": {"type": "sse", "url": "http://localhost:8000/sse"},
        "sqlite": {
            "command": "uvx",
            "args": ["mcp-server-sqlite", "--db-path", "${workspaceFolder}/db.sqlite"],
        },
        "off": {"command": "uvx", "args": ["mcp-server-time"], "disabled": True},
    }
}

VSCODE_MCP_JSON = """\
// VS Code user MCP configuration
{
  "inputs": [
    {
      "type": "promptString",
      "id": "perplexity-key",
      "description": "Perplexity API Key",
      "password": true, // hidden while typing
    },
  ],
  "servers": {
    /* a server that needs a key */
    "Perplexity": {
      "type": "stdio",
      "command": "npx",
      "args": ["-y", "server-perplexity-ask"],
      "env": {"PERPLEXITY_API_KEY": "${input:perplexity-key}"},
      "envFile": "${workspaceFolder}/.env",
    },
    "docs": {
      "type": "http",
      "url": "https://example.com/mcp", // the URL keeps its //
      "headers": {"Authorization": "Bearer ${input:docs-token}"},
    },
  },
}
"""

VSCODE_SETTINGS_JSON = """\
{
  "editor.fontSize": 14,
  "files.exclude": {"**/.git": true, /* glob with a star */ "**/*.pyc": true,},
  "mcp": {
    "servers": {
      "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
    },
  },
}
"""


JAN_CONFIG: dict[str, Any] = {
    "mcpServers": {
        "exa": {
            "type": "http",
            "url": "https://mcp.exa.ai/mcp",
            "command": "",
            "args": [],
            "env": {},
            "active": True,
        },
        "fetch": {"command": "uvx", "args": ["mcp-server-fetch"], "env": {}, "active": False},
    },
    "mcpSettings": {"toolCallTimeoutSeconds": 30},
}

WINDSURF_CONFIG: dict[str, Any] = {
    "mcpServers": {
        "figma": {"serverUrl": "https://example.com/figma/mcp", "headers": {"Authorization": "Bearer x"}},
        "github": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GITHUB_TOKEN}"},
        },
    }
}

CLAUDE_CODE_CONFIG: dict[str, Any] = {
    "numStartups": 34,
    "projects": {"/home/ada/site": {"mcpServers": {"project-only": {"command": "node", "args": ["x.js"]}}}},
    "mcpServers": {
        "time": {"type": "stdio", "command": "uvx", "args": ["mcp-server-time"], "env": {}},
        "notion": {"type": "http", "url": "https://mcp.notion.com/mcp"},
    },
}


def write(tmp_path: Path, name: str, content: str | bytes | dict[str, Any]) -> Path:
    path = tmp_path / name
    if isinstance(content, dict):
        content = json.dumps(content, indent=2)
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def app_with(**servers: ServerConfig) -> AppConfig:
    return AppConfig.model_validate({"mcpServers": servers})


def by_name(plan_entries: Any) -> dict[str, Any]:
    return {entry.original_name: entry for entry in plan_entries}


def test_claude_desktop_servers_are_added_untrusted(tmp_path: Path) -> None:
    path = write(tmp_path, "claude_desktop_config.json", CLAUDE_CONFIG)

    plan = read_plan(ImportSource.CLAUDE, path, AppConfig())

    assert plan.problem is None
    entries = by_name(plan.entries)
    assert [entries[n].action for n in ("filesystem", "github")] == ["add", "add"]
    github = entries["github"].config
    assert github.command == "docker"
    assert github.env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_example"}
    assert github.trusted_launch is None
    assert not github.is_trusted


def test_cursor_remote_sse_variables_and_disabled(tmp_path: Path) -> None:
    path = write(tmp_path, "mcp.json", CURSOR_CONFIG)

    entries = by_name(read_plan(ImportSource.CURSOR, path, AppConfig()).entries)

    linear = entries["linear"]
    assert linear.config.url == "https://mcp.linear.app/mcp"
    assert linear.config.headers == {"Authorization": "Bearer x"}
    assert linear.notes == ()
    assert any("older SSE transport" in note for note in entries["legacy"].notes)
    sqlite = entries["sqlite"]
    assert sqlite.config.args[-1] == "${workspaceFolder}/db.sqlite"
    assert any("${workspaceFolder}" in note for note in sqlite.notes)
    assert entries["off"].config.enabled is False
    assert entries["off"].action == "add"


def test_vscode_mcp_json_inputs_become_secret_references(tmp_path: Path) -> None:
    path = write(tmp_path, "mcp.json", VSCODE_MCP_JSON)

    plan = read_plan(ImportSource.VSCODE, path, AppConfig())

    assert plan.problem is None
    entries = by_name(plan.entries)
    perplexity = entries["Perplexity"]
    assert perplexity.action == "add"
    assert perplexity.config.env == {"PERPLEXITY_API_KEY": "${secret:perplexity-key}"}
    assert perplexity.secrets_needed == ("perplexity-key",)
    assert any("Perplexity API Key" in note for note in perplexity.notes)
    assert any("envFile" in note for note in perplexity.notes)
    docs = entries["docs"]
    assert docs.config.url == "https://example.com/mcp"
    assert docs.config.headers == {"Authorization": "Bearer ${secret:docs-token}"}
    assert docs.secrets_needed == ("docs-token",)


def test_vscode_settings_json_reads_the_mcp_section(tmp_path: Path) -> None:
    path = write(tmp_path, "settings.json", VSCODE_SETTINGS_JSON)

    plan = read_plan(ImportSource.VSCODE, path, AppConfig())

    assert plan.problem is None
    assert [(e.name, e.action) for e in plan.entries] == [("fetch", "add")]
    assert plan.entries[0].config is not None
    assert plan.entries[0].config.args == ["mcp-server-fetch"]


def test_lm_studio_uses_the_cursor_shape(tmp_path: Path) -> None:
    path = write(
        tmp_path, "mcp.json", {"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}}}
    )

    plan = read_plan(ImportSource.LMSTUDIO, path, AppConfig())

    assert [(e.name, e.action) for e in plan.entries] == [("time", "add")]


def test_jan_reads_active_and_an_empty_command_beside_a_url(tmp_path: Path) -> None:
    path = write(tmp_path, "mcp_config.json", JAN_CONFIG)

    entries = by_name(read_plan(ImportSource.JAN, path, AppConfig()).entries)

    assert entries["exa"].config.url == "https://mcp.exa.ai/mcp"
    assert entries["exa"].config.command is None
    assert entries["exa"].config.enabled is True
    assert entries["fetch"].config.enabled is False
    assert any("turned off in Jan" in note for note in entries["fetch"].notes)


def test_windsurf_server_url_and_its_variables(tmp_path: Path) -> None:
    path = write(tmp_path, "mcp_config.json", WINDSURF_CONFIG)

    entries = by_name(read_plan(ImportSource.WINDSURF, path, AppConfig()).entries)

    assert entries["figma"].config.url == "https://example.com/figma/mcp"
    assert entries["figma"].config.headers == {"Authorization": "Bearer x"}
    assert any("${env:GITHUB_TOKEN}" in note and "Windsurf" in note for note in entries["github"].notes)


def test_claude_code_reads_only_the_user_wide_servers(tmp_path: Path) -> None:
    path = write(tmp_path, ".claude.json", CLAUDE_CODE_CONFIG)

    plan = read_plan(ImportSource.CLAUDE_CODE, path, AppConfig())

    assert [(e.name, e.action) for e in plan.entries] == [("time", "add"), ("notion", "add")]
    assert by_name(plan.entries)["notion"].config.url == "https://mcp.notion.com/mcp"


def test_clash_with_a_different_server_renames(tmp_path: Path) -> None:
    path = write(tmp_path, "c.json", CLAUDE_CONFIG)
    existing = app_with(github=ServerConfig(command="gh-mcp"))

    entry = by_name(read_plan(ImportSource.CLAUDE, path, existing).entries)["github"]

    assert (entry.action, entry.name) == ("rename", "github-2")
    assert any("github-2" in note for note in entry.notes)


def test_identical_server_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "c.json", CLAUDE_CONFIG)
    same = ServerConfig.model_validate(CLAUDE_CONFIG["mcpServers"]["filesystem"])
    existing = app_with(filesystem=same)

    entry = by_name(read_plan(ImportSource.CLAUDE, path, existing).entries)["filesystem"]

    assert entry.action == "skip"
    assert any("already in MCP Desk" in note for note in entry.notes)


def test_unusable_names_are_sanitized_without_clashing(tmp_path: Path) -> None:
    servers = {"my server": {"command": "a"}, "my-server": {"command": "b"}, "x__y": {"command": "c"}}
    path = write(tmp_path, "c.json", {"mcpServers": servers})

    plan = read_plan(ImportSource.CURSOR, path, AppConfig())

    assert [(e.name, e.action) for e in plan.entries] == [
        ("my-server", "rename"),
        ("my-server-2", "rename"),
        ("x_y", "rename"),
    ]
    _, added = apply_plan(plan, AppConfig(), move_secrets=False)
    assert added == ["my-server", "my-server-2", "x_y"]


def test_a_bad_entry_is_skipped_and_the_rest_import(tmp_path: Path) -> None:
    servers = {
        "good": {"command": "uvx", "args": ["mcp-server-time", 8080]},
        "no-launch": {"args": ["x"]},
        "not-object": ["npx", "thing"],
        "bad-env": {"command": "x", "env": {"A": {"nested": 1}}},
        "bad-args": {"command": "x", "args": "--flag"},
        "websocket": {"type": "ws", "url": "ws://localhost"},
    }
    path = write(tmp_path, "c.json", {"mcpServers": servers})

    entries = by_name(read_plan(ImportSource.CURSOR, path, AppConfig()).entries)

    assert entries["good"].action == "add"
    assert entries["good"].config.args == ["mcp-server-time", "8080"]
    for name in ("no-launch", "not-object", "bad-env", "bad-args", "websocket"):
        assert entries[name].action == "skip", name
        assert entries[name].config is None
        assert entries[name].notes and entries[name].notes[0].endswith("."), name
    assert "command to run or a URL" in entries["no-launch"].notes[0]


def test_trust_from_the_file_is_ignored(tmp_path: Path) -> None:
    entry = {"command": "evil", "trusted_launch": "anything", "init_timeout": 1}
    path = write(tmp_path, "c.json", {"mcpServers": {"s": entry}})

    plan = read_plan(ImportSource.CURSOR, path, AppConfig())
    config, _ = apply_plan(plan, AppConfig(), move_secrets=False)

    assert config.servers["s"].trusted_launch is None
    assert config.servers["s"].init_timeout == ServerConfig(command="x").init_timeout


def test_apply_plan_returns_a_new_config(tmp_path: Path) -> None:
    path = write(tmp_path, "c.json", CLAUDE_CONFIG)
    original = app_with(github=ServerConfig(command="gh-mcp"))
    plan = read_plan(ImportSource.CLAUDE, path, original)

    updated, added = apply_plan(plan, original, move_secrets=False)

    assert added == ["filesystem", "github-2"]
    assert set(original.servers) == {"github"}
    assert set(updated.servers) == {"github", "filesystem", "github-2"}
    assert updated.servers["github"].command == "gh-mcp"
    AppConfig.model_validate_json(updated.to_json())


def test_apply_plan_renames_when_config_changed_since_preview(tmp_path: Path) -> None:
    path = write(tmp_path, "c.json", {"mcpServers": {"time": {"command": "uvx"}}})
    plan = read_plan(ImportSource.CURSOR, path, AppConfig())

    updated, added = apply_plan(plan, app_with(time=ServerConfig(command="other")), move_secrets=False)

    assert added == ["time-2"]
    assert updated.servers["time"].command == "other"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{\n  "mcpServers": {\n    "a": {"command": "x"}\n  ,,\n}', "is not valid JSON (line 4, column 4)"),
        ("[1, 2]", "does not have the layout MCP Desk expects"),
        ("", "is empty"),
        ("  // only a comment\n", "is empty"),
        (b"\xff\xfe\x00\xd8\xff{", "is not a text file"),
        (b'{"mcpServers": {"a": {"command": "caf\xe9"}}}', "is not a text file"),
        ('{"mcpServers": []}', "lists its MCP servers in a form MCP Desk can't read"),
        ('{"mcpServers": {}}', "does not list any MCP servers"),
        ('{"theme": "dark"}', "does not list any MCP servers"),
        ("[" * 100_000, "is not valid JSON"),
    ],
)
def test_unreadable_files_give_a_plain_problem(tmp_path: Path, content: str | bytes, expected: str) -> None:
    path = write(tmp_path, "mcp.json", content)

    plan = read_plan(ImportSource.CURSOR, path, AppConfig())

    assert plan.entries == ()
    assert plan.problem is not None
    assert plan.problem.startswith(f"The Cursor settings file at {path}")
    assert expected in plan.problem


def test_invalid_json_message_is_the_documented_sentence(tmp_path: Path) -> None:
    path = write(tmp_path, "mcp.json", '{\n  "mcpServers": {\n    "a": {"command": "x"}\n }}}')

    problem = read_plan(ImportSource.CURSOR, path, AppConfig()).problem

    assert problem == (
        f"The Cursor settings file at {path} is not valid JSON (line 4, column 4). "
        "Open it in a text editor and fix it, or choose another file."
    )


def test_missing_file_and_folder(tmp_path: Path) -> None:
    missing = read_plan(ImportSource.CLAUDE, tmp_path / "nope.json", AppConfig())
    folder = read_plan(ImportSource.CLAUDE, tmp_path, AppConfig())

    assert missing.problem is not None and "does not exist" in missing.problem
    assert folder.problem is not None and "could not be opened" in folder.problem


def test_utf8_bom_and_utf16_files_are_read(tmp_path: Path) -> None:
    text = json.dumps({"mcpServers": {"a": {"command": "x"}}})
    bom = write(tmp_path, "bom.json", b"\xef\xbb\xbf" + text.encode())
    utf16 = write(tmp_path, "utf16.json", text.encode("utf-16"))

    for path in (bom, utf16):
        plan = read_plan(ImportSource.VSCODE, path, AppConfig())
        assert plan.problem is None
        assert [e.name for e in plan.entries] == ["a"]


def test_strip_jsonc_keeps_strings_and_positions() -> None:
    text = (
        '{\n  "a": "https://x", // note\n  "b": "/* not a comment */",\n'
        '  "c": "quote \\" // still string",\n  "d": [1, 2,],\n}'
    )

    stripped = strip_jsonc(text)

    assert json.loads(stripped) == {
        "a": "https://x",
        "b": "/* not a comment */",
        "c": 'quote " // still string',
        "d": [1, 2],
    }
    assert [len(line) for line in stripped.splitlines()] == [len(line) for line in text.splitlines()]


def test_strip_jsonc_block_comment_keeps_line_numbers() -> None:
    text = '{\n/* one\n two */ "a": 1,\n "b": }'

    with pytest.raises(json.JSONDecodeError) as error:
        json.loads(strip_jsonc(text))

    assert (error.value.lineno, error.value.colno) == (4, 7)


def test_strip_jsonc_leaves_comma_between_values_and_inside_strings() -> None:
    assert json.loads(strip_jsonc('{"a": ",]", "b": [",}"]}')) == {"a": ",]", "b": [",}"]}
    assert json.loads(strip_jsonc("[1, /* c */ 2 // x\n, 3]")) == [1, 2, 3]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


@given(json_values, st.booleans(), st.sampled_from([None, 2]))
def test_strip_jsonc_does_not_change_json(value: object, ascii_only: bool, indent: int | None) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)

    assert json.loads(strip_jsonc(text)) == value


HOME = Path("/home/ada")


@pytest.mark.parametrize(
    ("platform", "environ", "claude", "vscode_first"),
    [
        (
            "darwin",
            {},
            HOME / "Library/Application Support/Claude/claude_desktop_config.json",
            HOME / "Library/Application Support/Code/User/mcp.json",
        ),
        (
            "win32",
            {"APPDATA": "/win/Roaming"},
            Path("/win/Roaming/Claude/claude_desktop_config.json"),
            Path("/win/Roaming/Code/User/mcp.json"),
        ),
        (
            "win32",
            {},
            HOME / "AppData/Roaming/Claude/claude_desktop_config.json",
            HOME / "AppData/Roaming/Code/User/mcp.json",
        ),
        (
            "linux",
            {},
            HOME / ".config/Claude/claude_desktop_config.json",
            HOME / ".config/Code/User/mcp.json",
        ),
        (
            "linux",
            {"XDG_CONFIG_HOME": "/xdg"},
            Path("/xdg/Claude/claude_desktop_config.json"),
            Path("/xdg/Code/User/mcp.json"),
        ),
        (
            "linux",
            {"XDG_CONFIG_HOME": "relative/ignored"},
            HOME / ".config/Claude/claude_desktop_config.json",
            HOME / ".config/Code/User/mcp.json",
        ),
    ],
)
def test_default_paths(platform: str, environ: dict[str, str], claude: Path, vscode_first: Path) -> None:
    def paths(source: ImportSource) -> list[Path]:
        return default_paths(source, platform=platform, home=HOME, environ=environ)

    assert paths(ImportSource.CLAUDE) == [claude]
    vscode = paths(ImportSource.VSCODE)
    assert vscode[0] == vscode_first
    assert vscode[1] == vscode_first.with_name("settings.json")
    assert vscode_first.parent.parent.with_name("Code - Insiders") / "User" / "mcp.json" in vscode
    assert paths(ImportSource.CURSOR) == [HOME / ".cursor" / "mcp.json"]
    assert paths(ImportSource.LMSTUDIO) == [HOME / ".lmstudio" / "mcp.json"]
    assert paths(ImportSource.WINDSURF) == [HOME / ".codeium" / "windsurf" / "mcp_config.json"]
    assert paths(ImportSource.CLAUDE_CODE) == [HOME / ".claude.json"]


@pytest.mark.parametrize(
    ("platform", "environ", "jan"),
    [
        ("darwin", {}, HOME / "Library/Application Support/Jan/data/mcp_config.json"),
        ("win32", {"APPDATA": "/win/Roaming"}, Path("/win/Roaming/Jan/data/mcp_config.json")),
        ("linux", {}, HOME / ".local/share/Jan/data/mcp_config.json"),
        ("linux", {"XDG_DATA_HOME": "/xdg-data"}, Path("/xdg-data/Jan/data/mcp_config.json")),
    ],
)
def test_jan_keeps_its_servers_in_its_data_folder(platform: str, environ: dict[str, str], jan: Path) -> None:
    assert default_paths(ImportSource.JAN, platform=platform, home=HOME, environ=environ) == [jan]


def test_jan_data_folder_moved_by_the_user_comes_first(tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    settings = tmp_path / ".local/share/jan.ai.app/settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"data_folder": str(moved)}))

    paths = default_paths(ImportSource.JAN, platform="linux", home=tmp_path, environ={})

    assert paths == [moved / "mcp_config.json", tmp_path / ".local/share/Jan/data/mcp_config.json"]


def test_find_installed_lists_existing_files(tmp_path: Path) -> None:
    cursor = tmp_path / ".cursor" / "mcp.json"
    settings = tmp_path / ".config" / "Code - Insiders" / "User" / "settings.json"
    for path in (cursor, settings):
        path.parent.mkdir(parents=True)
        path.write_text("{}")
    (tmp_path / ".lmstudio" / "mcp.json").mkdir(parents=True)

    found = find_installed(platform="linux", home=tmp_path, environ={})

    assert found == [(ImportSource.CURSOR, cursor), (ImportSource.VSCODE, settings)]


def test_source_labels() -> None:
    assert [s.label for s in ImportSource] == [
        "Claude Desktop",
        "Cursor",
        "VS Code",
        "LM Studio",
        "Jan",
        "Windsurf",
        "Claude Code",
    ]
