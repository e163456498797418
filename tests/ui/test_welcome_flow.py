"""A newcomer's first start, for real: a fresh MCP_DESK_HOME, the app's own default servers, a model
"found" where LM Studio keeps its models, the welcome flow walked with clicks, and a first tool call
allowed in the consent dialog and answered in the chat. Every step is pictured in tests/artifacts/."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWizard
from pytestqt.qtbot import QtBot

from desktop.app import controls_of
from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord
from desktop.core.events import EventBus, ServerState
from desktop.core.paths import AppPaths
from desktop.core.service_loop import ServiceLoop
from desktop.llm.chat.control import CallStatus, ChatSettings, Role, ToolCard
from desktop.llm.models.hub import PROCESSOR_BILLIONS, RECOMMENDED
from desktop.llm.models.locations import SEARCH_HOME_ENV
from desktop.llm.models.naming import friendly_name
from desktop.services import Services, build_services
from desktop.ui.application import GuiApp
from desktop.ui.dialogs.consent_dialog import ConsentDialog
from desktop.ui.first_paint import open_window
from desktop.ui.welcome.model_choice_page import ModelChoicePage
from desktop.ui.welcome.welcome_wizard import WelcomeWizard
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, write_gguf
from tests.ui.test_screenshots import save

MOST_CLICKS = 5


@dataclass
class FirstStart:
    gui: GuiApp
    services: Services
    loop: ServiceLoop
    shots: Path
    started: float
    """When the app started (time.monotonic()), for how long the first steps took; never asserted."""
    clicks: int = 0

    def click(self, qtbot: QtBot, button: QAbstractButton) -> None:
        assert button.isVisible() and button.isEnabled(), button.text()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.clicks += 1

    @property
    def wizard(self) -> WelcomeWizard:
        assert self.gui.window.welcome is not None
        return self.gui.window.welcome

    def shown_wizard(self, qtbot: QtBot) -> WelcomeWizard:
        """The welcome flow, once it opened by itself on the first start."""
        qtbot.waitUntil(lambda: self.gui.window.welcome is not None and self.wizard.isVisible())
        return self.wizard

    def at_model_step(self, qtbot: QtBot) -> ModelChoicePage:
        wizard = self.shown_wizard(qtbot)
        wizard.next()
        wizard.next()
        return wizard.model_page


def other_apps_home() -> Path:
    """Where this test's app looks for other apps' models: a folder of the test's, named explicitly."""
    return Path(os.environ[SEARCH_HOME_ENV])


@pytest.fixture
def found_model(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The model "found" where LM Studio keeps models: a tiny generated one with a tool-calling
    template, or with the parameter "real", the real SmolLM2-135M-Instruct (no tools in its template)."""
    models = other_apps_home() / ".lmstudio" / "models"
    if getattr(request, "param", None) == "real":
        real: Path = request.getfixturevalue("real_model")
        found = models / "HuggingFaceTB" / "SmolLM2-135M-Instruct-GGUF" / real.name
        found.parent.mkdir(parents=True)
        found.symlink_to(real)
        return found
    found = models / "NousResearch" / "Hermes-Tiny-GGUF" / "hermes-tiny.gguf"
    found.parent.mkdir(parents=True)
    return write_gguf(found, template=HERMES_TOOLS_TEMPLATE)


@pytest.fixture
def first_start(
    qtbot: QtBot, found_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hub: FakeHub
) -> Iterator[FirstStart]:
    started = time.monotonic()
    served = write_gguf(tmp_path / "served.gguf", template=HERMES_TOOLS_TEMPLATE)
    for offered in RECOMMENDED:  # whichever fits this machine is served
        file_name = offered.repo.rpartition("/")[2].removesuffix("-GGUF").lower() + "-q4_k_m.gguf"
        hub.add_repo(offered.repo, {file_name: served})
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    paths = AppPaths.from_environment()
    paths.files_dir.mkdir(parents=True)
    (paths.files_dir / "holiday plans.txt").write_text("Lisbon in May\n")
    (paths.files_dir / "recipes").mkdir()
    loop = ServiceLoop("first-start")
    loop.start()
    gui = GuiApp(open_window(["mcp-desk"], tmp_path / "window.ini"))
    qtbot.addWidget(gui.window)
    events = EventBus()
    events.subscribe(gui.bridge.deliver)

    async def bring_up() -> Services:
        services = build_services(paths, events, gui.consent)
        await services.manager.start_all()
        return services

    services = loop.submit(bring_up()).result(120)
    gui.window.show()
    gui.bridge.attach(controls_of(services), loop.submit)
    shots = Path(__file__).resolve().parents[1] / "artifacts"
    shots.mkdir(exist_ok=True)
    yield FirstStart(gui, services, loop, shots, started)
    gui.consent.close_all()
    if gui.window.welcome is not None:
        gui.window.welcome.close()
    loop.submit(services.close()).result(60)
    loop.stop()


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as fake:
        yield fake


def answered_card(qtbot: QtBot, start: FirstStart) -> ToolCard:
    page = start.gui.window.chat_page

    def cards() -> list[ToolCard]:
        shown = page.transcript.messages
        return [card for m in shown if m.role is Role.ASSISTANT for card in m.cards]

    def settled() -> bool:
        chat = page.current
        return chat is not None and not start.services.chats.busy(chat) and bool(cards())

    qtbot.waitUntil(settled, timeout=90_000)
    return cards()[0]


def test_a_newcomer_gets_from_first_start_to_an_allowed_tool_call_in_five_clicks(
    qtbot: QtBot, first_start: FirstStart
) -> None:
    start = first_start
    wizard = start.shown_wizard(qtbot)
    save(wizard, start.shots, "50-welcome-1-what-it-is")
    start.click(qtbot, wizard.button(QWizard.WizardButton.NextButton))

    assert wizard.currentPage() is wizard.folder_page
    assert Path(wizard.folder_page.folder_edit.text()) == start.services.paths.files_dir
    save(wizard, start.shots, "51-welcome-2-folder")
    start.click(qtbot, wizard.button(QWizard.WizardButton.NextButton))

    choice = wizard.model_page
    qtbot.waitUntil(lambda: choice.isComplete() and "Hermes Tiny" in choice.found_list.currentItem().text())
    qtbot.waitUntil(lambda: "Download (" in choice.download_button.text())
    qtbot.waitUntil(lambda: "checking" not in choice.found_list.currentItem().text())
    save(wizard, start.shots, "52-welcome-3-model")
    start.click(qtbot, wizard.button(QWizard.WizardButton.NextButton))

    trying = wizard.try_page
    qtbot.waitUntil(trying.isComplete, timeout=60_000)
    save(wizard, start.shots, "53-welcome-4-try")
    start.click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))

    queue = start.gui.consent
    qtbot.waitUntil(lambda: isinstance(queue.dialog, ConsentDialog), timeout=90_000)
    dialog = queue.dialog
    assert isinstance(dialog, ConsentDialog)
    qtbot.waitExposed(dialog)
    assert dialog.request.tool.qualified_name == "files__list_directory"
    assert dialog.explanation.isVisible(), "the first question says what it is for"
    # The tiny test model writes random text, but the folder it names can only be one that is there.
    assert dialog.request.arguments["path"] in (".", "recipes")
    save(dialog, start.shots, "54-welcome-5-first-question")
    start.click(qtbot, dialog.allow_once_button)

    card = answered_card(qtbot, start)
    save(start.gui.window, start.shots, "55-welcome-6-answered")
    assert card.status is CallStatus.DONE and not card.note
    if card.arguments == {"path": "."}:
        assert "holiday plans.txt" in card.result and "recipes" in card.result
    else:
        assert card.arguments == {"path": "recipes"} and '"entries": []' in card.result
    assert start.clicks <= MOST_CLICKS
    print(f"clicks from first start to an answered tool call: {start.clicks}")

    settings = start.services.settings.app_settings()
    assert settings.welcome_done and settings.consent_explained
    records = start.loop.submit(start.services.audit.query(AuditFilter(kind=AuditKind.TOOL_RESULT))).result(
        10
    )
    assert [r.data["tool"] for r in records] == ["list_directory"]
    chat_id = start.gui.window.chat_page.current
    assert chat_id is not None
    qtbot.waitUntil(
        lambda: start.loop.submit(start.services.chats.settings(chat_id)).result(10) == ChatSettings(),
    )


def test_skipping_the_welcome_remembers_it_and_help_brings_it_back(
    qtbot: QtBot, first_start: FirstStart
) -> None:
    start = first_start
    start.shown_wizard(qtbot)
    start.click(qtbot, start.wizard.button(QWizard.WizardButton.CancelButton))
    qtbot.waitUntil(lambda: start.services.settings.app_settings().welcome_done)
    assert not start.wizard.isVisible()
    welcome = next(
        a for a in start.gui.window.menuBar().actions()[1].menu().actions() if "Welcome" in a.text()
    )
    welcome.trigger()
    assert start.wizard.isVisible() and start.wizard.currentPage() is start.wizard.intro_page


def test_a_folder_that_is_not_there_is_refused_with_a_sentence(qtbot: QtBot, first_start: FirstStart) -> None:
    start = first_start
    wizard = start.shown_wizard(qtbot)
    wizard.next()
    wizard.folder_page.folder_edit.setText(str(start.services.paths.files_dir / "nowhere"))
    wizard.next()
    assert wizard.currentPage() is wizard.folder_page
    assert "no folder there" in wizard.folder_page.message.text


def test_a_chosen_folder_with_writing_allowed_is_what_the_files_server_runs_with(
    qtbot: QtBot, first_start: FirstStart, tmp_path: Path
) -> None:
    start = first_start
    chosen = tmp_path / "my notes"
    chosen.mkdir()
    wizard = start.shown_wizard(qtbot)
    wizard.next()
    wizard.folder_page.folder_edit.setText(str(chosen))
    wizard.folder_page.write_box.setChecked(True)
    wizard.next()
    manager = start.services.manager

    def running_with_write_tools() -> bool:
        status = next(s for s in manager.statuses() if s.name == "files")
        names = {tool.name for tool in manager.tools("files")}
        return status.state is ServerState.RUNNING and "write_text_file" in names

    qtbot.waitUntil(running_with_write_tools, timeout=30_000)
    args = manager.config_of("files").args
    assert args[args.index("--root") + 1] == str(chosen) and "--allow-write" in args
    assert manager.config_of("files").is_trusted, "choosing it here is the approval"


def test_the_recommended_model_downloads_with_progress_and_is_chosen(
    qtbot: QtBot, first_start: FirstStart, hub: FakeHub
) -> None:
    start = first_start
    choice = start.at_model_step(qtbot)
    qtbot.waitUntil(lambda: "Download (" in choice.download_button.text())
    choice.download_button.click()
    qtbot.waitUntil(lambda: "q4_k_m" in (str(choice.selected()) if choice.selected() else ""), timeout=30_000)
    assert "downloaded and chosen" in choice.message.text
    assert hub.downloads()


def test_offline_without_a_model_the_last_step_leads_to_the_model_page(
    qtbot: QtBot, first_start: FirstStart, hub: FakeHub
) -> None:
    start = first_start
    for model in other_apps_home().rglob("*.gguf"):
        model.unlink()
    hub.force_status = 503
    choice = start.at_model_step(qtbot)
    qtbot.waitUntil(lambda: "No model that can be used was found" in choice.found_label.text())
    qtbot.waitUntil(lambda: "can't be downloaded right now" in choice.message.text)
    assert "go on without one and add a model later on the Model page" in choice.found_label.text()
    wizard = start.wizard
    save(wizard, start.shots, "56-welcome-no-model-offline")
    assert not choice.download_button.isEnabled()
    start.click(qtbot, wizard.button(QWizard.WizardButton.NextButton))

    trying = wizard.try_page
    assert wizard.currentPage() is trying
    assert trying.model_label.text() == "Model: none yet."
    assert "First, pick the AI that will answer you." in trying.message.text
    assert not trying.explanation.isVisible(), "no model will ask for a tool yet"
    choose = wizard.button(QWizard.WizardButton.CustomButton1)
    assert choose.isVisible() and choose.text() == "Choose a model…"
    qtbot.waitUntil(lambda: choose.isDefault())  # type: ignore[attr-defined]
    assert not trying.isComplete(), "Try it waits for a model"
    save(wizard, start.shots, "57-welcome-try-without-a-model")
    start.click(qtbot, choose)
    assert not wizard.isVisible()
    assert start.gui.window.model_page.isVisible()


def test_while_it_looks_again_the_model_step_does_not_say_none_were_found(
    qtbot: QtBot, first_start: FirstStart
) -> None:
    start = first_start
    models = list(other_apps_home().rglob("*.gguf"))
    for model in models:
        model.rename(model.with_suffix(".hidden"))
    choice = start.at_model_step(qtbot)
    qtbot.waitUntil(lambda: "No model that can be used was found" in choice.found_label.text())
    for model in models:
        model.with_suffix(".hidden").rename(model)

    start.gui.bridge.model_library_changed.emit()

    assert choice.found_label.text() == "Looking for models…"
    assert not choice.isComplete(), "Next waits for the answer"
    qtbot.waitUntil(lambda: choice.found_list.count() == 1 and choice.isComplete())
    assert choice.found_label.text() == ""


def test_without_a_graphics_card_it_recommends_a_small_model_and_says_it_will_be_slow(
    qtbot: QtBot, first_start: FirstStart
) -> None:
    start = first_start
    models = start.services.models
    if models.offload().supported and start.loop.submit(models.measure()).result(10).gpus:
        pytest.skip("this machine has a graphics card the model runtime can use")
    best = models.recommended()[0]
    choice = start.at_model_step(qtbot)

    assert best.params_billions <= PROCESSOR_BILLIONS
    assert friendly_name(best.repo) in choice.download_label.text()
    assert "GPU" not in choice.download_label.text()
    qtbot.waitUntil(lambda: "Download (" in choice.download_button.text())
    assert choice.download_verdict.text() == "runs on the processor: answers slowly without a graphics card"


@pytest.mark.parametrize("found_model", ["real"], indirect=True)
def test_with_a_real_small_model_the_first_call_lists_the_shared_folder(
    qtbot: QtBot, first_start: FirstStart
) -> None:
    """SmolLM2-135M-Instruct, whose template knows nothing of tools, still makes a call that works."""
    start = first_start
    wizard = start.shown_wizard(qtbot)
    start.click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    start.click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    choice = wizard.model_page
    qtbot.waitUntil(
        lambda: choice.isComplete() and "SmolLM2 135M Instruct —" in choice.found_list.item(0).text()
    )
    start.click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    qtbot.waitUntil(wizard.try_page.isComplete, timeout=60_000)
    assert wizard.try_page.model_label.text() == "Model: SmolLM2 135M Instruct is ready."
    start.click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))

    queue = start.gui.consent
    qtbot.waitUntil(lambda: isinstance(queue.dialog, ConsentDialog), timeout=120_000)
    dialog = queue.dialog
    assert isinstance(dialog, ConsentDialog)
    assert dialog.request.tool.qualified_name == "files__list_directory"
    assert dialog.request.arguments["path"] in (".", "recipes")
    start.click(qtbot, dialog.allow_once_button)
    card = answered_card(qtbot, start)
    seconds = time.monotonic() - start.started

    save(start.gui.window, start.shots, "59-welcome-real-model-answered")
    assert card.status is CallStatus.DONE and not card.note, card.result
    assert "holiday plans.txt" in card.result or card.arguments == {"path": "recipes"}
    assert start.clicks <= MOST_CLICKS
    print(f"real model: {start.clicks} clicks and {seconds:.1f} s from first start to a successful tool call")


def test_an_approval_given_by_the_welcome_is_recorded_as_the_welcomes(
    qtbot: QtBot,
    first_start: FirstStart,
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
