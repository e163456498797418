"""A bundle's `mcp_config` made into a server's launch, the MCPB variables filled in.

`${__dirname}` (the bundle's folder), `${HOME}`, `${DESKTOP}`, `${DOCUMENTS}`, `${DOWNLOADS}`,
`${pathSeparator}` and `${/}`, and `${user_config.KEY}`: an argument that is only a value with
`multiple` becomes one argument per value (MANIFEST.md, "Array Expansion"); a sensitive value is
written as its keyring reference, `${secret:NAME}`, never as itself.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop.catalogue.bundle_compatibility import Python, this_platform
from desktop.catalogue.mcpb_manifest import Manifest, McpConfig
from desktop.core.config import ServerConfig

_USER_CONFIG = re.compile(r"\$\{user_config\.([^}]+)\}")
_PYTHON_NAMES = ("python", "python3", "py")


@dataclass(frozen=True)
class Places:
    """The user's folders, as the MCPB variables name them."""

    home: str
    desktop: str
    documents: str
    downloads: str

    @classmethod
    def of_this_user(cls) -> Places:
        return cls(
            home=str(Path.home()),
            desktop=platformdirs.user_desktop_dir(),
            documents=platformdirs.user_documents_dir(),
            downloads=platformdirs.user_downloads_dir(),
        )

    def fill(self, text: str, folder: str = "${__dirname}") -> str:
        """`text` with the place variables (and `${__dirname}`) replaced."""
        for name, value in (
            ("__dirname", folder),
            ("HOME", self.home),
            ("DESKTOP", self.desktop),
            ("DOCUMENTS", self.documents),
            ("DOWNLOADS", self.downloads),
            ("pathSeparator", os.sep),
            ("/", os.sep),
        ):
            text = text.replace("${" + name + "}", value)
        return text


def launch_of(
    manifest: Manifest,
    folder: Path,
    values: dict[str, list[str]],
    places: Places,
    python: Python | None,
) -> ServerConfig:
    """The server that runs the bundle unpacked in `folder`, with the user's `values` (one list per key)."""
    mcp = default_mcp_config(manifest).for_platform(this_platform())
    fill = _Filler(str(folder), values, places)
    command = fill.one(mcp.command)
    env = {name: fill.one(value) for name, value in mcp.env.items()}
    kind = manifest.server.type
    if kind == "python":
        command = python.command if python and command in _PYTHON_NAMES else command
        lib = folder / "server" / "lib"
        if "PYTHONPATH" not in env and lib.is_dir():
            env["PYTHONPATH"] = str(lib)
    elif kind == "binary":
        command = _binary(command, folder)
    return ServerConfig(
        command=command,
        args=[arg for template in mcp.args for arg in fill.many(template)],
        env=env,
        cwd=str(folder),
        runtime="mcp-desk" if kind in ("node", "uv") else None,
    )


def default_mcp_config(manifest: Manifest) -> McpConfig:
    """The manifest's own launch; for one that gives none, the usual one for its kind of server."""
    if manifest.server.mcp_config is not None:
        return manifest.server.mcp_config
    entry = "${__dirname}/" + manifest.server.entry_point
    match manifest.server.type:
        case "uv":
            return McpConfig(command="uv", args=["run", "--directory", "${__dirname}", entry])
        case "node":
            return McpConfig(command="node", args=[entry])
        case "python":
            return McpConfig(command="python", args=[entry])
        case _:
            return McpConfig(command=entry)


def _binary(command: str, folder: Path) -> str:
    """A binary's command inside the bundle, made absolute (`.exe` added on Windows, as the spec says)."""
    path = Path(command)
    if not path.is_absolute():
        path = folder / path
    if this_platform() == "win32" and path.suffix.lower() != ".exe":
        path = path.with_name(path.name + ".exe")
    return str(path)


class _Filler:
    def __init__(self, folder: str, values: dict[str, list[str]], places: Places) -> None:
        self._folder = folder
        self._values = values
        self._places = places

    def one(self, text: str) -> str:
        """`text` filled in; several values of one key are joined with the path list separator."""
        text = _USER_CONFIG.sub(lambda match: os.pathsep.join(self._values.get(match.group(1), [])), text)
        return self._places.fill(text, self._folder)

    def many(self, template: str) -> list[str]:
        """An argument filled in: one per value for a key with several values, none for an empty one."""
        whole = _USER_CONFIG.fullmatch(template)
        if whole is not None:
            return [self._places.fill(value, self._folder) for value in self._values.get(whole.group(1), [])]
        return [self.one(template)]
