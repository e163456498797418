"""Every control on every page and in every dialog has a name, a tooltip, and a place in the Tab order.

A control is a button, line edit, spin box, combo box, editable text box, slider or item view.
For each one: a screen reader gets a name (`QAccessible`'s, which counts button text and buddy
labels), the mouse user gets a tooltip, and the keyboard user can Tab to it. Parts Qt builds
inside its own widgets (a combo box's line edit, a header, a tab bar's arrows, objects Qt names
`qt_…`) are the owner's business and are skipped, and a control that is deliberately kept out
of the Tab order says so with the dynamic property `unfocusable_helper` set to True. One run
lists every miss, each with its page or dialog, its class, its text and where it lives.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop.core.consent import ConsentGate, ElicitationRequest, SamplingRequest
from desktop.core.consent_rules import RuleScope
from desktop.core.service_loop import ServiceLoop
from desktop.llm.models.service import ModelService
from desktop.ui.bridge import Bridge
from desktop.ui.dialogs.consent_dialog import ConsentDialog
from desktop.ui.dialogs.elicitation_dialog import ElicitationDialog
from desktop.ui.dialogs.import_dialog import ImportDialog
from desktop.ui.dialogs.sampling_dialog import SamplingDialog
from desktop.ui.dialogs.secret_dialog import SecretDialog
from desktop.ui.dialogs.server_form import ServerFormDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.model_quantize import QuantizeDialog
from desktop.ui.pages.permissions_page import PermissionsPage
from desktop.ui.welcome.welcome_wizard import WelcomeWizard
from desktop.ui.widgets.open_link_box import OpenLinkBox
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, TINY, write_gguf
from tests.ui.chat_fakes import FakeChats, opened, tool
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl, import_plan
from tests.ui.test_chat_screenshots import conversation
from tests.ui.test_consent_dialog import request_for
from tests.ui.test_elicitation_dialog import LONG_URL, SCHEMA
from tests.ui.test_screenshots import history  # noqa: F401 (the fixture)
from tests.ui.test_trust_dialog import REQUEST

CONTROLS = (QAbstractButton, QLineEdit, QAbstractSpinBox, QComboBox, QSlider, QAbstractItemView)
QT_PARTS = (QComboBox, QAbstractSpinBox, QTabBar, QLineEdit, QHeaderView)
"""Widgets whose children Qt builds and names for them."""
UNFOCUSABLE = "unfocusable_helper"
"""A control that sets this dynamic property to True is deliberately left out of the Tab order."""


def is_control(widget: QWidget) -> bool:
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return not widget.isReadOnly()
    return isinstance(widget, CONTROLS) and not isinstance(widget, QHeaderView)


def is_qt_part(widget: QWidget) -> bool:
    if widget.objectName().startswith("qt_") or widget.metaObject().className() == "QTableCornerButton":
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QT_PARTS):
            return True
        parent = parent.parentWidget()
    return False


def spoken_name(widget: QWidget) -> str:
    """What a screen reader announces as the control's name.

    On Linux Qt reports a combo box's current choice as its name and relies on the label
    pointing at it, so a combo box needs an accessible name or a label whose buddy it is.
    """
    if widget.accessibleName().strip():
        return widget.accessibleName().strip()
    if isinstance(widget, QComboBox):
        labels = widget.window().findChildren(QLabel)
        return next((label.text().strip() for label in labels if label.buddy() is widget), "")
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Name).strip() if face is not None else ""


def shown_text(widget: QWidget) -> str:
    if isinstance(widget, QAbstractButton | QLineEdit):
        text = widget.text()
    elif isinstance(widget, QComboBox):
        text = widget.currentText()
    elif isinstance(widget, QPlainTextEdit):
        text = widget.placeholderText() or widget.toPlainText()
    else:
        text = ""
    return text.replace("\n", " ")[:40]


def where(widget: QWidget) -> str:
    """The attribute path that holds `widget`, e.g. `ChatPage.chat_list.search_edit`, when there is one."""
    path: list[str] = []
    child, parent = widget, widget.parentWidget()
    while parent is not None:
        names = [name for name, value in vars(parent).items() if value is child and not name.startswith("_")]
        if names:
            path.insert(0, names[0])
            child = parent
        parent = parent.parentWidget()
    return ".".join([type(child).__name__, *path]) if path else "(no attribute)"


def misses(widget: QWidget) -> list[str]:
    found = []
    if not spoken_name(widget):
        found.append("accessible name")
    if not widget.toolTip().strip():
        found.append("tooltip")
    tabs = widget.focusPolicy().value & Qt.FocusPolicy.TabFocus.value
    if not tabs and widget.property(UNFOCUSABLE) is not True:
        found.append("keyboard focus")
    return found


def problems(root: QWidget, place: str | Callable[[QWidget], str]) -> list[str]:
    """One line per control in `root` that misses a name, a tooltip or keyboard focus.

    `place` names the page or dialog, or says for each widget which page it is on.
    """
    lines = []
    for widget in (root, *root.findChildren(QWidget)):
        if is_control(widget) and not is_qt_part(widget) and (missing := misses(widget)):
            control = f"{widget.metaObject().className()} {shown_text(widget)!r} at {where(widget)}"
            lines.append(
                f"{place if isinstance(place, str) else place(widget)}: {control} lacks {', '.join(missing)}"
            )
    return lines


def report(lines: list[str]) -> None:
    assert not lines, f"{len(lines)} controls miss something:\n" + "\n".join(sorted(set(lines)))


def page_of(window: MainWindow, widget: QWidget) -> str:
    holders = {area.widget: area.key for area in window.areas}
    parent: QWidget | None = widget
    while parent is not None and parent not in holders:
        parent = parent.parentWidget()
    return holders[parent] if parent is not None else "window"


@pytest.fixture
def filled(
    qtbot: QtBot,
    window: MainWindow,
    three_servers: FakeControl,
    history: None,  # noqa: F811
    chats: FakeChats,
    models: ModelService,
    consent: ConsentGate,
    service_loop: ServiceLoop,
    attach: Attach,
    tmp_path: Path,
) -> MainWindow:
    """The window with servers, traffic, audit records, a chat, a model and a remembered permission."""
    (tmp_path / "models").mkdir()
    write_gguf(tmp_path / "models" / "qwen-f16.gguf", TINY, template=HERMES_TOOLS_TEMPLATE, name="Qwen")
    service_loop.run(consent.remember(tool("files", "read_file"), RuleScope.ALWAYS, None, ""), 10)
    conversation(chats)
    window.show()
    attach()
    window.servers_page.select("files")
    window.show_area("chat")
    opened(qtbot, window.chat_page, chats, "What is in my README?")
    window.show_area("model")
    qtbot.waitUntil(lambda: window.model_page.model.rowCount() == 1)
    window.model_page.table.select(0)
    window.show_area("permissions")
    permissions = window.findChild(PermissionsPage)
    assert permissions is not None
    qtbot.waitUntil(lambda: permissions.model.rowCount() == 1)
    for area in ("log", "audit", "secrets", "settings"):
        window.show_area(area)
    window.log_page.table.select(0)
    window.audit_page.table.select(0)
    return window


def test_every_control_in_the_window_is_named_explained_and_reachable(filled: MainWindow) -> None:
    report(problems(filled, lambda widget: page_of(filled, widget)))


def test_every_control_in_every_dialog_is_named_explained_and_reachable(
    qtbot: QtBot, bridge: Bridge, filled: MainWindow, three_servers: FakeControl
) -> None:
    three_servers.plan = import_plan(Path("/home/me/.config/Claude/claude_desktop_config.json"))
    importer = ImportDialog(bridge)
    qtbot.addWidget(importer)
    importer.show()
    qtbot.waitUntil(lambda: importer.preview.topLevelItemCount() == 3)
    lines = problems(importer, "import")
    for name, dialog in dialogs(bridge, filled, three_servers).items():
        qtbot.addWidget(dialog)
        dialog.show()
        lines.extend(problems(dialog, name))
    report(lines)


def dialogs(bridge: Bridge, window: MainWindow, servers: FakeControl) -> dict[str, QWidget]:
    """Every other dialog, each with the inputs it gets in the app."""
    sampling = SamplingRequest("notes", (("user", "Summarise my day"),), "Be brief.", 64)
    info = window.model_page.model.entry_at(0).info
    assert info is not None
    return {
        "add server": ServerFormDialog(taken={"files"}),
        "edit server": ServerFormDialog(taken={"files"}, name="weather", config=servers.configs["weather"]),
        "add secret": SecretDialog(),
        "change secret": SecretDialog("GITHUB_TOKEN", ("github",)),
        "trust": TrustDialog(REQUEST),
        "consent": ConsentDialog(request_for()),
        "elicitation form": ElicitationDialog(ElicitationRequest("crm", "Who is it for?", SCHEMA)),
        "elicitation link": ElicitationDialog(ElicitationRequest("github", "Sign in.", url=LONG_URL)),
        "sampling request": SamplingDialog(sampling, None),
        "sampling answer": SamplingDialog(sampling, "You had a calm day."),
        "make smaller": QuantizeDialog(bridge, info),
        "open link": OpenLinkBox(QUrl("https://example.com/docs")),
        "welcome": WelcomeWizard(bridge),
    }
