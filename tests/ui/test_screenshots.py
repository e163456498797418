"""Pictures of every page and dialog in `tests/artifacts/`, for a person to look at.

Open them after UI work and judge them as someone who never opens a terminal would.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.audit_records import AuditKind, VerifyReport
from desktop.ui.dialogs.import_dialog import ImportDialog
from desktop.ui.dialogs.server_form import ServerFormDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeAudit, FakeControl, FakeRpcLog, import_plan
from tests.ui.helpers import wait_for_dialog
from tests.ui.samples import Wire, sample_traffic, sample_trail

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def shots() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def save(widget: QWidget, folder: Path, name: str) -> None:
    QApplication.processEvents()  # let layouts settle, as they would before the next paint
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"


@pytest.fixture
def history(fake_log: FakeRpcLog, fake_audit: FakeAudit) -> None:
    """A few minutes of traffic and the audit records that go with it."""
    traffic = sample_traffic(Wire(start=time.time() - 180))
    fake_log.ring = traffic
    call = next(e for e in traffic if e.server == "files" and e.rpc_id == "2")
    sample_trail(fake_audit, call.time)


def test_screenshots_of_pages(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, history: None, attach: Attach, shots: Path
) -> None:
    window.show()
    qtbot.waitExposed(window)
    save(window, shots, "00-starting")
    attach()
    page = window.servers_page
    page.select("files")
    page.details.setCurrentWidget(page.details.tools)
    save(window, shots, "01-servers-running-tools")
    page.details.setCurrentWidget(page.details.output)
    save(window, shots, "02-servers-output")
    page.select("weather")
    page.details.setCurrentWidget(page.details.overview)
    page.details.overview.details.set_open(True)
    three_servers.emit_notice("weather stopped", "“weather” stopped unexpectedly.", "exit code 1")
    qtbot.waitUntil(window.banner.isVisible)
    save(window, shots, "03-servers-failed-with-notice")
    window.banner.hide()
    page.select("github")
    save(window, shots, "04-servers-needs-approval")
    window.log_page.table.select(9)
    window.audit_page.table.select(3)
    for area in ("model", "chat", "log", "audit", "secrets", "settings"):
        window.show_area(area)
        save(window, shots, f"10-{area}")


def test_screenshots_of_log_and_audit(
    qtbot: QtBot,
    window: MainWindow,
    three_servers: FakeControl,
    fake_audit: FakeAudit,
    history: None,
    attach: Attach,
    shots: Path,
) -> None:
    window.show()
    attach()
    audit = window.audit_page
    qtbot.waitUntil(lambda: audit.model.rowCount() == len(fake_audit.records))
    window.show_area("audit")
    audit.table.select(4)
    audit.detail.messages_button.click()
    save(window, shots, "11-log-one-request")
    log = window.log_page
    log.filters.request_clear.click()
    qtbot.waitUntil(lambda: log.filters.height() == log.filters.sizeHint().height())  # chip gone
    log.filters.problems_box.click()
    log.table.select(log.model.rowCount() - 1)
    save(window, shots, "12-log-problems")
    window.show_area("audit")
    fake_audit.report = VerifyReport(
        False,
        6,
        first_bad=5,
        message="Record 5 was changed after it was written. Records from 5 on can't be trusted.",
    )
    audit.verify_button.click()
    qtbot.waitUntil(lambda: audit.message.text.startswith("Record 5"))
    save(window, shots, "13-audit-check-failed")
    audit.table.select(5)
    save(window, shots, "14-audit-denied")
    assert AuditKind.TOOL_CALL is audit.model.record_at(5).kind


def test_screenshots_of_dialogs(
    qtbot: QtBot, window: MainWindow, three_servers: FakeControl, attach: Attach, shots: Path
) -> None:
    three_servers.plan = import_plan(Path("/home/me/.config/Claude/claude_desktop_config.json"))
    attach()
    window.show()
    page = window.servers_page
    page.select("github")
    page.details.overview.review_button.click()
    trust = wait_for_dialog(qtbot, TrustDialog)
    save(trust, shots, "20-trust-dialog")
    trust.reject()
    page.add_action.trigger()
    form = wait_for_dialog(qtbot, ServerFormDialog)
    save(form, shots, "21-add-server")
    form.save_button.click()
    save(form, shots, "22-add-server-problem")
    form.reject()
    page.select("weather")
    page.edit_action.trigger()
    form = wait_for_dialog(qtbot, ServerFormDialog)
    form.tabs.setCurrentIndex(1)
    save(form, shots, "23-edit-server-json")
    form.reject()
    page.import_action.trigger()
    importer = wait_for_dialog(qtbot, ImportDialog)
    qtbot.waitUntil(lambda: importer.preview.topLevelItemCount() == 3)
    save(importer, shots, "24-import-preview")
    importer.reject()
