"""Each AI app's settings file as MCP Desk writes it: where the servers are, and MCP Desk's entry.

The entry starts `mcp-desk connect --app ID` (the stdio bridge), which fetches the app's token
from the keyring itself: no token, key or password is ever written into another app's file.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop.gateway.config_edit import EditRefused, JsonDocument
from desktop.servers.import_formats import MAX_FILE_BYTES, ImportSource

ENTRY_NAME = "mcp-desk"
"""The name MCP Desk's entry has among the app's servers."""
CONNECT_ARGS = ("connect", "--app")


def settings_file(source: ImportSource, paths: Sequence[Path]) -> Path | None:
    """The file MCP Desk changes for `source`, of its usual `paths`: the first there; else a new one
    in the app's own folder where that folder is (the app is installed but has no servers yet).

    VS Code keeps servers in `mcp.json`, and in `settings.json` only while its `mcp` section still
    holds them. Claude Code's file is in the home folder itself, so only an existing one counts.
    """
    if source is ImportSource.VSCODE:
        return _vscode_file(paths)
    existing = next((path for path in paths if path.is_file()), None)
    if existing is not None or source is ImportSource.CLAUDE_CODE:
        return existing
    return next((path for path in paths if path.parent.is_dir()), None)


def _vscode_file(paths: Sequence[Path]) -> Path | None:
    mcp_files = [path for path in paths if path.name == "mcp.json"]
    for path in mcp_files:
        if path.is_file():
            return path
    for path in paths:
        if path.name == "settings.json" and path.is_file() and _has_mcp_section(path):
            return path
    return next((path for path in mcp_files if path.parent.is_dir()), None)


def _has_mcp_section(path: Path) -> bool:
    try:
        return isinstance(read_app_file(ImportSource.VSCODE, path).document.data.get("mcp"), dict)
    except EditRefused:
        return False


def section_of(source: ImportSource, path: Path) -> tuple[str, ...]:
    """Where `source` keeps its servers in `path`: VS Code's own key, `mcpServers` elsewhere."""
    if source is not ImportSource.VSCODE:
        return ("mcpServers",)
    return ("mcp", "servers") if path.name == "settings.json" else ("servers",)


def allows_comments(source: ImportSource) -> bool:
    """VS Code reads its settings as JSONC; the other apps read plain JSON."""
    return source is ImportSource.VSCODE


def own_entry(source: ImportSource, launch: Sequence[str], app: str) -> dict[str, object]:
    """MCP Desk's entry for `app`: the bridge, started the way MCP Desk itself is started."""
    entry: dict[str, object] = {}
    if source in (ImportSource.VSCODE, ImportSource.CLAUDE_CODE):
        entry["type"] = "stdio"
    entry["command"] = launch[0]
    entry["args"] = [*launch[1:], *CONNECT_ARGS, app]
    if source is ImportSource.JAN:
        entry["active"] = True
    return entry


def is_own_entry(name: str, raw: object) -> bool:
    """MCP Desk's entry, also where the user renamed it: its arguments end `connect --app ID`."""
    if name == ENTRY_NAME:
        return True
    args = raw.get("args") if isinstance(raw, dict) else None
    return isinstance(args, list) and len(args) >= 3 and tuple(args[-3:-1]) == CONNECT_ARGS


@dataclass(frozen=True)
class AppFile:
    """One app's settings file as read now: its bytes, its text and its data."""

    source: ImportSource
    path: Path
    raw: bytes | None
    """None: there is no such file yet (VS Code's `mcp.json` before its first server)."""
    document: JsonDocument

    @property
    def section(self) -> tuple[str, ...]:
        return section_of(self.source, self.path)

    def servers(self) -> dict[str, object]:
        return self.document.section(self.section)

    def encode(self, text: str) -> bytes:
        """`text` in the file's own encoding (a UTF-8 byte-order mark kept where there was one)."""
        bom = codecs.BOM_UTF8 if self.raw and self.raw.startswith(codecs.BOM_UTF8) else b""
        return bom + text.encode("utf-8")


def read_app_file(source: ImportSource, path: Path) -> AppFile:
    """The file as it is now; `EditRefused` with the reason (in words) when it can't be changed.

    A file not there yet, in a folder that is, is an empty one to be made.
    """
    if not path.exists() and path.parent.is_dir():
        return AppFile(source, path, None, JsonDocument.parse("", allows_comments(source)))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise EditRefused("is too large to be a settings file")
        raw = path.read_bytes()
    except OSError as error:
        raise EditRefused(f"could not be opened ({error.strerror or error})") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise EditRefused("is not saved as UTF-8 text, which MCP Desk can change safely") from error
    try:
        document = JsonDocument.parse(text, allows_comments(source))
    except json.JSONDecodeError as error:
        raise EditRefused(f"is not valid JSON (line {error.lineno}, column {error.colno})") from error
    except RecursionError as error:
        raise EditRefused("is not valid JSON") from error
    app_file = AppFile(source, path, raw, document)
    app_file.servers()  # refuses a server list that is not a list of names
    return app_file
