"""Reading other apps' MCP server lists and translating their entries.

Claude Desktop, Cursor, LM Studio, Jan, Windsurf and Claude Code keep servers under
`mcpServers` (Claude Code's user-wide ones at the top of `~/.claude.json`, beside each
project's own); VS Code keeps them under `servers` in its `mcp.json`, or under `mcp.servers`
in `settings.json`, next to `inputs` (values it asks the user for). Windsurf names a remote
server's address `serverUrl`; Jan marks one turned off with `"active": false`. All of them
are read as JSONC.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from desktop.core.config import ServerConfig

MAX_FILE_BYTES = 20 * 1024 * 1024


class ImportSource(Enum):
    CLAUDE = "claude"
    CURSOR = "cursor"
    VSCODE = "vscode"
    LMSTUDIO = "lmstudio"
    JAN = "jan"
    WINDSURF = "windsurf"
    CLAUDE_CODE = "claude-code"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ImportSource.CLAUDE: "Claude Desktop",
    ImportSource.CURSOR: "Cursor",
    ImportSource.VSCODE: "VS Code",
    ImportSource.LMSTUDIO: "LM Studio",
    ImportSource.JAN: "Jan",
    ImportSource.WINDSURF: "Windsurf",
    ImportSource.CLAUDE_CODE: "Claude Code",
}
_HOME_FILES = {
    ImportSource.CURSOR: (".cursor", "mcp.json"),
    ImportSource.LMSTUDIO: (".lmstudio", "mcp.json"),
    ImportSource.WINDSURF: (".codeium", "windsurf", "mcp_config.json"),
    ImportSource.CLAUDE_CODE: (".claude.json",),
}


def default_paths(
    source: ImportSource,
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    environ: Mapping[str, str] = os.environ,
) -> list[Path]:
    """Where `source` keeps its server list on this OS, most likely first."""
    home = home if home is not None else Path.home()
    app_config = _app_config_dir(platform, home, environ)
    if source is ImportSource.CLAUDE:
        return [app_config / "Claude" / "claude_desktop_config.json"]
    if source is ImportSource.VSCODE:
        return [
            app_config / edition / "User" / name
            for edition in ("Code", "Code - Insiders")
            for name in ("mcp.json", "settings.json")
        ]
    if source is ImportSource.JAN:
        return _jan_paths(_app_data_dir(platform, home, environ))
    return [home.joinpath(*_HOME_FILES[source])]


def _app_config_dir(platform: str, home: Path, environ: Mapping[str, str]) -> Path:
    if platform == "darwin":
        return home / "Library" / "Application Support"
    if platform == "win32":
        appdata = environ.get("APPDATA")
        return Path(appdata) if appdata else home / "AppData" / "Roaming"
    xdg = environ.get("XDG_CONFIG_HOME", "")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".config"


def _app_data_dir(platform: str, home: Path, environ: Mapping[str, str]) -> Path:
    """Where apps keep their data (not their settings): differs from `_app_config_dir` only on Linux."""
    if platform in ("darwin", "win32"):
        return _app_config_dir(platform, home, environ)
    xdg = environ.get("XDG_DATA_HOME", "")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"


def _jan_paths(data_root: Path) -> list[Path]:
    """Jan's `mcp_config.json` is in its data folder: `Jan/data` unless the user moved it.

    Jan records a moved folder as `data_folder` in its own `jan.ai.app/settings.json`.
    """
    usual = data_root / "Jan" / "data" / "mcp_config.json"
    try:
        moved = json.loads((data_root / "jan.ai.app" / "settings.json").read_text("utf-8")).get("data_folder")
    except (OSError, ValueError, AttributeError):
        return [usual]
    if isinstance(moved, str) and Path(moved).is_absolute() and Path(moved) / "mcp_config.json" != usual:
        return [Path(moved) / "mcp_config.json", usual]
    return [usual]


# A string (possibly unterminated), a line comment, a block comment, or a closing bracket/comma.
_JSONC_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|//[^\n]*|/\*.*?(?:\*/|\Z)|[,\]}]', re.DOTALL)


def strip_jsonc(text: str) -> str:
    """JSON from JSONC: comments and trailing commas become spaces, so error positions still match."""
    out: list[str] = []
    pending_comma: int | None = None
    pos = 0
    for match in _JSONC_TOKEN.finditer(text):
        between = text[pos : match.start()]
        if between.strip():
            pending_comma = None
        out.append(between)
        token = match.group()
        if token.startswith(("//", "/*")):
            out.append(re.sub(r"[^\r\n]", " ", token))
        elif token == ",":
            # Only a lone comma can be trailing; in `,,` JSON should report the second one.
            pending_comma = len(out) if pending_comma is None else None
            out.append(token)
        elif token in ("]", "}"):
            if pending_comma is not None:
                out[pending_comma] = " "
                pending_comma = None
            out.append(token)
        else:
            pending_comma = None
            out.append(token)
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class SourceFile:
    """The raw server entries of one file, or why there are none."""

    servers: dict[str, object]
    inputs: dict[str, str]
    """VS Code input id → its description."""
    problem: str | None = None


def read_source(source: ImportSource, path: Path) -> SourceFile:
    where = f"The {source.label} settings file at {path}"
    text, problem = _read_text(where, path)
    if text is None:
        return SourceFile({}, {}, problem)
    try:
        data = json.loads(strip_jsonc(text))
    except json.JSONDecodeError as error:
        return SourceFile({}, {}, _invalid(where, f" (line {error.lineno}, column {error.colno})"))
    except RecursionError:
        return SourceFile({}, {}, _invalid(where, ""))
    if not isinstance(data, dict):
        return SourceFile({}, {}, f"{where} does not have the layout MCP Desk expects. {_CHOOSE}")
    servers, inputs = _server_section(data)
    if servers is None or servers == {}:
        return SourceFile({}, {}, f"{where} does not list any MCP servers.")
    if not isinstance(servers, dict):
        return SourceFile({}, {}, f"{where} lists its MCP servers in a form MCP Desk can't read. {_CHOOSE}")
    return SourceFile(servers, _input_descriptions(inputs))


_CHOOSE = "Choose the file that lists your MCP servers."


def _invalid(where: str, position: str) -> str:
    return (
        f"{where} is not valid JSON{position}. Open it in a text editor and fix it, or choose another file."
    )


def _read_text(where: str, path: Path) -> tuple[str | None, str | None]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, f"{where} is too large to be a settings file. {_CHOOSE}"
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, f"{where} does not exist. If the file is somewhere else, choose it by hand."
    except OSError as error:
        reason = error.strerror or str(error)
        return None, f"{where} could not be opened ({reason}). Check the file, or choose another one."
    codec = "utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        return None, f"{where} is not a text file MCP Desk can read. {_CHOOSE}"
    if not strip_jsonc(text).strip():
        return None, f"{where} is empty, so there are no servers to import."
    return text, None


def _server_section(data: dict[str, Any]) -> tuple[object, object]:
    for holder in (data, data.get("mcp")):
        if isinstance(holder, dict):
            for key in ("mcpServers", "servers"):
                if key in holder:
                    return holder[key], holder.get("inputs")
    return None, None


def _input_descriptions(inputs: object) -> dict[str, str]:
    if not isinstance(inputs, list):
        return {}
    return {
        item["id"]: str(item.get("description") or item["id"])
        for item in inputs
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }


@dataclass(frozen=True)
class Translation:
    """An entry as a `ServerConfig` (None when it can't be used) and what the user should know."""

    config: ServerConfig | None
    notes: tuple[str, ...] = ()
    secrets_needed: tuple[str, ...] = ()


_TRANSPORTS = {
    "stdio": "stdio",
    "http": "http",
    "streamable-http": "http",
    "streamablehttp": "http",
    "sse": "sse",
}
_FILLS_IN_VARIABLES = (
    ImportSource.VSCODE,
    ImportSource.CURSOR,
    ImportSource.WINDSURF,
    ImportSource.CLAUDE_CODE,
)
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SSE_NOTE = (
    "It uses the older SSE transport; MCP Desk connects with Streamable HTTP, which most servers also "
    "offer. If it does not connect, look for the server's Streamable HTTP address (often ending in /mcp)."
)


def translate_entry(source: ImportSource, raw: object, inputs: Mapping[str, str]) -> Translation:
    if not isinstance(raw, dict):
        return Translation(None, ("It is not a server description (a command to run or a URL).",))
    transport = _transport(raw.get("type"))
    if transport is None:
        return Translation(None, (f"It uses the “{raw.get('type')}” connection type, which MCP Desk lacks.",))
    fields, problem = _launch_fields(raw)
    if problem:
        return Translation(None, (problem,))
    notes: list[str] = []
    secrets: list[str] = []
    if source in _FILLS_IN_VARIABLES:
        fields = _resolve_variables(source, fields, inputs, notes, secrets)
    fields["enabled"] = raw.get("disabled") is not True and raw.get("active") is not False
    try:
        config = ServerConfig.model_validate(fields)
    except ValidationError as error:
        message = str(error.errors()[0].get("msg", "it is not a usable server")).removeprefix("Value error, ")
        return Translation(None, (f"MCP Desk can't use it: {message}.",))
    notes.extend(_transport_notes(source, raw, transport, config))
    return Translation(config, tuple(notes), tuple(secrets))


def _transport(kind: object) -> str | None:
    if kind is None:
        return "auto"
    return _TRANSPORTS.get(kind.lower()) if isinstance(kind, str) else None


def _launch_fields(raw: dict[str, Any]) -> tuple[dict[str, object], str | None]:
    fields: dict[str, object] = {}
    for key in ("command", "cwd", "url"):
        value = raw.get(key, raw.get("serverUrl")) if key == "url" else raw.get(key)
        if value is not None and not isinstance(value, str):
            return {}, f"Its “{key}” setting is not text."
        fields[key] = value or None  # Jan writes `"command": ""` beside a remote server's URL
    args = raw.get("args", [])
    if not isinstance(args, list) or not all(_is_scalar(arg) for arg in args):
        return {}, "Its “args” setting is not a list of text."
    fields["args"] = [_as_text(arg) for arg in args]
    for key in ("env", "headers"):
        table = raw.get(key, {})
        if not isinstance(table, dict) or not all(_is_scalar(value) for value in table.values()):
            return {}, f"Its “{key}” setting is not a list of names with text values."
        fields[key] = {name: _as_text(value) for name, value in table.items()}
    return fields, None


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int | float)


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _resolve_variables(
    source: ImportSource,
    fields: dict[str, object],
    inputs: Mapping[str, str],
    notes: list[str],
    secrets: list[str],
) -> dict[str, object]:
    """VS Code's `${input:ID}` becomes `${secret:ID}`; other `${...}` variables stay, with a note."""
    kept: list[str] = []

    def swap(match: re.Match[str]) -> str:
        variable = match.group(1)
        if source is ImportSource.VSCODE and variable.startswith("input:"):
            secret = variable.removeprefix("input:")
            if secret not in secrets:
                secrets.append(secret)
            return "${secret:" + secret + "}"
        if match.group() not in kept:
            kept.append(match.group())
        return match.group()

    resolved = {
        key: _map_strings(value, lambda text: _VARIABLE.sub(swap, text)) for key, value in fields.items()
    }
    for secret in secrets:
        described = f" ({inputs[secret]})" if secret in inputs else ""
        notes.append(
            f"Before starting it, set the secret “{secret}”{described}, which VS Code asked you for."
        )
    if kept:
        notes.append(
            f"It uses {', '.join(kept)}, which {source.label} fills in but MCP Desk passes on unchanged; "
            "replace it with a real value if the server needs one."
        )
    return resolved


def _map_strings(value: object, change: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(item, change) for item in value]
    if isinstance(value, dict):
        return {key: _map_strings(item, change) for key, item in value.items()}
    return value


def _transport_notes(
    source: ImportSource, raw: dict[str, Any], transport: str, config: ServerConfig
) -> list[str]:
    notes: list[str] = []
    looks_like_sse = bool(config.url) and urlsplit(config.url or "").path.rstrip("/").endswith("/sse")
    if transport == "sse" or (transport == "auto" and looks_like_sse):
        notes.append(_SSE_NOTE)
    if "envFile" in raw:
        notes.append(
            f"Its envFile setting ({raw['envFile']}) was not imported; add the variables it needs "
            "to the server's environment in MCP Desk."
        )
    if not config.enabled:
        notes.append(f"It was turned off in {source.label}, so it is imported turned off.")
    return notes
