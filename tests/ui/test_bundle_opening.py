"""A bundle reaches its install dialog from File › Install Bundle…, a drop, or a second start of the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QFileOpenEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu
from pytestqt.qtbot import QtBot

from desktop.core.paths import AppPaths
from desktop.ui.file_opening import FileOpenings, watch_file_openings
from desktop.ui.main_window import MainWindow
from desktop.ui.single_instance import InstanceServer, hand_over, instance_name
from tests.ui.catalogue_fakes import FakeCatalogue, install_dialog_of
from tests.ui.conftest import Attach
from tests.ui.helpers import all_text, wait_for_dialog

ROOT = Path(__file__).resolve().parents[2]


def a_bundle(folder: Path, name: str = "notes-1.0.0.mcpb") -> Path:
    path = folder / name
    path.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: the fake service reads only the name
    return path


def file_menu_action(window: MainWindow, text: str) -> QAction:
    menu = window.menuBar().actions()[0].menu()
    assert isinstance(menu, QMenu)
    return next(action for action in menu.actions() if action.text() == text)


def test_file_install_bundle_asks_for_the_file_and_shows_its_plan(
    qtbot: QtBot, window: MainWindow, attach: Attach, catalogue: FakeCatalogue, tmp_path: Path
) -> None:
    window.show()
    action = file_menu_action(window, "Install &Bundle…")
    action.trigger()
    qtbot.waitUntil(window.banner.isVisible)
    assert window.banner.message_label.text() == "MCP Desk is still starting. Try again in a moment."
    attach()
    bundle = a_bundle(tmp_path)
    action.trigger()
    chooser = wait_for_dialog(qtbot, QFileDialog)
    assert "Server bundles (*.mcpb)" in chooser.nameFilters()
    chooser.selectFile(str(bundle))
    chooser.accept()
    dialog = install_dialog_of(qtbot, window)
    assert ("plan_bundle", bundle) in catalogue.calls
    text = all_text(dialog)
    assert "search_notes, read_note, add_note" in text
    assert "This bundle is not signed" in text
    assert "Notes folder (required)" in text


def drag(data: QMimeData, files: list[Path]) -> tuple[QDragEnterEvent, QDropEvent]:
    """Dragging `files`, carried by `data` (which the caller keeps: the events don't own it)."""
    data.setUrls([QUrl.fromLocalFile(str(path)) for path in files])
    where, action = QPointF(300, 300), Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where.toPoint(), action, data, buttons, keys)
    return enter, QDropEvent(where, action, data, buttons, keys)


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")  # Qt has no other one
def test_a_bundle_dropped_on_the_window_is_planned_and_other_files_are_refused(
    qtbot: QtBot, window: MainWindow, attach: Attach, catalogue: FakeCatalogue, tmp_path: Path
) -> None:
    attach()
    window.show()
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    carried = QMimeData()
    enter, _drop = drag(carried, [other])
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()
    bundle = a_bundle(tmp_path, "Weather.MCPB")
    enter, drop = drag(carried, [other, bundle])
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    # Qt hands a Drop only to the target of a real drag in progress, which a test can't start:
    # the drop goes to the filter that accepted the DragEnter above, as Qt would send it.
    assert window.installs.eventFilter(window, drop)
    install_dialog_of(qtbot, window)
    assert ("plan_bundle", bundle) in catalogue.calls


def test_a_bundle_that_cannot_be_opened_is_said_on_the_window(
    qtbot: QtBot, window: MainWindow, attach: Attach, tmp_path: Path
) -> None:
    attach()
    window.installs.open_bundle(tmp_path / "gone.mcpb")
    window.show()
    qtbot.waitUntil(window.banner.isVisible)
    assert (
        window.banner.message_label.text() == "MCP Desk can't open this file. Check that it is still there."
    )


def test_a_second_start_hands_its_bundle_to_the_running_one_and_ends(
    qtbot: QtBot, tmp_path: Path, isolated_home: str
) -> None:
    """Two instances: this test listens as the running MCP Desk; `python -m desktop FILE` is the second."""
    name = instance_name(AppPaths.from_environment().config_dir)
    running = InstanceServer(name)
    assert running.listen()
    bundle = a_bundle(tmp_path)
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    second = subprocess.Popen([sys.executable, "-m", "desktop", str(bundle)], cwd=ROOT, env=env)
    with qtbot.waitSignal(running.file_received, timeout=20_000) as received:
        pass
    assert received.args == [str(bundle.resolve())]
    assert second.wait(timeout=20) == 0
    with qtbot.waitSignal(running.knocked):
        assert hand_over(name, None)
    running.close()


def test_with_nobody_listening_a_start_is_the_first(isolated_home: str) -> None:
    assert not hand_over(instance_name(AppPaths.from_environment().config_dir), None)


def test_each_settings_folder_has_its_own_instance(tmp_path: Path) -> None:
    assert instance_name(tmp_path / "a") != instance_name(tmp_path / "b")
    assert instance_name(tmp_path / "a") == instance_name(tmp_path / "a" / ".." / "a")


def test_a_finder_double_click_reaches_the_install_dialog(
    qtbot: QtBot, window: MainWindow, attach: Attach, catalogue: FakeCatalogue, tmp_path: Path
) -> None:
    """macOS sends the file as a QFileOpenEvent to the app, kept until the window takes it."""
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    openings = FileOpenings(qapp)
    try:
        window.show()
        attach()
        early, later = a_bundle(tmp_path), a_bundle(tmp_path, "tasks-2.0.0.mcpb")
        QCoreApplication.postEvent(qapp, QFileOpenEvent(str(early)))
        qtbot.waitUntil(lambda: openings._early == [str(early)])
        openings.take(lambda path: window.installs.open_bundle(Path(path)))
        install_dialog_of(qtbot, window).reject()
        QCoreApplication.postEvent(qapp, QFileOpenEvent(str(later)))
        qtbot.waitUntil(lambda: ("plan_bundle", later) in catalogue.calls)
        assert [call[1] for call in catalogue.calls if call[0] == "plan_bundle"] == [early, later]
        install_dialog_of(qtbot, window).reject()
    finally:
        qapp.removeEventFilter(openings)
        openings.deleteLater()


def test_only_macos_watches_for_files_to_open() -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    before = qapp.findChildren(FileOpenings)
    watch_file_openings(qapp, platform="linux")
    assert qapp.findChildren(FileOpenings) == before
