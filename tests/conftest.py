from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import keyring.core
import pytest
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from desktop.core.secrets import SecretStore
from desktop.llm.models.locations import SEARCH_HOME_ENV
from desktop.services import APPS_HOME_ENV
from tests.fixtures.keyring_bus import KeyringUnavailable, private_keyring
from tests.fixtures.node_servers import REQUIRE_ENV as REQUIRE_NODE_ENV
from tests.fixtures.node_servers import NodeUnavailable, node_server
from tests.fixtures.real_model import REQUIRE_ENV, RealModelUnavailable, real_model_path
from tests.fixtures.tiny_gguf import SMALL, write_gguf

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

T = TypeVar("T")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """No test reads or writes the real user's config, data or autostart entries."""
    home = tmp_path_factory.mktemp("mcp-desk-home")
    monkeypatch.setenv("MCP_DESK_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    monkeypatch.setenv(SEARCH_HOME_ENV, str(home / "home"))  # other apps' models: not the user's
    monkeypatch.setenv(APPS_HOME_ENV, str(home / "home"))  # other apps' settings: not the user's
    return str(home)


@pytest.fixture
def local_time_ten_hours_behind_utc() -> Iterator[None]:
    """A fixed local zone far from UTC, so 'local date' and 'UTC date' differ late in the day."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "DESK+10"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture(scope="session")
def keyring_bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Secret Service (`tests/fixtures/keyring_bus.py`); yields the bus address.

    Without the Debian packages the tests that use it skip, unless MCP_DESK_REQUIRE_KEYRING=1
    (set by .ci/run) says they must run.
    """
    try:
        with private_keyring(tmp_path_factory.mktemp("keyring-home")) as address:
            yield address
    except KeyringUnavailable as unavailable:
        _cannot_run(str(unavailable))


def _cannot_run(reason: str) -> None:
    if os.environ.get("MCP_DESK_REQUIRE_KEYRING") == "1":
        pytest.fail(f"The real keyring is required here but {reason}.")
    pytest.skip(reason)


@pytest.fixture
def keyring_store(keyring_bus: str) -> Iterator[SecretStore]:
    """A `SecretStore` on the private Secret Service, under a service name of this test's own.

    The environment points child processes (the CLI, the app) at the same keyring and service.
    `keyring` keeps the backend it first chose for the whole process: it chooses anew with this
    environment, and again once it is put back, so later tests don't talk to a bus gone from theirs.
    """
    service = f"mcp-desk-test-{uuid.uuid4().hex[:8]}"
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("DBUS_SESSION_BUS_ADDRESS", keyring_bus)
        environment.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
        environment.setenv("MCP_DESK_KEYRING_SERVICE", service)
        keyring.core.init_backend()
        yield SecretStore(SecretServiceKeyring(), service)
    keyring.core.init_backend()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 2-layer llama GGUF (about 0.5 MB) that llama.cpp loads in milliseconds."""
    return write_gguf(tmp_path_factory.mktemp("models") / "tiny-test.gguf")


@pytest.fixture(scope="session")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated 8-layer model of about 230 MB, big enough for memory to be measured."""
    return write_gguf(tmp_path_factory.mktemp("models") / "small-test.gguf", SMALL)


@pytest.fixture(scope="session")
def real_model() -> Path:
    """SmolLM2-135M-Instruct (Q4_1), a real instruct model with a real tokenizer and chat template.

    Cached between runs; skips where it cannot be downloaded, unless MCP_DESK_REQUIRE_REAL_MODEL=1.
    """
    return _fetched(real_model_path, RealModelUnavailable, REQUIRE_ENV, "The real model")


@pytest.fixture(scope="session")
def everything_server() -> list[str]:
    """The npm reference server `server-everything` (a 2025-11-25 server), as a command line.

    Installed once into the test cache; skips without Node, unless MCP_DESK_REQUIRE_NODE=1.
    """
    return _fetched(node_server, NodeUnavailable, REQUIRE_NODE_ENV, "Node servers")


def _fetched(fetch: Callable[[], T], unavailable: type[Exception], require_env: str, what: str) -> T:
    """What `fetch` brings from a package registry; a skip where it can't, or a failure if required."""
    try:
        return fetch()
    except (unavailable, OSError, subprocess.TimeoutExpired) as exc:
        if os.environ.get(require_env) == "1":
            pytest.fail(f"{what}: required here, but {exc}")
        pytest.skip(str(exc))
