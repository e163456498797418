"""The web view part from the REAL `PySide6-Addons` wheel of the running PySide6, installed from a
PyPI-shaped loopback index, then used by a fresh process in which the pip-installed add-ons are
hidden: its view really renders, from the part's folder. The wheel (~175 MB) is downloaded once into
the test cache (`~/.cache/mcp-desk-tests/parts/`) with pip and taken from there afterwards.
Picture in `tests/artifacts/61-web-part-rendered.png`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import PySide6
import pytest

import desktop
from desktop.core.paths import AppPaths
from desktop.servers.runtime_install import WheelSource
from desktop.servers.web_part_folder import WebPartFolder
from desktop.servers.web_part_install import WebPartService
from tests.conftest import _fetched
from tests.fixtures.fake_pypi import FakePypi
from tests.fixtures.real_model import cache_dir
from tests.ui.test_screenshots import ARTIFACTS

pytestmark = [
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="the hidden add-ons are laid out the Linux way"
    ),
]
REQUIRE_ENV = "MCP_DESK_REQUIRE_WEB_PART"
"""Set to 1 to fail, not skip, where PyPI cannot be reached for the wheel."""


def addons_wheel() -> Path:
    folder = cache_dir() / "parts"

    def fetch() -> Path:
        found = sorted(folder.glob(f"pyside6_addons-{PySide6.__version__}-*.whl"))
        if not found:
            pip = [sys.executable, "-m", "pip", "download", f"PySide6-Addons=={PySide6.__version__}"]
            subprocess.run(
                [*pip, "--no-deps", "-d", str(folder)], check=True, timeout=900, capture_output=True
            )
            found = sorted(folder.glob(f"pyside6_addons-{PySide6.__version__}-*.whl"))
        if not found:
            raise OSError("pip downloaded no PySide6-Addons wheel")
        return found[0]

    return _fetched(fetch, subprocess.CalledProcessError, REQUIRE_ENV, "the PySide6-Addons wheel")


def without_addons(farm: Path) -> Path:
    """A copy of PySide6's folder made of links, without a file that only PySide6-Addons brings."""
    site = Path(PySide6.__file__).parent.parent
    essentials = {str(f) for f in metadata.distribution("PySide6-Essentials").files or []}
    addons = {str(f) for f in metadata.distribution("PySide6-Addons").files or []} - essentials

    def link(source: Path, target: Path) -> None:
        name = source.relative_to(site).as_posix()
        if source.is_dir() and any(other.startswith(f"{name}/") for other in addons):
            target.mkdir()
            for child in source.iterdir():
                link(child, target / child.name)
        elif name not in addons:
            target.symlink_to(source)

    farm.mkdir()
    link(site / "PySide6", farm / "PySide6")
    return farm


def test_a_view_renders_from_the_part_installed_from_the_real_wheel(tmp_path: Path) -> None:
    wheel = addons_wheel()
    data = AppPaths.from_environment().data_dir
    progress: list[float | None] = []
    with FakePypi() as pypi:
        pypi.add("PySide6-Addons", PySide6.__version__, wheel)
        service = WebPartService(data, WheelSource(pypi.index))
        asyncio.run(service.install(PySide6.__version__, lambda _s, fraction: progress.append(fraction)))
    assert progress[-1] is None and 1.0 in progress  # downloaded, then unpacked
    folder = WebPartFolder.of(data, PySide6.__version__)
    assert folder.installed()
    farm = without_addons(tmp_path / "farm")
    ARTIFACTS.mkdir(exist_ok=True)
    picture = ARTIFACTS / "61-web-part-rendered.png"
    picture.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(farm), str(Path(desktop.__file__).parent.parent)]),
        "QT_QPA_PLATFORM": "offscreen",
    }
    ran = subprocess.run(
        [sys.executable, "-m", "tests.e2e.web_part_child", str(picture)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(desktop.__file__).parent.parent,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    report = json.loads(ran.stdout.strip().splitlines()[-1])
    assert report["before"] is False, "the pip-installed add-ons were not hidden"
    assert report["after"] is True
    assert Path(report["core"]).is_relative_to(folder.package)
    assert report["said"] == [
        {"jsonrpc": "2.0", "method": "rendered", "params": {"text": "Rendered from the part"}}
    ]
    assert picture.is_file()


def test_a_damaged_part_does_not_keep_mcp_desk_from_starting(tmp_path: Path) -> None:
    folder = WebPartFolder.of(AppPaths.from_environment().data_dir, PySide6.__version__)
    folder.package.mkdir(parents=True)
    for module in ("QtWebEngineCore", "QtWebEngineWidgets"):
        (folder.package / f"{module}.abi3.so").write_bytes(b"not a library")
    farm = without_addons(tmp_path / "farm")
    code = (
        "from desktop.ui.web_part import prepare_web_part, web_part_available; prepare_web_part(); "
        "from PySide6.QtWidgets import QApplication; QApplication([]); print(web_part_available())"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(farm), str(Path(desktop.__file__).parent.parent)]),
        "QT_QPA_PLATFORM": "offscreen",
    }
    ran = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.strip() == "False"
