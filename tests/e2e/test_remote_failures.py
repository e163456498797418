"""A remote server that can't be reached says why in words, and what lasts is not retried.

Every address here is on this machine (or a `.invalid` name, which never resolves): a port
nothing listens on, the real Streamable HTTP fixture asked at a wrong path or in the wrong
scheme, the OAuth fixture shown a wrong token, a TLS server whose certificate nobody signed,
and a socket that accepts and never answers.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from keyring.backends import null

from desktop.core.autostart import Autostart
from desktop.core.config import AppConfig, ServerConfig
from desktop.core.config_store import ConfigStore
from desktop.core.consent import ConsentGate
from desktop.core.events import EventBus, ServerState, ServerStatus
from desktop.core.secrets import SecretStore
from desktop.core.settings import Settings
from desktop.servers.last_failures import LastFailures
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.oauth import SystemBrowser
from desktop.servers.supervisor import Credentials
from tests.e2e.conftest import FAST, Recorder
from tests.fixtures.oauth_server import OAuthFixture
from tests.fixtures.servers.paths import server_path

pytestmark = pytest.mark.anyio


def approved(url: str, **fields: object) -> ServerConfig:
    config = ServerConfig(url=url, **fields)  # type: ignore[arg-type]
    return config.model_copy(update={"trusted_launch": config.launch_hash()})


async def first_try(manager: ServerManager, url: str, **fields: object) -> ServerStatus:
    await manager.add("remote", approved(url, **fields))
    return await manager.start("remote")


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound a moment ago, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A loopback socket that takes the connection and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"


@pytest.fixture
def self_signed_url(tmp_path: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 whose certificate no authority signed."""
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = _QuietHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/mcp"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHTTPServer(http.server.HTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """The client hangs up in the TLS handshake; that is the point, not news."""


def _self_signed(folder: Path) -> tuple[Path, Path]:
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


async def test_an_address_that_does_not_exist_fails_at_once_and_says_so(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    status = await first_try(manager, "http://mcp-desk-test.invalid/mcp")
    assert status.state is ServerState.FAILED and status.restarts == 0
    assert "the address mcp-desk-test.invalid was not found" in status.reason
    assert "Check the address in its settings" in status.reason
    assert "stopped unexpectedly" not in status.reason and "output" not in status.reason
    assert "ConnectError" in status.details, "the raw error stays one click away"


async def test_a_refused_connection_is_named_and_retried(world, closed_port: int) -> None:  # type: ignore[no-untyped-def]
    manager, events, _spawned = world
    status = await first_try(manager, f"http://127.0.0.1:{closed_port}/mcp")
    assert status.state is ServerState.RESTARTING
    assert f"nothing at 127.0.0.1:{closed_port} accepted the connection" in status.reason
    failed = await events.wait_for(
        lambda e: getattr(e, "status", None) and e.status.state is ServerState.FAILED
    )
    assert "stopped trying" in failed.status.reason
    assert "Check that it is up" in failed.status.reason and "output" not in failed.status.reason


async def test_a_wrong_path_is_a_404_named_and_not_retried(world, http_fixture_url: str) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    wrong = http_fixture_url.replace("/mcp", "/not-here")
    status = await first_try(manager, wrong)
    assert status.state is ServerState.FAILED and status.restarts == 0
    assert "has no MCP server at /not-here (HTTP 404)" in status.reason


async def test_plain_http_asked_for_https_says_the_secure_connection_failed(
    world, http_fixture_url: str
) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    status = await first_try(manager, http_fixture_url.replace("http://", "https://"))
    assert status.state is ServerState.FAILED and status.restarts == 0
    assert "did not set up a secure connection" in status.reason
    assert "starting with http://" in status.reason


async def test_an_unverifiable_certificate_is_not_connected_to(world, self_signed_url: str) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    status = await first_try(manager, self_signed_url)
    assert status.state is ServerState.FAILED and status.restarts == 0
    assert "the certificate of 127.0.0.1 could not be verified" in status.reason
    assert "CERTIFICATE_VERIFY_FAILED" in status.details


async def test_a_refused_token_says_sign_in_is_needed(world, oauth_server: OAuthFixture) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    status = await first_try(manager, oauth_server.url, headers={"Authorization": "Bearer not-a-real-token"})
    assert status.state is ServerState.FAILED and status.restarts == 0
    assert "says it is not allowed in (HTTP 401)" in status.reason
    assert "Check the key or token in its headers" in status.reason


async def test_silence_reads_as_no_answer_in_time(world, silent_url: str) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    status = await first_try(manager, silent_url, init_timeout=2)
    assert status.state is ServerState.RESTARTING
    assert "127.0.0.1 did not answer within 2 seconds" in status.reason
    assert "not be an MCP server" not in status.reason


def launch(folder: Path, recording: Recording, consent: ConsentGate) -> tuple[ServerManager, Recorder]:
    """MCP Desk starting up on what `folder` holds from the last run."""
    store = ConfigStore(folder / "config.json", AppConfig)
    settings = Settings(store, store.load().config, Autostart(home=folder, environ={}), [sys.executable])
    recorder = Recorder()
    bus = EventBus()
    bus.subscribe(recorder)
    manager = ServerManager(
        settings,
        bus,
        LeftoverRegistry(folder / "run"),
        recording,
        Credentials(SecretStore(null.Keyring()), SystemBrowser()),
        consent,
        FAST,
        failures=LastFailures(folder / "remote-failures.json"),
    )
    return manager, recorder


def lifecycle(recording: Recording) -> list[str]:
    return [entry.text for entry in recording.rpc_log.recent() if entry.server == "remote"]


async def test_a_lasting_failure_is_not_retried_unasked_at_the_next_launch(
    tmp_path: Path, recording: Recording, consent: ConsentGate, http_fixture_url: str
) -> None:
    manager, _ = launch(tmp_path, recording, consent)
    await manager.add("remote", approved("http://mcp-desk-test.invalid/mcp"))
    await manager.start_all()
    assert manager.statuses()[0].state is ServerState.FAILED
    await manager.shutdown()
    tried = len(lifecycle(recording))

    manager, _ = launch(tmp_path, recording, consent)
    await manager.start_all()
    status = manager.statuses()[0]
    assert status.state is ServerState.FAILED
    assert "That is how it failed last time, so MCP Desk did not start it this time" in status.reason
    assert "mcp-desk-test.invalid was not found" in status.reason and "Press Start" in status.reason
    assert "Starting." not in lifecycle(recording)[tried:], "no connection was tried"

    fixed = approved(http_fixture_url)
    await manager.update("remote", fixed.model_copy(update={"trusted_launch": None}))
    await manager.trust("remote", fixed.launch_hash())
    await manager.shutdown()
    manager, _ = launch(tmp_path, recording, consent)
    await manager.start_all()
    assert manager.statuses()[0].state is ServerState.RUNNING, "once fixed, it starts with the app again"
    await manager.shutdown()


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the manager, not this server."""


@contextmanager
def answering_404(port: int) -> Iterator[None]:
    server = http.server.HTTPServer(("127.0.0.1", port), _NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serving_mcp(port: int) -> Iterator[None]:
    """The Streamable HTTP fixture server on `port`, until the block ends."""
    process = subprocess.Popen(
        [sys.executable, str(server_path("http_server")), "--port", str(port)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline().startswith("PORT="), "the HTTP fixture server did not start"
        yield
    finally:
        process.kill()
        process.wait(10)


async def test_start_tries_again_and_once_it_runs_it_starts_with_the_app_again(
    tmp_path: Path, recording: Recording, consent: ConsentGate, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}/mcp"
    manager, _ = launch(tmp_path, recording, consent)
    await manager.add("remote", approved(url))
    with answering_404(closed_port):
        assert (await manager.start("remote")).state is ServerState.FAILED
    await manager.shutdown()

    manager, _ = launch(tmp_path, recording, consent)
    await manager.start_all()
    assert manager.statuses()[0].state is ServerState.FAILED, "held back: it failed last time"
    with serving_mcp(closed_port):
        assert (await manager.start("remote")).state is ServerState.RUNNING, "Start tries again"
        await manager.shutdown()
        manager, _ = launch(tmp_path, recording, consent)
        await manager.start_all()
        assert manager.statuses()[0].state is ServerState.RUNNING
        await manager.shutdown()
