"""Pictures of every page and dialog in `tests/artifacts/`, for a person to look at.

Open them after UI work and judge them as someone who never opens a terminal would.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.core.audit_records import AuditKind, VerifyReport
from desktop.core.consent import ConsentGate
from desktop.core.events import EventBus
from desktop.core.secrets_control import SecretsControl
from desktop.core.service_loop import ServiceLoop
from desktop.llm.models import service as model_service
from desktop.llm.models.engine import ModelEngine
from desktop.llm.models.gpu import OffloadSupport
from desktop.llm.models.gpu_probe import GpuProbe
from desktop.llm.models.library import ModelSource
from desktop.llm.models.service import InMemorySettings, ModelService
from desktop.ui.bridge import Bridge, Controls
from desktop.ui.dialogs.import_dialog import ImportDialog
from desktop.ui.dialogs.server_form import ServerFormDialog
from desktop.ui.dialogs.trust_dialog import TrustDialog
from desktop.ui.main_window import MainWindow
from desktop.ui.pages.model_quantize import QuantizeDialog
from tests.fixtures.fake_hub import FakeHub
from tests.fixtures.nvml_recorded import RTX_4090, RecordedNvml
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, TINY, write_gguf
from tests.ui.catalogue_fakes import FakeCatalogue
from tests.ui.chat_fakes import FakeChats
from tests.ui.conftest import Attach
from tests.ui.fakes import FakeAudit, FakeControl, FakeRpcLog, fake_diagnosis, import_plan
from tests.ui.helpers import wait_for_dialog
from tests.ui.samples import Wire, sample_traffic, sample_trail
from tests.ui.test_model_page import NoDevices, headless_gguf

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


@pytest.fixture
def desktop_with_models(
    tmp_path: Path, bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ModelService, FakeHub]]:
    """A desktop with an RTX 4090 (recorded), a CUDA build of llama.cpp, models in MCP Desk's folder
    and in LM Studio's, and a loopback hub serving two sizes of one model."""
    own, lm_studio = tmp_path / "models", tmp_path / "lmstudio" / "lmstudio-community" / "Qwen2.5-GGUF"
    own.mkdir()
    lm_studio.mkdir(parents=True)
    write_gguf(own / "hermes-3-llama-3.1-8b-f16.gguf", TINY, template=HERMES_TOOLS_TEMPLATE, name="Hermes 3")
    write_gguf(lm_studio / "qwen2.5-7b-instruct-q8_0.gguf", TINY, name="Qwen2.5 7B Instruct", seed=1)
    headless_gguf(own / "llama-3.2-3b-instruct-q4_k_m.gguf")
    (own / "mistral-7b-instruct-v0.3-q4_k_m.gguf").write_bytes(b"GGUF" + b"\xff" * 64)
    supported = OffloadSupport(True, "This copy of the model runtime can run models on the graphics card.")
    monkeypatch.setattr(model_service, "offload_support", lambda frozen=False: supported)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    events = EventBus()
    events.subscribe(bridge.deliver)
    served = tmp_path / "served"
    served.mkdir()
    with FakeHub() as hub:
        hub.add_repo(
            "tester/Tiny-Instruct-GGUF",
            {
                name: write_gguf(served / name, TINY, seed=index)
                for index, name in enumerate(["Tiny-Instruct-Q4_K_M.gguf", "Tiny-Instruct-Q8_0.gguf"])
            },
        )
        service = ModelService(
            own,
            InMemorySettings(),
            events,
            vault=None,
            probe=GpuProbe(nvml=RecordedNvml(app_pid=os.getpid(), gpus=(RTX_4090,)), fallback=NoDevices()),
            engine=ModelEngine(),
            locations=[(ModelSource.LM_STUDIO, tmp_path / "lmstudio")],
            calibration_file=tmp_path / "fit-calibration.json",
            hub_endpoint=hub.endpoint,
        )
        yield service, hub
        service.close()


def test_screenshots_of_the_model_page(
    qtbot: QtBot,
    window: MainWindow,
    bridge: Bridge,
    fake: FakeControl,
    fake_log: FakeRpcLog,
    fake_audit: FakeAudit,
    secrets: SecretsControl,
    consent: ConsentGate,
    chats: FakeChats,
    service_loop: ServiceLoop,
    desktop_with_models: tuple[ModelService, FakeHub],
    shots: Path,
) -> None:
    models, _hub = desktop_with_models
    window.show()
    controls = Controls(
        fake, fake, fake_log, fake_audit, secrets, models, consent, chats, fake_diagnosis, FakeCatalogue()
    )
    bridge.attach(controls, service_loop.submit)
    metering = service_loop.submit(models.run())
    window.show_area("model")
    page, panel = window.model_page, window.model_page.load_panel
    qtbot.waitUntil(lambda: page.model.rowCount() == 4 and window.memory_meter.isVisible())
    page.table.select(0)
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "Fits on GPU")
    save(window, shots, "30-model-library")
    panel.gpu_slider.setValue(1)
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "1 of 2 layers on GPU")
    panel.load_button.click()
    qtbot.waitUntil(lambda: panel.loaded_label.text().startswith("Loaded:"), timeout=20_000)
    save(window, shots, "31-model-loaded")
    page.table.select(1)
    qtbot.waitUntil(lambda: panel.verdict_label.text() == "Fits on GPU")
    panel.load_button.click()
    qtbot.waitUntil(panel.message.isVisible, timeout=20_000)
    panel.details.set_open(True)
    save(window, shots, "32-model-load-failed")
    page.table.select(2)
    save(window, shots, "33-model-damaged")
    page.table.select(0)
    page.shrink_button.click()
    dialog = wait_for_dialog(qtbot, QuantizeDialog)
    save(dialog, shots, "34-model-make-smaller")
    dialog.reject()
    page.tabs.setCurrentWidget(page.download)
    page.download.repo_edit.setText("tester/Tiny-Instruct-GGUF")
    page.download.look_up("Q4_K_M")
    qtbot.waitUntil(lambda: page.download.choices.topLevelItemCount() == 2)
    save(window, shots, "35-model-download")
    metering.cancel()


def test_screenshot_of_the_model_page_without_a_gpu(
    qtbot: QtBot,
    window: MainWindow,
    attach: Attach,
    models: ModelService,
    service_loop: ServiceLoop,
    shots: Path,
    tmp_path: Path,
) -> None:
    """This machine as it is: the real probe, and whatever llama-cpp-python is installed."""
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    write_gguf(
        models_dir / "qwen2.5-0.5b-instruct-f16.gguf", TINY, template=HERMES_TOOLS_TEMPLATE, name="Qwen"
    )
    window.show()
    attach()
    metering = service_loop.submit(models.run())
    window.show_area("model")
    page, panel = window.model_page, window.model_page.load_panel
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and window.memory_meter.isVisible())
    qtbot.waitUntil(lambda: bool(panel.verdict_label.text()))
    panel.load_button.click()
    qtbot.waitUntil(lambda: panel.loaded_label.text().startswith("Loaded:"), timeout=20_000)
    save(window, shots, "36-model-without-gpu")
    metering.cancel()
