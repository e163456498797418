"""Installing from a plan: what it is, the generated form, blocked plans, progress, Stop, and approval."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
)
from pytestqt.qtbot import QtBot

from desktop.catalogue.control import CatalogueProblem
from desktop.ui.dialogs.install_dialog import InstallDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.widgets.inline_message import InlineMessage
from tests.ui.catalogue_fakes import FakeCatalogue, bundle_plan, install_dialog_of, weather_plan
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeControl
from tests.ui.helpers import all_text, wait_for_dialog


def install_dialog(qtbot: QtBot, window: MainWindow, plan: object = None) -> InstallDialog:
    window.installs.show_plan(plan or weather_plan())  # type: ignore[arg-type]
    return install_dialog_of(qtbot, window)


def test_the_dialog_says_who_made_it_what_runs_and_what_it_can_do(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    dialog = install_dialog(qtbot, window)
    text = all_text(dialog)
    assert dialog.windowTitle() == "Install “Weather”"
    for said in (
        "acme on GitHub ✓ verified",
        "npm @acme/weather-mcp@2.3.1",
        "io.github.acme/weather 2.3.1 from the MCP Registry",
        "It can read and change your files",
        "MCP Desk sets up Node.js 24.19.0 for it",
        "the first start also downloads @acme/weather-mcp@2.3.1",
        "Access:",
        "API key (required)",
        "Kept in your system's keychain",
    ):
        assert said in text


def test_the_form_has_the_right_control_for_each_kind_with_defaults_filled(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    dialog = install_dialog(qtbot, window)
    editors = dialog.fields.editors
    secret = editors["WEATHER_API_KEY"]
    assert isinstance(secret, QLineEdit) and secret.echoMode() is QLineEdit.EchoMode.Password
    units = editors["UNITS"]
    assert isinstance(units, QComboBox) and units.currentText() == "metric"
    assert [units.itemText(i) for i in range(units.count())] == ["(not set)", "metric", "imperial"]
    assert isinstance(editors["DAYS"], QSpinBox) and editors["DAYS"].value() == 3
    assert isinstance(editors["ALERTS"], QCheckBox) and editors["ALERTS"].isChecked()
    choose = editors["CACHE"].findChild(QPushButton)
    assert choose is not None and choose.text() == "Choose…"
    assert editors["EXTRA"].__class__ is QPlainTextEdit
    assert dialog.values() == {
        "WEATHER_API_KEY": "",
        "UNITS": "metric",
        "CITY": "Lisbon",
        "DAYS": "3",
        "ALERTS": "true",
        "CACHE": "",
        "EXTRA": "",
    }


def test_a_field_reads_in_words_with_the_publishers_name_small_beside_it(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    dialog = install_dialog(qtbot, window)
    titles = [label for label in dialog.fields.findChildren(QLabel) if "WEATHER_API_KEY" in label.text()]
    assert len(titles) == 1 and titles[0].text().startswith("Weather API key (required):<br><small")
    assert titles[0].toolTip() == "Its publisher calls it WEATHER_API_KEY"
    assert any(label.text() == "Units (optional):" for label in dialog.fields.findChildren(QLabel)), (
        "no key: no small line"
    )


def test_install_waits_for_the_required_values_and_says_which(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    dialog = install_dialog(qtbot, window)
    assert not dialog.install_button.isEnabled()
    assert dialog.message.text == "Fill in “Weather API key” to install."
    qtbot.keyClicks(dialog.fields.editors["WEATHER_API_KEY"], "k-123")
    assert dialog.install_button.isEnabled()
    assert not dialog.message.isVisible()


def test_a_blocked_plan_says_why_and_cannot_be_installed(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    blocked = replace(weather_plan(), blocked="This bundle is made for macOS only, so it can't run here.")
    dialog = install_dialog(qtbot, window, blocked)
    assert not dialog.install_button.isEnabled()
    assert dialog.message.text == (
        "This bundle is made for macOS only, so it can't run here. "
        "Look for another server that does this in Browse servers."
    )
    assert not dialog.fields.isVisible()


def test_installing_shows_progress_then_hands_over_to_the_approval(
    qtbot: QtBot, window: MainWindow, attach: Attach, catalogue: FakeCatalogue, fake: FakeControl
) -> None:
    attach()
    dialog = install_dialog(qtbot, window)
    qtbot.keyClicks(dialog.fields.editors["WEATHER_API_KEY"], "k-123")
    with qtbot.waitSignal(dialog.installed):
        dialog.install_button.click()
    assert ("install", "io.github.acme/weather", dialog.values()) in catalogue.calls
    assert dialog.values()["WEATHER_API_KEY"] == "k-123"
    assert dialog.message.text.startswith("Weather is installed. You'll find it on the Servers page.")
    assert "asks you once to approve it" in dialog.message.text
    assert dialog.install_button.text() == "Review and start…"
    assert "weather" in fake.configs
    dialog.install_button.click()
    review = wait_for_dialog(qtbot, TrustDialog)
    assert "weather" in all_text(review)


def test_stop_cancels_the_install_and_nothing_is_added(
    qtbot: QtBot, window: MainWindow, attach: Attach, catalogue: FakeCatalogue, fake: FakeControl
) -> None:
    attach()
    catalogue.hold_install = True
    dialog = install_dialog(qtbot, window)
    qtbot.keyClicks(dialog.fields.editors["WEATHER_API_KEY"], "k-123")
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.progress_label.text() == "Downloading weather-mcp 2.3.1 (25%)")
    assert dialog.progress_bar.value() == 25
    assert dialog.cancel_button.text() == "Stop"
    assert not dialog.fields.isEnabled()
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: ("install cancelled", "io.github.acme/weather") in catalogue.calls)
    assert dialog.isVisible()
    assert dialog.message.text == "Installing stopped. Nothing was added to MCP Desk."
    assert not dialog.progress_bar.isVisible()
    assert dialog.install_button.isEnabled() and dialog.fields.isEnabled()
    assert "weather" not in fake.configs


def test_a_failed_install_is_a_sentence_and_can_be_tried_again(
    qtbot: QtBot, window: MainWindow, attach: Attach, catalogue: FakeCatalogue
) -> None:
    attach()
    catalogue.fail_install = CatalogueProblem(
        "Node.js could not be downloaded. Check your internet connection, then try again.", "HTTP 503"
    )
    dialog = install_dialog(qtbot, window)
    qtbot.keyClicks(dialog.fields.editors["WEATHER_API_KEY"], "k-123")
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.message.text.startswith("Node.js could not be downloaded."))
    assert dialog.message.toolTip() == "HTTP 503"
    assert dialog.install_button.isEnabled() and dialog.install_button.text() == "Install"


def test_a_secret_can_be_shown_and_a_list_says_one_per_line_once(
    qtbot: QtBot, window: MainWindow, attach: Attach
) -> None:
    attach()
    dialog = install_dialog(qtbot, window)
    secret = dialog.fields.editors["WEATHER_API_KEY"]
    assert isinstance(secret, QLineEdit)
    dialog.fields.secret_toggles["WEATHER_API_KEY"].click()
    assert secret.echoMode() is QLineEdit.EchoMode.Normal
    assert dialog.fields.secret_toggles["WEATHER_API_KEY"].text() == "Hide"
    said = [label.text() for label in dialog.fields.findChildren(QLabel) if "per line" in label.text()]
    assert said == ["One city per line."]
    assert dialog.fields.findChild(QPlainTextEdit).placeholderText() == ""  # type: ignore[union-attr]


def test_an_unsigned_bundle_is_a_caution_and_its_long_path_gives_way_in_the_middle(
    qtbot: QtBot, window: MainWindow, attach: Attach, tmp_path: Path
) -> None:
    attach()
    path = tmp_path / ("deep-folder-" * 12) / "notes-bundle-1.0.0.mcpb"
    dialog = install_dialog(qtbot, window, bundle_plan(path))
    labels = dialog.findChildren(QLabel)
    came = next(label for label in labels if label.toolTip() == str(path))
    assert "…" in came.text() and came.text().endswith("notes-bundle-1.0.0.mcpb")
    cautions = [
        m for m in dialog.findChildren(InlineMessage) if m.text.startswith("This bundle is not signed")
    ]
    assert len(cautions) == 1
    assert "What it can do for the assistant:" in all_text(dialog)
