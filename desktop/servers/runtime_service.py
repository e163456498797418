"""`RuntimeService`: MCP Desk's own Node.js and uv, installed on first need, and which one runs a server.

One install of a runtime at a time: a server's start and the user's Install button wait for the
same one. Telling which version a server's program is runs that program, so it happens here on
the service loop, once per program (its path and modification time).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from desktop.core.config import ServerConfig
from desktop.servers.launch import search_path
from desktop.servers.runtime_control import RuntimeInfo, RuntimeName, RuntimeProgress, RuntimeUse
from desktop.servers.runtime_install import WheelSource, install
from desktop.servers.runtimes import (
    NODE,
    SPECS,
    ManagedRuntimes,
    RuntimeSpec,
    folder_size,
    own_runtime_words,
    remove_folder,
    spec_for,
)

VERSION_TIMEOUT_S = 10.0


class RuntimeService:
    def __init__(
        self, runtimes: ManagedRuntimes, source: WheelSource, environ: Mapping[str, str] = os.environ
    ) -> None:
        self._runtimes = runtimes
        self._source = source
        self._environ = environ
        self._locks = {name: asyncio.Lock() for name in SPECS}
        self._versions: dict[tuple[str, float], str | None] = {}

    async def runtimes(self) -> list[RuntimeInfo]:
        return [await asyncio.to_thread(self._info, spec) for spec in SPECS.values()]

    async def install(self, name: RuntimeName, progress: RuntimeProgress | None = None) -> RuntimeInfo:
        spec = SPECS[name]
        async with self._locks[name]:
            await install(spec, self._runtimes, self._source, progress or _quiet)
        return await asyncio.to_thread(self._info, spec)

    async def prepare(self, config: ServerConfig, progress: RuntimeProgress) -> None:
        spec = spec_for(config.command or "")
        if config.runtime == "mcp-desk" and spec is not None and not self._runtimes.installed(spec):
            await self.install(spec.name, progress)

    async def describe(self, config: ServerConfig) -> RuntimeUse | None:
        spec = spec_for(config.command or "")
        if spec is None:
            return None
        if config.runtime == "mcp-desk":
            words = own_runtime_words(config.command or "", self._runtimes) or spec.title
            installed = self._runtimes.installed(spec)
            program = str(self._runtimes.executable(spec, _main_program(spec))) if installed else None
            return RuntimeUse(words, managed=True, program=program)
        return await self._computers(config.command or "", spec)

    async def clean(self) -> int:
        return sum([await asyncio.to_thread(remove_folder, f) for f in self._runtimes.cache_folders()])

    async def _computers(self, command: str, spec: RuntimeSpec) -> RuntimeUse:
        path = search_path(self._environ)
        program = shutil.which(command, path=path)
        if program is None:
            return RuntimeUse(f"{spec.title} is not on this computer", managed=False, program=None)
        versioned = shutil.which(_main_program(spec), path=path) or program
        version = await self._version_of(versioned)
        shown = f"{spec.title} {version}" if version else spec.title
        return RuntimeUse(f"{shown} from {program}", managed=False, program=program)

    async def _version_of(self, program: str) -> str | None:
        key = (program, _modified(program))
        if key not in self._versions:
            self._versions[key] = await _ask_version(program)
        return self._versions[key]

    def _info(self, spec: RuntimeSpec) -> RuntimeInfo:
        folder = self._runtimes.folder(spec)
        installed = self._runtimes.installed(spec)
        size = folder_size(folder) if installed else 0
        return RuntimeInfo(spec.name, spec.title, spec.version, folder, installed, size)


def _main_program(spec: RuntimeSpec) -> str:
    return "node" if spec is NODE else "uv"


def _modified(program: str) -> float:
    try:
        return Path(program).stat().st_mtime
    except OSError:
        return 0.0


async def _ask_version(program: str) -> str | None:
    """What `program --version` says (`v20.19.2`, `uv 0.8.3 (…)` → `0.8.3`); None when it won't say."""
    try:
        process = await asyncio.create_subprocess_exec(
            program,
            "--version",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return None
    try:
        out, _ = await asyncio.wait_for(process.communicate(), VERSION_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    words = out.decode(errors="replace").split()
    version = next((word for word in words if re.match(r"v?\d", word)), None)
    return version if process.returncode == 0 else None


def _quiet(sentence: str, fraction: float | None, /) -> None:
    del sentence, fraction
