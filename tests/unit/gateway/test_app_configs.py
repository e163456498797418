from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.gateway.app_configs import AppConfigs
from desktop.gateway.config_backups import BACKUP_MARK, ConfigBackups
from desktop.gateway.config_edit import JsonDocument
from desktop.gateway.control import GatewayProblem
from desktop.servers.import_formats import ImportSource, default_paths
from tests.fixtures.app_configs import TOKEN, FakeGateway, ImportingServers

pytestmark = pytest.mark.anyio

LAUNCH = ["/opt/mcp-desk/mcp-desk"]
SECRET = "ghp_canary5f0c9e2b71d4a8c3e6"

CLAUDE = {
    "mcpServers": {
        "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
        "github": {"command": "npx", "args": ["-y", "server-github"], "env": {"GITHUB_TOKEN": SECRET}},
        "broken": {"args": ["no command"]},
    },
    "globalShortcut": "Ctrl+Space",
}
VSCODE = """\
// my servers
{
  "servers": {
    "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}, // the web
  },
}
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def servers() -> ImportingServers:
    return ImportingServers()


@pytest.fixture
def apps(home: Path, tmp_path: Path, gateway: FakeGateway, servers: ImportingServers) -> AppConfigs:
    backups = ConfigBackups(tmp_path / "data" / "app-settings-backups")
    return AppConfigs(
        servers, gateway, backups, LAUNCH, lambda source: default_paths(source, home=home, environ={})
    )


def put(home: Path, source: ImportSource, content: str | dict[str, Any], index: int = 0) -> Path:
    path = default_paths(source, home=home, environ={})[index]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))
    return path


def test_found_lists_apps_with_settings_and_recognises_mcp_desk(home: Path, apps: AppConfigs) -> None:
    put(home, ImportSource.CLAUDE, CLAUDE)
    mine = {"command": "/elsewhere/mcp-desk", "args": ["connect", "--app", "cursor"]}
    put(
        home,
        ImportSource.CURSOR,
        {"mcpServers": {"desk (renamed)": mine, "linear": {"url": "https://x/mcp"}}},
    )
    put(home, ImportSource.WINDSURF, "{ not json")

    found = {app.app: app for app in apps.found()}

    assert list(found) == ["claude", "cursor", "windsurf"]
    assert found["claude"].servers == ("filesystem", "github", "broken") and not found["claude"].connected
    assert found["cursor"].servers == ("linear",) and found["cursor"].connected
    windsurf = found["windsurf"]
    assert windsurf.servers == () and windsurf.problem is not None
    assert windsurf.problem == "Windsurf's settings file is damaged, so MCP Desk won't change it."
    assert "is not valid JSON (line 1, column 3). Fix it in a text editor" in windsurf.problem_details


async def test_connect_previews_writes_with_a_backup_and_undo_puts_back_the_bytes(
    home: Path, tmp_path: Path, apps: AppConfigs, gateway: FakeGateway
) -> None:
    path = put(home, ImportSource.CLAUDE, CLAUDE)
    original = path.read_bytes()
    path.chmod(0o640)

    change = await apps.preview_connect("claude")

    assert path.read_bytes() == original, "a preview writes nothing"
    assert change.summary.startswith("Adds MCP Desk to Claude Desktop's servers")
    assert json.loads(change.after)["mcpServers"]["mcp-desk"] == {
        "command": "/opt/mcp-desk/mcp-desk",
        "args": ["connect", "--app", "claude"],
    }
    await apps.apply(change)

    after = json.loads(path.read_text())
    assert after["globalShortcut"] == "Ctrl+Space"
    assert {k: v for k, v in after["mcpServers"].items() if k != "mcp-desk"} == CLAUDE["mcpServers"]
    assert path.stat().st_mode & 0o777 == 0o640
    assert gateway.tokens == {"claude": TOKEN} and gateway.grants == {"claude": ()}
    beside = [p for p in path.parent.iterdir() if BACKUP_MARK in p.name]
    kept = list((tmp_path / "data" / "app-settings-backups" / "claude").glob(f"*{BACKUP_MARK}*"))
    assert [p.read_bytes() for p in beside + kept] == [original, original]
    assert apps.found()[0].connected

    await apps.undo("claude")

    assert path.read_bytes() == original
    with pytest.raises(GatewayProblem, match="nothing to undo"):
        await apps.undo("claude")


async def test_the_token_is_in_no_app_file(home: Path, apps: AppConfigs, gateway: FakeGateway) -> None:
    paths = [
        put(home, source, {"mcpServers": {}}) for source in ImportSource if source is not ImportSource.VSCODE
    ]
    paths.append(put(home, ImportSource.VSCODE, VSCODE))

    for app in apps.found():
        await apps.apply(await apps.preview_connect(app.app))

    assert set(gateway.tokens) == {source.value for source in ImportSource}
    for path in paths:
        text = path.read_text()
        assert "connect" in text and TOKEN not in text
        assert not any(word in text.lower() for word in ("token", "authorization", "bearer"))


async def test_vs_code_keeps_its_comments_and_gets_a_stdio_entry(home: Path, apps: AppConfigs) -> None:
    path = put(home, ImportSource.VSCODE, VSCODE)

    await apps.apply(await apps.preview_connect("vscode"))

    text = path.read_text()
    assert text.startswith("// my servers\n") and "// the web" in text
    disconnect = await apps.preview_disconnect("vscode")
    assert disconnect.summary == "Removes MCP Desk from VS Code's servers. VS Code keeps its other servers."
    await apps.apply(disconnect)
    assert path.read_text() == VSCODE


async def test_a_file_changed_since_the_preview_is_not_written(home: Path, apps: AppConfigs) -> None:
    path = put(home, ImportSource.CURSOR, {"mcpServers": {}})
    change = await apps.preview_connect("cursor")
    path.write_text('{"mcpServers": {"new": {"command": "x"}}}')

    with pytest.raises(GatewayProblem, match="changed since MCP Desk showed you this change"):
        await apps.apply(change)

    assert path.read_text() == '{"mcpServers": {"new": {"command": "x"}}}'


async def test_undo_refuses_when_the_app_changed_the_file_since(home: Path, apps: AppConfigs) -> None:
    path = put(home, ImportSource.CURSOR, {"mcpServers": {}})
    await apps.apply(await apps.preview_connect("cursor"))
    path.write_text(path.read_text() + "\n")

    with pytest.raises(GatewayProblem, match="Undo would lose those changes") as refused:
        await apps.undo("cursor")

    assert "app-settings-backups" in refused.value.message


@pytest.mark.parametrize(
    ("source", "content", "reason"),
    [
        (ImportSource.CLAUDE, '{"mcpServers": {}, // a comment\n}', "is not valid JSON (line 1, column 20)"),
        (
            ImportSource.CURSOR,
            '{"mcpServers": ["a"]}',
            "lists its MCP servers in a form MCP Desk can't change",
        ),
        (ImportSource.LMSTUDIO, "[1, 2]", "does not have the layout of a settings file"),
    ],
)
async def test_a_damaged_file_is_left_alone_with_a_sentence(
    home: Path, apps: AppConfigs, source: ImportSource, content: str, reason: str
) -> None:
    path = put(home, source, content)

    with pytest.raises(GatewayProblem) as refused:
        await apps.preview_connect(source.value)

    what = "is damaged" if "JSON" in reason else reason
    assert refused.value.message == f"{source.label}'s settings file {what}, so MCP Desk won't change it."
    assert (
        refused.value.details
        == f"{path} {reason}. Fix it in a text editor or in {source.label}, then try again."
    )
    assert path.read_text() == content
    found = apps.found()
    assert [(app.problem, app.problem_details) for app in found] == [
        (refused.value.message, refused.value.details)
    ]


async def test_moving_servers_imports_them_grants_them_and_takes_them_out(
    home: Path, apps: AppConfigs, servers: ImportingServers, gateway: FakeGateway
) -> None:
    path = put(home, ImportSource.CLAUDE, CLAUDE)
    original = path.read_bytes()

    change = await apps.preview_connect("claude", move_servers=True)

    assert change.moved == ("filesystem", "github")
    assert (
        "Moves filesystem and github from Claude Desktop into MCP Desk: Claude Desktop will stop running "
        "them itself. They'll work again in Claude Desktop once sharing is on and you've approved them in "
        "MCP Desk, after you restart Claude Desktop."
    ) in change.summary
    assert "go to your system's keychain" in change.summary
    assert "broken stays in Claude Desktop: MCP Desk can't run it." in change.summary
    assert await apps.apply(change) == ("filesystem", "github"), "their names in MCP Desk"

    left = json.loads(path.read_text())["mcpServers"]
    assert list(left) == ["broken", "mcp-desk"]
    assert set(servers.config.servers) == {"filesystem", "github"}
    assert gateway.grants == {"claude": ("filesystem", "github")}
    assert servers.keyring == {"GITHUB_TOKEN": SECRET}
    assert SECRET not in path.read_text() and SECRET not in servers.config.to_json()
    await apps.undo("claude")
    assert path.read_bytes() == original


async def test_the_backups_of_a_move_are_readable_by_the_user_alone(
    home: Path, apps: AppConfigs, tmp_path: Path
) -> None:
    """They hold the app's file as it was, keys moved to the keyring included, for a byte-for-byte Undo
    that works even once those keys are gone from the keyring."""
    path = put(home, ImportSource.CLAUDE, CLAUDE)
    path.chmod(0o644)
    original = path.read_bytes()
    await apps.apply(await apps.preview_connect("claude", move_servers=True))

    folder = tmp_path / "data" / "app-settings-backups" / "claude"
    backups = [p for p in path.parent.iterdir() if BACKUP_MARK in p.name] + list(
        folder.glob(f"*{BACKUP_MARK}*")
    )
    assert len(backups) == 2 and all(SECRET.encode() in p.read_bytes() for p in backups)
    assert [p.stat().st_mode & 0o777 for p in backups] == [0o600, 0o600]
    assert folder.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o644, "the app's own file keeps its permissions"
    await apps.undo("claude")
    assert path.read_bytes() == original and path.stat().st_mode & 0o777 == 0o644


async def test_servers_already_in_mcp_desk_are_not_moved_again(
    home: Path, apps: AppConfigs, servers: ImportingServers
) -> None:
    path = put(home, ImportSource.CLAUDE, CLAUDE)
    await apps.apply(await apps.preview_connect("claude", move_servers=True))
    await apps.undo("claude")

    [claude] = apps.found()
    again = await apps.preview_connect("claude", move_servers=True)

    assert claude.servers == ("filesystem", "github", "broken")
    assert claude.in_desk == ("filesystem", "github"), "github's token went to the keyring: still the same"
    assert again.moved == () and "Moves" not in again.summary
    assert json.loads(again.after)["mcpServers"].keys() == {"filesystem", "github", "broken", "mcp-desk"}
    assert path.exists()


async def test_an_unknown_app_or_one_not_on_this_computer_is_a_sentence(apps: AppConfigs) -> None:
    with pytest.raises(GatewayProblem, match="doesn't know an app called “notepad”"):
        await apps.preview_connect("notepad")
    with pytest.raises(GatewayProblem, match="Cursor's settings were not found on this computer"):
        await apps.preview_connect("cursor")


async def test_vs_code_settings_json_gets_the_entry_under_its_mcp_section(
    home: Path, apps: AppConfigs
) -> None:
    path = put(home, ImportSource.VSCODE, '{\n  "editor.fontSize": 14,\n  "mcp": {},\n}\n', index=1)

    await apps.apply(await apps.preview_connect("vscode"))

    data = JsonDocument.parse(path.read_text(), jsonc=True).data
    assert data["editor.fontSize"] == 14
    assert data["mcp"]["servers"]["mcp-desk"]["type"] == "stdio"


@pytest.mark.parametrize(
    ("source", "extra"),
    [
        (ImportSource.JAN, {"active": True}),
        (ImportSource.CLAUDE_CODE, {"type": "stdio"}),
        (ImportSource.CURSOR, {}),
    ],
)
async def test_each_app_gets_the_entry_in_its_own_shape(
    home: Path, apps: AppConfigs, source: ImportSource, extra: dict[str, object]
) -> None:
    path = put(home, source, {"mcpServers": {}, "numStartups": 3})

    await apps.apply(await apps.preview_connect(source.value))

    entry = json.loads(path.read_text())["mcpServers"]["mcp-desk"]
    assert entry == {"command": LAUNCH[0], "args": ["connect", "--app", source.value], **extra}


async def test_vs_code_without_servers_yet_gets_a_new_mcp_json_that_undo_removes(
    home: Path, apps: AppConfigs
) -> None:
    settings = put(home, ImportSource.VSCODE, '{"editor.fontSize": 14}', index=1)
    mcp_json = settings.with_name("mcp.json")

    found = apps.found()
    await apps.apply(await apps.preview_connect("vscode"))

    assert [(app.label, app.config_path, app.connected) for app in found] == [("VS Code", mcp_json, False)]
    assert json.loads(mcp_json.read_text())["servers"]["mcp-desk"]["type"] == "stdio"
    assert settings.read_text() == '{"editor.fontSize": 14}'
    assert not list(settings.parent.glob(f"*{BACKUP_MARK}*")), "there was no file to back up"
    await apps.undo("vscode")
    assert not mcp_json.exists()


async def test_an_app_installed_without_servers_yet_gets_its_file_made(home: Path, apps: AppConfigs) -> None:
    config = default_paths(ImportSource.CLAUDE, home=home, environ={})[0]
    config.parent.mkdir(parents=True)
    home.joinpath(".claude").mkdir()  # Claude Code's folder, but not its file: not known to be there

    found = apps.found()
    await apps.apply(await apps.preview_connect("claude"))

    assert [(app.app, app.config_path, app.servers) for app in found] == [("claude", config, ())]
    assert list(json.loads(config.read_text())["mcpServers"]) == ["mcp-desk"]
    await apps.undo("claude")
    assert not config.exists()


async def test_connecting_an_app_already_connected_changes_nothing(home: Path, apps: AppConfigs) -> None:
    entry = '{"args": ["connect", "--app", "cursor"], "command": "/opt/mcp-desk/mcp-desk"}'
    mine = '{"mcpServers": {"mcp-desk": ' + entry + "}}"
    put(home, ImportSource.CURSOR, mine)

    change = await apps.preview_connect("cursor")

    assert change.after == change.before == mine
    assert change.summary == "MCP Desk is already among Cursor's servers, so there is nothing to change."
