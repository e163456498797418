"""The web view part's folder: one per PySide6 version, which of the wheel's files it keeps, and what
Qt WebEngine is told of where they are."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop.servers.web_part_folder import WebPartFolder, place, preloaded_libraries

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's layout")


def test_each_pyside_version_has_its_own_folder_under_the_data_folder(tmp_path: Path) -> None:
    folder = WebPartFolder.of(tmp_path, "6.11.3")
    assert folder.root == tmp_path / "parts" / "webengine" / "6.11.3"
    assert folder.package == folder.root / "PySide6"
    assert not folder.installed()
    folder.package.mkdir(parents=True)
    assert not folder.installed()  # a folder is not the part: its module is
    (folder.package / "QtWebEngineWidgets.abi3.so").write_bytes(b"")
    assert folder.installed()
    assert not WebPartFolder.of(tmp_path, "6.11.4").installed()
    assert WebPartFolder.of(tmp_path, "6.11.4").others() == [folder.root]


@pytest.mark.parametrize(
    ("member", "kept"),
    [
        ("PySide6/QtWebEngineCore.abi3.so", True),
        ("PySide6/QtWebEngineWidgets.abi3.so", True),
        ("PySide6/QtWebChannel.abi3.so", True),
        ("PySide6/QtPositioning.abi3.so", True),
        ("PySide6/Qt/lib/libQt6WebEngineCore.so.6", True),
        ("PySide6/Qt/libexec/QtWebEngineProcess", True),
        ("PySide6/Qt/resources/icudtl.dat", True),
        ("PySide6/Qt/translations/qtwebengine_locales/de.pak", True),
        ("PySide6/Qt6WebEngineCore.dll", True),
        ("PySide6/QtWebEngineProcess.exe", True),
        ("PySide6/__init__.py", False),
        ("PySide6/_config.py", False),
        ("PySide6/QtWebEngineCore.pyi", False),
        ("PySide6/QtWebEngineQuick.abi3.so", False),
        ("PySide6/Qt/lib/libQt6WebEngineQuick.so.6", False),
        ("PySide6/Qt/lib/libQt6PositioningQuick.so.6", False),
        ("PySide6/Qt/qml/QtWebEngine/qmldir", False),
        ("PySide6/Qt/lib/libQt63DCore.so.6", False),
        ("PySide6/Qt/translations/qt_de.qm", False),
        ("PySide6/../evil/QtWebEngineCore.so", False),
        ("pyside6_addons-6.11.3.dist-info/RECORD", False),
    ],
)
def test_only_what_webengine_needs_is_kept(member: str, kept: bool) -> None:
    assert (place(member) == member) is kept


@linux_only
def test_webengine_is_told_where_its_files_are_and_its_helper_where_qt_is(tmp_path: Path) -> None:
    folder = WebPartFolder.of(tmp_path / "data", "6.11.3")
    qt = folder.package / "Qt"
    env = folder.environment(tmp_path / "site" / "PySide6")
    assert env == {
        "QTWEBENGINEPROCESS_PATH": str(qt / "libexec" / "QtWebEngineProcess"),
        "QTWEBENGINE_RESOURCES_PATH": str(qt / "resources"),
        "QTWEBENGINE_LOCALES_PATH": str(qt / "translations" / "qtwebengine_locales"),
        "LD_LIBRARY_PATH": str(tmp_path / "site" / "PySide6" / "Qt" / "lib"),
    }


@linux_only
def test_the_libraries_loaded_first_are_pyside_s_own_that_are_there(tmp_path: Path) -> None:
    lib = tmp_path / "PySide6" / "Qt" / "lib"
    lib.mkdir(parents=True)
    for name in ("Core", "Quick"):
        (lib / f"libQt6{name}.so.6").write_bytes(b"")
    assert preloaded_libraries(tmp_path / "PySide6") == [lib / "libQt6Core.so.6", lib / "libQt6Quick.so.6"]
