"""Turning a server's `command` into the program that will really run.

Apps started from a desktop menu often get a thin PATH that lacks the folders where
Node, uv or Homebrew install their tools, so the search adds the usual install
folders of each OS. A command that can't be found becomes a sentence that says what
to install.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from desktop.core.config import ServerConfig
from desktop.servers.control import ServerProblem

_INSTALL_HINTS: dict[str, str] = {
    "npx": "Node.js (from nodejs.org)",
    "node": "Node.js (from nodejs.org)",
    "npm": "Node.js (from nodejs.org)",
    "uvx": "uv (from docs.astral.sh/uv)",
    "uv": "uv (from docs.astral.sh/uv)",
    "python": "Python (from python.org)",
    "python3": "Python (from python.org)",
    "docker": "Docker Desktop (from docker.com)",
    "deno": "Deno (from deno.com)",
    "bun": "Bun (from bun.sh)",
}

INHERITED_ENV = (
    (
        "APPDATA",
        "HOMEDRIVE",
        "HOMEPATH",
        "LOCALAPPDATA",
        "PATH",
        "PATHEXT",
        "PROCESSOR_ARCHITECTURE",
        "SYSTEMDRIVE",
        "SYSTEMROOT",
        "TEMP",
        "TMP",
        "USERNAME",
        "USERPROFILE",
        "ProgramFiles",
    )
    if sys.platform == "win32"
    else ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "LC_ALL", "TMPDIR", "XDG_RUNTIME_DIR")
)
"""Variables a server inherits from MCP Desk; everything else it gets only if configured."""


@dataclass(frozen=True)
class Launch:
    """A command resolved to the program that will run, with the environment it gets."""

    program: str
    args: tuple[str, ...]
    env: dict[str, str]
    cwd: str | None

    @property
    def argv(self) -> list[str]:
        return [self.program, *self.args]


def extra_bin_dirs(home: Path, environ: Mapping[str, str], platform: str = sys.platform) -> list[Path]:
    """Folders where Node, uv, pipx, Homebrew and friends put their programs."""
    dirs = [
        home / ".local" / "bin",
        home / ".cargo" / "bin",
        home / ".volta" / "bin",
        home / ".bun" / "bin",
        home / ".deno" / "bin",
    ]
    if platform == "win32":
        for var, sub in (("APPDATA", "npm"), ("ProgramFiles", "nodejs"), ("LOCALAPPDATA", "Programs/Python")):
            if environ.get(var):
                dirs.append(Path(environ[var]) / sub)
    else:
        dirs += [Path("/opt/homebrew/bin"), Path("/usr/local/bin"), Path("/usr/bin"), Path("/bin")]
        nvm = home / ".nvm" / "versions" / "node"
        if nvm.is_dir():
            dirs += sorted((p / "bin" for p in nvm.iterdir()), reverse=True)
    return dirs


def search_path(environ: Mapping[str, str], home: Path | None = None) -> str:
    home = home or Path.home()
    parts = [p for p in environ.get("PATH", "").split(os.pathsep) if p]
    for extra in extra_bin_dirs(home, environ):
        if str(extra) not in parts:
            parts.append(str(extra))
    return os.pathsep.join(parts)


def resolve(config: ServerConfig, environ: Mapping[str, str] = os.environ) -> Launch:
    """Where `config.command` really lives and the environment it will get.

    Raises ServerProblem with an install hint when the program is not there.
    """
    if not config.command:
        raise ServerProblem("This server has no command to run.")
    path = search_path(environ)
    env = {key: environ[key] for key in INHERITED_ENV if key in environ}
    env["PATH"] = path
    env.update(config.env)
    program = shutil.which(config.command, path=env["PATH"])
    if program is None:
        raise ServerProblem(_missing_message(config.command), f"searched PATH: {env['PATH']}")
    if config.cwd and not Path(config.cwd).is_dir():
        raise ServerProblem(
            f"The working folder “{config.cwd}” does not exist. Edit the server and pick another."
        )
    return Launch(program=program, args=tuple(config.args), env=env, cwd=config.cwd)


def _missing_message(command: str) -> str:
    name = Path(command).name.lower().removesuffix(".exe").removesuffix(".cmd")
    if os.sep in command or "/" in command:
        return f"The program “{command}” does not exist. Check the server's command."
    hint = _INSTALL_HINTS.get(name)
    if hint:
        return f"“{command}” was not found on this computer. Install {hint}, then start the server again."
    return (
        f"“{command}” was not found on this computer. "
        "Install it, or give its full path in the server's command."
    )
