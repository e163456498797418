"""The health check against real servers on both protocol revisions.

A server that answers is alive, whatever it answers: 2026-07-28 removed `ping`, and a check
that counted its "method not found" as a miss restarted every healthy server every minute.
Only silence restarts a server, and never while one of its tool calls is still running.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import anyio
import pytest

from desktop.core.config import ServerConfig
from desktop.core.consent import ConsentGate
from desktop.core.events import ServerState, ServerStatusChanged
from desktop.core.rpc_log import EntryKind, RpcEntry
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.restart_policy import RestartPolicy
from tests.e2e.conftest import ASKED, Recorder, Spawned, fixture_server, manager_in, watched

pytestmark = pytest.mark.anyio

QUICK = RestartPolicy(max_failures=3, first_delay=0.05, max_delay=0.2, health_every=0.05, health_timeout=1.0)
CHECKS = 8


@pytest.fixture
async def quick(
    tmp_path: Path, recording: Recording, bus: object, recorder: Recorder, consent: ConsentGate
) -> AsyncIterator[tuple[ServerManager, Recorder, Spawned]]:
    manager = manager_in(tmp_path, recording, bus, consent, policy=QUICK)  # type: ignore[arg-type]
    async with watched(manager) as spawned:
        yield manager, recorder, spawned


def _answers_to(method: str) -> Callable[[RpcEntry], bool]:
    """Responses, errors included: any answer at all."""
    return lambda e: e.kind in (EntryKind.RESPONSE, EntryKind.ERROR) and e.method == method


async def _until(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Look again every few health checks (the log has no event to wait on here)."""
    with anyio.fail_after(timeout):
        while not condition():  # noqa: ASYNC110
            await anyio.sleep(QUICK.health_every)


async def _runs_without_restarts(
    manager: ServerManager, events: Recorder, recording: Recording, revision: str, liveness: str
) -> None:
    """Started server "srv" speaks `revision`, answers CHECKS health checks, and was never replaced."""
    status = await manager.start("srv")
    assert status.state is ServerState.RUNNING, status.reason
    assert manager._supervisors["srv"].client.protocol_version == revision
    answered = _answers_to(liveness)
    await _until(lambda: sum(map(answered, recording.rpc_log.recent())) >= CHECKS)
    now = manager.statuses()[0]
    assert (now.state, now.pid, now.restarts) == (ServerState.RUNNING, status.pid, 0)
    assert _restarts(events) == []
    outcome = await manager.call_tool(
        "srv__echo", {"message" if revision < "2026" else "text": "still here"}, ASKED
    )
    assert outcome.ok and "still here" in outcome.text


async def test_a_2026_server_that_answers_discover_is_never_restarted(quick, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    """The SDK's own server on 2026-07-28, where `ping` is gone: `server/discover` is asked instead."""
    manager, events, spawned = quick
    await manager.add("srv", fixture_server("well_behaved"))
    await _runs_without_restarts(manager, events, recording, "2026-07-28", "server/discover")
    spawned.note()


async def test_a_2025_node_server_that_answers_ping_is_never_restarted(
    quick, recording: Recording, everything_server: list[str]
) -> None:  # type: ignore[no-untyped-def]
    """npm's reference server, on the TypeScript SDK, speaks 2025-11-25 and answers `ping`."""
    manager, events, spawned = quick
    command, *args = everything_server
    config = ServerConfig(command=command, args=args)
    await manager.add("srv", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    await _runs_without_restarts(manager, events, recording, "2025-11-25", "ping")
    spawned.note()


async def test_a_silent_server_is_restarted_but_not_while_its_call_runs(quick) -> None:  # type: ignore[no-untyped-def]
    manager, events, spawned = quick
    await manager.add("srv", fixture_server("well_behaved", request_timeout=1.5))
    first = await manager.start("srv")
    spawned.note()
    assert first.pid is not None
    os.kill(first.pid, signal.SIGSTOP)  # frozen: it can answer nothing, the call included
    outcome = await manager.call_tool("srv__sleep", {"seconds": 0.1}, ASKED)
    assert not outcome.ok
    restarted_during_call = [
        e
        for e in events.events
        if isinstance(e, ServerStatusChanged) and e.status.state is ServerState.RESTARTING
    ]
    assert restarted_during_call == []
    restart = await events.wait_for(
        lambda e: isinstance(e, ServerStatusChanged) and e.status.state is ServerState.RESTARTING
    )
    assert "stopped answering" in restart.status.reason  # type: ignore[attr-defined]
    await events.wait_for(
        lambda e: (
            isinstance(e, ServerStatusChanged)
            and e.status.state is ServerState.RUNNING
            and e.status.pid != first.pid
        )
    )
    spawned.note()


def _restarts(events: Recorder) -> list[ServerStatusChanged]:
    changes = [e for e in events.events if isinstance(e, ServerStatusChanged)]
    return [e for e in changes if e.status.state is ServerState.RESTARTING]
