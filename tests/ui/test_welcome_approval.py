"""The welcome's folder step approves the built-in files server for the user, and the audit says so."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord
from tests.ui.test_welcome_flow import FirstStart, first_start, hub  # noqa: F401  (the fixtures)


def test_an_approval_given_by_the_welcome_is_recorded_as_the_welcomes(
    qtbot: QtBot,
    first_start: FirstStart,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    start = first_start
    chosen = tmp_path / "my notes"
    chosen.mkdir()
    wizard = start.shown_wizard(qtbot)
    wizard.next()
    wizard.folder_page.folder_edit.setText(str(chosen))
    wizard.next()

    def approvals() -> list[AuditRecord]:
        query = start.services.audit.query(AuditFilter(kind=AuditKind.TRUST), limit=10)
        return start.loop.submit(query).result(10)

    qtbot.waitUntil(lambda: bool(approvals()), timeout=30_000)
    (record,) = approvals()
    assert record.data["server"] == "files"
    assert record.data["approved_by"] == "the welcome"
