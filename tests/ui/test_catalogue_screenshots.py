"""Pictures of browsing the catalogue and installing from it (or from a bundle), in `tests/artifacts/`.

Open them after UI work and judge them as someone who never opens a terminal would.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QPushButton, QWizard
from pytestqt.qtbot import QtBot

from desktop.ui.dialogs.catalogue_dialog import CatalogueDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.welcome.welcome_wizard import WelcomeWizard
from desktop.ui.widgets.collapsible import Collapsible
from tests.ui.catalogue_fakes import FakeCatalogue, bundle_plan, install_dialog_of, weather_plan
from tests.ui.conftest import Attach
from tests.ui.helpers import wait_for_dialog
from tests.ui.test_screenshots import save, shots  # noqa: F401  (the fixture)


def test_screenshots_of_browsing_and_installing(
    qtbot: QtBot,
    window: MainWindow,
    attach: Attach,
    catalogue: FakeCatalogue,
    shots: Path,  # noqa: F811
) -> None:
    window.show()
    attach()
    save(window, shots, "70-servers-page-browse-button")
    window.servers_page.browse_action.trigger()
    browse = wait_for_dialog(qtbot, CatalogueDialog)
    qtbot.waitUntil(lambda: browse.model.total() == 4)
    save(browse, shots, "71-browse-servers")
    qtbot.keyClicks(browse.search_edit, "notes")
    save(browse, shots, "72-browse-search")
    browse.search_edit.setText("spreadsheet")
    save(browse, shots, "73-browse-nothing-matches")
    browse.search_edit.clear()
    catalogue.refreshed = replace(
        catalogue.listed,
        problem="The MCP Registry could not be reached. Check your internet connection, then press Refresh.",
    )
    browse.refresh_button.click()
    qtbot.waitUntil(browse.source_problem.isVisible)
    save(browse, shots, "74-browse-registry-unreachable")
    browse.details.install_button.click()
    dialog = install_dialog_of(qtbot, window)
    save(dialog, shots, "75-install-form-missing-key")
    qtbot.keyClicks(dialog.fields.editors["WEATHER_API_KEY"], "k-123")
    save(dialog, shots, "76-install-form-filled")
    catalogue.hold_install = True
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.progress_label.text() == "Downloading weather-mcp 2.3.1 (25%)")
    save(dialog, shots, "77-installing")
    dialog.cancel_button.click()
    save(dialog, shots, "78-install-stopped")
    catalogue.hold_install = False
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.install_button.text() == "Review and start…")
    save(dialog, shots, "79-installed-waits-for-approval")
    dialog.install_button.click()
    trust = wait_for_dialog(qtbot, TrustDialog)
    save(trust, shots, "80-install-then-approve")
    trust.findChild(Collapsible).set_open(True)  # type: ignore[union-attr]
    trust.adjustSize()
    save(trust, shots, "80-install-then-approve-details")


def test_screenshots_of_a_bundle_and_a_blocked_plan(
    qtbot: QtBot,
    window: MainWindow,
    attach: Attach,
    shots: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    window.show()
    attach()
    bundle = window.installs.show_plan(bundle_plan(tmp_path / "notes-bundle-1.0.0.mcpb"))
    qtbot.waitExposed(bundle)
    save(bundle, shots, "81-install-bundle")
    bundle.reject()
    blocked = replace(
        weather_plan(),
        blocked="This server is made for macOS only, so it can't run on this computer.",
        notes=(),
    )
    dialog = window.installs.show_plan(blocked)
    qtbot.waitExposed(dialog)
    save(dialog, shots, "82-install-blocked")


def test_screenshot_of_the_welcomes_last_step(
    qtbot: QtBot,
    window: MainWindow,
    attach: Attach,
    shots: Path,  # noqa: F811
) -> None:
    attach()
    window.show_welcome()
    welcome = wait_for_dialog(qtbot, WelcomeWizard)
    for _step in range(3):
        welcome.next()
    choose = welcome.button(QWizard.WizardButton.CustomButton1)
    assert isinstance(choose, QPushButton)
    qtbot.waitUntil(choose.isDefault)
    save(welcome, shots, "83-welcome-last-step-browse")
    assert choose.isVisible() and choose.text() == "Choose a model…"
    assert not welcome.button(QWizard.WizardButton.FinishButton).isEnabled()
