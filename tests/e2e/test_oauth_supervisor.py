"""A supervised remote server that asks for a sign-in: the supervisor waits for the user.

A refused sign-in is not a crash: it is said in words, the browser is not opened again, and
the server waits for the user to press Start.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.core.events import EventBus, Notice, ServerState
from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcLog
from desktop.core.secrets import SecretStore
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.sign_in_refusal import MIXED_UP
from desktop.servers.supervisor import Credentials, Supervisor
from tests.e2e.conftest import FAST, Recorder
from tests.e2e.test_oauth import TOKENS, UserAtBrowser
from tests.fixtures.oauth_server import OAuthFixture, serve_oauth

pytestmark = pytest.mark.anyio
SLOWER_THAN_START_LIMIT = 1.5


class SlowUser(UserAtBrowser):
    """Takes longer to sign in than the server is given to start."""

    def open(self, url: str) -> None:
        time.sleep(SLOWER_THAN_START_LIMIT)
        super().open(url)


def supervise(
    config: ServerConfig, user: UserAtBrowser, keyring_store: SecretStore, tmp_path: Path
) -> tuple[Supervisor, Recorder, RpcLog]:
    """A supervisor for the server "remote" signing in as `user`, keeping the events it sends and its log."""
    events = EventBus()
    recorder = Recorder()
    events.subscribe(recorder)
    redactor = Redactor()
    log = RpcLog(redactor)
    supervisor = Supervisor(
        "remote",
        config,
        events,
        LeftoverRegistry(tmp_path / "run"),
        log,
        redactor,
        Credentials(keyring_store, user),
        FAST,
    )
    return supervisor, recorder, log


def written(log: RpcLog) -> str:
    """The log's recent entries as they are written out, one a line."""
    return "\n".join(json.dumps(entry.to_json()) for entry in log.recent())


async def test_the_start_waits_for_the_sign_in_and_the_log_never_holds_a_token(
    oauth_server: OAuthFixture,
    keyring_store: SecretStore,
    tmp_path: Path,
) -> None:
    user = SlowUser()
    config = ServerConfig(url=oauth_server.url, init_timeout=SLOWER_THAN_START_LIMIT / 2)
    supervisor, recorder, log = supervise(config, user, keyring_store, tmp_path)
    try:
        status = await supervisor.start()
        assert status.state is ServerState.RUNNING, (status.reason, status.details)
    finally:
        await supervisor.stop()
    await user.wait_until_loaded()
    notices = [e for e in recorder.events if isinstance(e, Notice)]
    assert [n.title for n in notices] == ["Sign in to remote"]
    assert user.opened[0] in notices[0].message, "the address is there in case no browser opens"
    tokens = json.loads(keyring_store.get(TOKENS) or "{}")["token"]
    logged = written(log)
    assert "Signing in at 127.0.0.1" in logged
    assert tokens["access_token"] not in logged and tokens["refresh_token"] not in logged


async def test_a_sign_in_server_that_fails_the_issuer_check_is_refused_once_and_waits_for_the_user(
    keyring_store: SecretStore, tmp_path: Path
) -> None:
    user = UserAtBrowser()
    with serve_oauth() as fixture:
        fixture.provider.iss_in_redirect = "https://evil.example.com"  # a mix-up: another server's answer
        supervisor, recorder, log = supervise(ServerConfig(url=fixture.url), user, keyring_store, tmp_path)
        try:
            status = await supervisor.start()
            await user.wait_until_loaded()
        finally:
            await supervisor.stop()
        assert fixture.provider.grants == [], "the code from the wrong server was never exchanged"

    assert status.state is ServerState.FAILED
    assert status.reason == MIXED_UP
    assert "iss mismatch" in status.details
    assert status.restarts == 0
    assert len(user.opened) == 1
    logged = written(log)
    assert "Restarting" not in logged and "look at its output" not in logged.lower()
    failed = [e for e in recorder.events if isinstance(e, Notice) and e.title == "remote stopped"]
    assert [notice.message for notice in failed] == [MIXED_UP]
    assert keyring_store.get(TOKENS) is None
