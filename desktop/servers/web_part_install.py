"""Getting the web view part: the `PySide6-Addons` wheel of exactly the running PySide6 version, for
this computer, from PyPI (or the mirror or folder MCP Desk's own runtimes come from), checked against
PyPI's sha256, and only what Qt WebEngine needs of it unpacked (`web_part_folder.place`).

As with the runtimes (`runtime_install`), everything happens in a `.installing-…` folder beside the
part's, renamed into place only when complete and removed whatever happens, a Stop included.
Parts left for other PySide6 versions are removed once the new one is in place.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx2

from desktop.servers.runtime_control import RuntimeProgress
from desktop.servers.runtime_install import WheelSource, obtain, off_loop, sweep_partials, unpack_wheel
from desktop.servers.runtime_wheels import RuntimeProblem, choose, release_files
from desktop.servers.web_part_folder import PACKAGE, WebPartFolder, place

_PARTIAL = ".installing-webengine-"


class WebPartProblem(RuntimeProblem):
    """Getting the web view part failed, in a sentence that says what to do next."""


@dataclass(frozen=True)
class WebPartSpec:
    """The wheel the part comes from (a `runtime_wheels.WheelSpec`)."""

    version: str
    title: str = "the part that shows views"
    package: str = PACKAGE


class WebPartService:
    """One install at a time: a second Get waits for the first and finds the part there."""

    def __init__(self, data_dir: Path, source: WheelSource) -> None:
        self._data_dir = data_dir
        self._source = source
        self._lock = asyncio.Lock()

    async def install(self, version: str, progress: RuntimeProgress) -> Path:
        folder = WebPartFolder.of(self._data_dir, version)
        async with self._lock:
            if not folder.installed():
                await install_part(folder, self._source, progress)
        return folder.root


async def install_part(folder: WebPartFolder, source: WheelSource, progress: RuntimeProgress) -> None:
    spec = WebPartSpec(folder.version)
    folder.root.parent.mkdir(parents=True, exist_ok=True)
    sweep_partials(folder.root.parent)
    work = Path(tempfile.mkdtemp(prefix=f"{_PARTIAL}{os.getpid()}-", dir=folder.root.parent))
    try:
        progress("Looking up the part that shows views on PyPI…", None)
        async with httpx2.AsyncClient(follow_redirects=True) as client:
            files = await release_files(client, source.index, spec)
            wheel = choose(files, source.target)
            if wheel is None:
                raise WebPartProblem(
                    "There is no part that shows views for this computer, so tools' own views are shown "
                    "as text here.",
                    f"{PACKAGE} {spec.version} has: " + ", ".join(file.filename for file in files),
                )
            archive = await obtain(client, spec, wheel, source.download_cache, work, _in_words(progress))
        progress("Unpacking the part that shows views…", None)
        stop = threading.Event()
        await off_loop(lambda: unpack_part(archive, work / "root", stop), stop)
        shutil.rmtree(folder.root, ignore_errors=True)
        (work / "root").replace(folder.root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for old in folder.others():
        if not old.name.startswith("."):
            await asyncio.to_thread(shutil.rmtree, old, True)


def unpack_part(archive: Path, dest: Path, stop: threading.Event) -> None:
    """Unpack what Qt WebEngine needs of the wheel into `dest`."""
    missing = WebPartProblem(
        "The download does not hold the part that shows views; try again later.",
        f"{archive.name}: no QtWebEngineWidgets",
    )

    def lacking(found: list[str]) -> WebPartProblem | None:
        return None if any("QtWebEngineWidgets" in where for where in found) else missing

    unpack_wheel(archive, dest, stop, place, lacking, "the part that shows views", WebPartProblem)


def _in_words(progress: RuntimeProgress) -> RuntimeProgress:
    """The runtimes' “Downloading <title> <version>: 12 of 175 MB” without the version."""

    def report(sentence: str, fraction: float | None, /) -> None:
        progress(f"Downloading the part that shows views: {sentence.rpartition(': ')[2]}", fraction)

    return report
