"""A window wired to a fake service side that runs on a real service thread."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import null
from pytestqt.qtbot import QtBot

from desktop.core.audit import AuditTrail
from desktop.core.config import ServerConfig
from desktop.core.consent import ConsentGate
from desktop.core.consent_rules import ConsentRules
from desktop.core.events import EventBus, ServerState
from desktop.core.redact import Redactor
from desktop.core.secrets import SecretStore
from desktop.core.secrets_control import SecretsControl
from desktop.core.secrets_service import SecretsService
from desktop.core.service_loop import ServiceLoop
from desktop.llm.models.engine import ModelEngine
from desktop.llm.models.gpu_probe import GpuProbe
from desktop.llm.models.service import InMemorySettings, ModelService
from desktop.ui.bridge import Bridge, Controls
from desktop.ui.main_window import MainWindow
from tests.ui.catalogue_fakes import FakeCatalogue
from tests.ui.chat_fakes import FakeChats
from tests.ui.fakes import FakeAudit, FakeControl, FakeRpcLog, fake_diagnosis

Attach = Callable[..., None]
"""Hands the fakes to the bridge; keyword arguments replace or add controls (`gateway=...`)."""

OFFSCREEN_LIMITS = (
    r"This plugin does not support (raise|propagateSizeHints)\(\)"
    r"|QObject::connect: No such signal QPlatformNativeInterface::systemTrayWindowChanged"
)
"""The offscreen platform can't raise windows, pass size hints or host a tray, and says so."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in item.nodeid or item.nodeid.startswith("ui/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS))


@pytest.fixture
def service_loop() -> Iterator[ServiceLoop]:
    loop = ServiceLoop("test-services")
    loop.start()
    yield loop
    loop.stop()


@pytest.fixture
def bridge(qtbot: QtBot) -> Bridge:
    return Bridge()


@pytest.fixture
def fake(bridge: Bridge) -> FakeControl:
    return FakeControl(bridge.deliver)


@pytest.fixture
def fake_log(bridge: Bridge) -> FakeRpcLog:
    return FakeRpcLog(bridge.deliver)


@pytest.fixture
def fake_audit(bridge: Bridge) -> FakeAudit:
    return FakeAudit(bridge.deliver)


@pytest.fixture
def secrets(bridge: Bridge, tmp_path: Path) -> Iterator[SecretsControl]:
    """The real secrets service; here on keyring's `null` backend, which it refuses to use.

    The Secrets page tests override this with one on a real keyring.
    """
    yield from secrets_on(SecretStore(null.Keyring()), bridge, tmp_path, dict)


def secrets_on(
    store: SecretStore, bridge: Bridge, folder: Path, users: Callable[[], dict[str, list[str]]]
) -> Iterator[SecretsService]:
    events = EventBus()
    events.subscribe(bridge.deliver)
    audit = AuditTrail(folder / "secrets-audit.db", Redactor())
    yield SecretsService(store, audit, events, Redactor(), users)
    audit.close()


@pytest.fixture
def models(bridge: Bridge, tmp_path: Path) -> Iterator[ModelService]:
    """The real model service on an empty models folder, the real GPU probe, and no other apps' folders.

    Its once-a-second memory loop is not running; tests that want it start `run()` themselves.
    """
    events = EventBus()
    events.subscribe(bridge.deliver)
    service = ModelService(
        tmp_path / "models",
        InMemorySettings(),
        events,
        vault=None,
        probe=GpuProbe(),
        engine=ModelEngine(),
        locations=(),
        calibration_file=tmp_path / "fit-calibration.json",
    )
    yield service
    service.close()


@pytest.fixture
def consent(bridge: Bridge, tmp_path: Path) -> Iterator[ConsentGate]:
    """The real consent gate and rules file, recording to its own audit trail."""
    events = EventBus()
    events.subscribe(bridge.deliver)
    audit = AuditTrail(tmp_path / "consent-audit.db", Redactor())
    yield ConsentGate(ConsentRules(tmp_path / "consent.json"), _Unasked(), audit, events)
    audit.close()


class _Unasked:
    async def ask(self, request: object) -> object:
        raise AssertionError("nothing in this test should need the user's consent")

    elicit = review_sampling = ask


@pytest.fixture
def chats(bridge: Bridge) -> FakeChats:
    return FakeChats(bridge.deliver)


@pytest.fixture
def catalogue(fake: FakeControl) -> FakeCatalogue:
    return FakeCatalogue(fake)


@pytest.fixture
def attach(
    qtbot: QtBot,
    bridge: Bridge,
    fake: FakeControl,
    fake_log: FakeRpcLog,
    fake_audit: FakeAudit,
    secrets: SecretsControl,
    models: ModelService,
    consent: ConsentGate,
    chats: FakeChats,
    catalogue: FakeCatalogue,
    service_loop: ServiceLoop,
) -> Attach:
    """Hand the fakes to the bridge, as the app does once its services exist."""

    def attach_now(**extra: Any) -> None:
        with qtbot.waitSignal(bridge.services_ready):
            controls = Controls(
                fake, fake, fake_log, fake_audit, secrets, models, consent, chats, fake_diagnosis, catalogue
            )
            bridge.attach(replace(controls, **extra), service_loop.submit)

    return attach_now


def trusted(config: ServerConfig) -> ServerConfig:
    return config.model_copy(update={"trusted_launch": config.launch_hash()})


@pytest.fixture
def three_servers(fake: FakeControl) -> FakeControl:
    """Running with tools, failed with a reason, and one nobody approved yet."""
    fake.put(
        "files",
        trusted(
            ServerConfig(command="python", args=["-m", "desktop.builtin_servers.files", "--root", "/home/me"])
        ),
        state=ServerState.RUNNING,
        started_at=time.time() - 2 * 3600 - 5 * 60,
        pid=4242,
        tool_count=3,
        cpu_percent=0.4,
        memory_bytes=41_000_000,
    )
    fake.set_tools(
        "files",
        ("read_file", "Read a text file from the shared folder."),
        ("list_folder", "List what is in a folder."),
        ("write_file", "Write a text file into the shared folder."),
    )
    fake.set_output("files", "files server ready", "serving /home/me")
    fake.put(
        "weather",
        trusted(
            ServerConfig(command="npx", args=["-y", "weather-mcp"], env={"WEATHER_API_KEY": "s3cr3t-value"})
        ),
        state=ServerState.FAILED,
        reason="“weather” stopped unexpectedly. Look at its output, fix the problem, then press Start.",
        details="exit code 1\nError: WEATHER_API_KEY is not valid",
        restarts=3,
    )
    fake.put(
        "github",
        ServerConfig(
            command="npx",
            args=["-y", "@modelcontextprotocol/server-github"],
            env={"GITHUB_TOKEN": "ghp_do-not-show-me"},
            cwd="/home/me/projects",
        ),
    )
    return fake


@pytest.fixture
def window(qtbot: QtBot, bridge: Bridge) -> MainWindow:
    made = MainWindow(tray_available=False)
    made.attach(bridge)
    qtbot.addWidget(made)
    return made
