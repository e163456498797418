"""Turning a server's `command` into the program that will really run.

Apps started from a desktop menu often get a thin PATH that lacks the folders where
Node, uv or Homebrew install their tools, so the search adds the usual install
folders of each OS. A command that can't be found becomes a sentence that says what
to install, or which program was probably meant (`npz` → `npx`); the folders searched
go to the details. A whole command line typed where one program belongs is split
(`split_command_line`) the way a shell would.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import shlex
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from desktop.core.config import ServerConfig
from desktop.core.paths import AppPaths
from desktop.servers.control import ServerProblem
from desktop.servers.runtimes import SPECS, ManagedRuntimes, bare_name, spec_for

PATH_AS_GIVEN_ENV = "MCP_DESK_PATH_AS_GIVEN"
"""Set to 1 to search only the PATH MCP Desk was started with, none of the usual install folders
added (a portable setup, or a test that proves a program comes from nowhere else)."""

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

NETWORK_ENV = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NODE_EXTRA_CA_CERTS",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)
"""How this computer reaches the internet (a proxy, its own certificates): inherited too, or `npx -y`
and `uvx` can't download a server where the network needs them, nor can a server call its service."""


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
    if environ.get(PATH_AS_GIVEN_ENV) == "1":
        return os.pathsep.join(parts)
    for extra in extra_bin_dirs(home, environ):
        if str(extra) not in parts:
            parts.append(str(extra))
    return os.pathsep.join(parts)


def resolve(config: ServerConfig, environ: Mapping[str, str] = os.environ) -> Launch:
    """Where `config.command` really lives and the environment it will get.

    With `runtime="mcp-desk"`, `npx`, `node`, `npm`, `uvx` and `uv` are MCP Desk's own copies, whose
    folders go first on the server's PATH (so what `npx` starts finds MCP Desk's `node` too).
    Raises ServerProblem with an install hint when the program is not there.
    """
    if not config.command:
        raise ServerProblem("This server has no command to run.")
    env = {key: environ[key] for key in (*INHERITED_ENV, *NETWORK_ENV) if key in environ}
    env["PATH"] = search_path(environ)
    managed = ManagedRuntimes.of(AppPaths.from_environment(environ)) if config.runtime == "mcp-desk" else None
    if managed is not None:
        env["PATH"] = os.pathsep.join([*_managed_bins(managed), env["PATH"]])
        env.update(managed.env())  # the server's own settings below may still choose other caches
    env.update(config.env)
    if config.cwd and not Path(config.cwd).is_dir():
        raise ServerProblem(
            f"The working folder “{config.cwd}” does not exist. Edit the server and pick another."
        )
    argv = managed.argv(config.command) if managed is not None else None
    if managed is not None and argv is not None:
        _check_installed(managed, config.command)
        return Launch(program=argv[0], args=(*argv[1:], *config.args), env=env, cwd=config.cwd)
    program = shutil.which(config.command, path=env["PATH"])
    if program is None:
        searched = "\n".join(env["PATH"].split(os.pathsep))
        raise ServerProblem(
            _missing_message(config.command, env["PATH"]),
            f"MCP Desk looked for “{config.command}” in these folders:\n{searched}",
        )
    return Launch(program=program, args=tuple(config.args), env=env, cwd=config.cwd)


def _managed_bins(managed: ManagedRuntimes) -> list[str]:
    return [
        str(folder)
        for spec in SPECS.values()
        if managed.installed(spec)
        for folder in managed.path_dirs(spec)
    ]


def _check_installed(managed: ManagedRuntimes, command: str) -> None:
    spec = spec_for(command)
    if spec is not None and not managed.installed(spec):
        raise ServerProblem(
            f"MCP Desk's own {spec.title} is not installed yet. Press Start to install it "
            f"(or run: mcp-desk runtimes install {spec.name}).",
            f"Expected in {managed.folder(spec)}",
        )


OWN_RUNTIME_BUTTON = "Download it and start"
"""The button on a server's page that gives it MCP Desk's own runtime."""


def own_runtime_offer(command: str) -> str | None:
    """Why a server running `command` needs MCP Desk's own runtime, where it is one of them: “This server
    needs a free helper program, Node.js (61 MB), that MCP Desk can download for it.”"""
    spec = spec_for(command)
    if spec is None:
        return None
    return (
        f"This server needs a free helper program, {spec.title} ({spec.download_mb} MB), "
        "that MCP Desk can download for it."
    )


def find_program(command: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """Where `command` lives, searched the way a server's launch searches; None when it is not there."""
    return shutil.which(command, path=search_path(environ))


def install_hint(command: str) -> str | None:
    """What to install to get `command` when it is a well-known runner: “Node.js (from nodejs.org)”."""
    return _INSTALL_HINTS.get(bare_name(command))


def split_command_line(text: str, windows: bool = sys.platform == "win32") -> list[str] | None:
    """`text` as a program and its arguments when it is a whole command line, else None.

    `npx -y @modelcontextprotocol/server-everything` splits as a shell would; a path to a
    program that exists, spaces and all, is one program and stays whole.
    """
    text = text.strip()
    if not any(char.isspace() for char in text) or Path(text).expanduser().exists():
        return None
    try:
        parts = shlex.split(text, posix=not windows)
    except ValueError:  # a quote left open: not a command line this can take apart
        return None
    if windows:
        parts = [part[1:-1] if len(part) > 1 and part[0] == part[-1] == '"' else part for part in parts]
    return parts if len(parts) > 1 else None


def near_miss(command: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The program `command` probably meant (`npz` → `npx`): a well-known runner first, else one on PATH."""
    name = bare_name(command)
    for candidates, cutoff in ((_INSTALL_HINTS, 0.6), (set(_programs_on(search_path(environ))), 0.8)):
        close = difflib.get_close_matches(name, [c for c in candidates if c != name], n=1, cutoff=cutoff)
        if close:
            return close[0]
    return None


def _programs_on(path: str) -> Iterator[str]:
    for folder in path.split(os.pathsep):
        with contextlib.suppress(OSError):
            yield from (bare_name(entry.name) for entry in Path(folder).iterdir())


def _missing_message(command: str, path: str) -> str:
    parts = split_command_line(command)
    if parts is not None:
        return (
            f"“{command}” is a whole command line, not one program. Edit the server: put “{parts[0]}” "
            "in Command and the rest in Arguments, one per line."
        )
    if os.sep in command or "/" in command:
        return f"The program “{command}” does not exist. Check the server's command."
    offer = own_runtime_offer(command)
    if offer is not None:
        return (
            f"“{command}” was not found on this computer. {offer} Press “{OWN_RUNTIME_BUTTON}” on its page "
            "in Servers (or run: mcp-desk servers edit NAME --own-runtime)."
        )
    hint = install_hint(command)
    if hint:
        return f"“{command}” was not found on this computer. Install {hint}, then start the server again."
    near = near_miss(command, {"PATH": path})
    if near:
        return (
            f"“{command}” was not found on this computer. Did you mean “{near}”? Edit the server's command."
        )
    return (
        f"“{command}” was not found on this computer. "
        "Install it, or give its full path in the server's command."
    )
