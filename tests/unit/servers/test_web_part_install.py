"""Getting the web view part from a PyPI-shaped loopback server: only WebEngine's files kept, in a
folder per PySide6 version; a damaged download, a wheel without the part and a Stop leave nothing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from desktop.servers.runtime_install import WheelSource
from desktop.servers.runtime_wheels import RuntimeProblem, Target
from desktop.servers.web_part_folder import WebPartFolder
from desktop.servers.web_part_install import WebPartProblem, WebPartService
from tests.fixtures.fake_pypi import FakePypi, _wheel, addons_wheel

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(sys.platform == "win32", reason="the part's layout is Linux's here"),
]
LINUX = Target("linux", "x86_64", "glibc", (2, 36))
VERSION = "6.11.3"


def parts(tmp_path: Path) -> list[str]:
    folder = tmp_path / "data" / "parts" / "webengine"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


async def test_only_what_webengine_needs_is_unpacked_into_the_version_s_folder(tmp_path: Path) -> None:
    progress: list[tuple[str, float | None]] = []
    with FakePypi() as pypi:
        pypi.add("PySide6-Addons", VERSION, addons_wheel(tmp_path / "w", VERSION, "manylinux_2_34_x86_64"))
        pypi.add("PySide6-Addons", VERSION, addons_wheel(tmp_path / "w", VERSION, "win_amd64"))
        service = WebPartService(tmp_path / "data", WheelSource(pypi.index, target=LINUX))
        root = await service.install(VERSION, lambda *p: progress.append(p))
    assert root == tmp_path / "data" / "parts" / "webengine" / VERSION
    assert WebPartFolder.of(tmp_path / "data", VERSION).installed()
    assert files_in(root) == [
        "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
        "PySide6/Qt/libexec/QtWebEngineProcess",
        "PySide6/Qt/resources/qtwebengine_resources.pak",
        "PySide6/Qt/translations/qtwebengine_locales/en-US.pak",
        "PySide6/QtWebEngineWidgets.abi3.so",
    ]
    assert (root / "PySide6/Qt/libexec/QtWebEngineProcess").stat().st_mode & 0o100
    assert parts(tmp_path) == [VERSION]
    sentences = [sentence for sentence, _ in progress]
    assert sentences[0] == "Looking up the part that shows views on PyPI…"
    assert sentences[-2].startswith("Downloading the part that shows views: ")
    assert sentences[-2].endswith(" MB")
    assert progress[-2][1] == 1.0
    assert sentences[-1] == "Unpacking the part that shows views…"


async def test_a_part_for_another_pyside_version_is_not_used_and_goes_once_the_new_one_is_in(
    tmp_path: Path,
) -> None:
    old = WebPartFolder.of(tmp_path / "data", "6.10.0")
    (old.package).mkdir(parents=True)
    (old.package / "QtWebEngineWidgets.abi3.so").write_bytes(b"old")
    assert not WebPartFolder.of(tmp_path / "data", VERSION).installed()
    with FakePypi() as pypi:
        pypi.add("PySide6-Addons", VERSION, addons_wheel(tmp_path / "w", VERSION, "manylinux_2_34_x86_64"))
        await WebPartService(tmp_path / "data", WheelSource(pypi.index, target=LINUX)).install(
            VERSION, lambda *p: None
        )
        await WebPartService(tmp_path / "data", WheelSource(pypi.index, target=LINUX)).install(
            VERSION, lambda *p: None
        )
        assert pypi.downloads == 1
    assert parts(tmp_path) == [VERSION]


async def test_a_damaged_download_leaves_nothing(tmp_path: Path) -> None:
    with FakePypi() as pypi:
        pypi.add("PySide6-Addons", VERSION, addons_wheel(tmp_path / "w", VERSION, "manylinux_2_34_x86_64"))
        pypi.wrong_sha = True
        service = WebPartService(tmp_path / "data", WheelSource(pypi.index, target=LINUX))
        with pytest.raises(RuntimeProblem, match="damaged on the way, so MCP Desk did not install it"):
            await service.install(VERSION, lambda *p: None)
    assert parts(tmp_path) == []


async def test_a_wheel_without_the_part_leaves_nothing(tmp_path: Path) -> None:
    empty = _wheel(
        tmp_path / "w" / f"pyside6_addons-{VERSION}-cp310-abi3-manylinux_2_34_x86_64.whl",
        {"PySide6/Qt3DCore.abi3.so": (b"3d", False)},
    )
    with FakePypi() as pypi:
        pypi.add("PySide6-Addons", VERSION, empty)
        service = WebPartService(tmp_path / "data", WheelSource(pypi.index, target=LINUX))
        with pytest.raises(WebPartProblem, match="does not hold the part that shows views"):
            await service.install(VERSION, lambda *p: None)
    assert parts(tmp_path) == []


async def test_no_wheel_for_this_computer_is_said_in_words(tmp_path: Path) -> None:
    with FakePypi() as pypi:
        pypi.add("PySide6-Addons", VERSION, addons_wheel(tmp_path / "w", VERSION, "win_amd64"))
        service = WebPartService(tmp_path / "data", WheelSource(pypi.index, target=LINUX))
        with pytest.raises(WebPartProblem, match="no part that shows views for this computer") as caught:
            await service.install(VERSION, lambda *p: None)
    assert "win_amd64" in caught.value.details
    assert parts(tmp_path) == []


async def test_stop_mid_download_leaves_nothing(tmp_path: Path) -> None:
    wheel = addons_wheel(tmp_path / "w", VERSION, "manylinux_2_34_x86_64", padding=2_000_000)
    arrived = asyncio.Event()
    with FakePypi() as pypi:
        pypi.add("PySide6-Addons", VERSION, wheel)
        pypi.hold_after = wheel.stat().st_size // 2
        service = WebPartService(tmp_path / "data", WheelSource(pypi.index, target=LINUX))
        task = asyncio.create_task(service.install(VERSION, lambda s, f: arrived.set() if f else None))
        await arrived.wait()
        assert len(parts(tmp_path)) == 1 and parts(tmp_path)[0].startswith(".installing-webengine-")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert parts(tmp_path) == []
