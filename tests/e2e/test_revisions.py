"""A server starts with the protocol revision it spoke last time, on both revisions, for real.

The JSON-RPC log (what the wire tap saw) is the proof: a 2025-11-25 server is asked
`server/discover` at its first start only; a 2026-07-28 server's start is that request itself;
a server that refuses the handshake it spoke last time is asked again, without a restart.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.config import ServerConfig
from desktop.core.consent import ConsentGate
from desktop.core.events import EventBus, ServerState, ServerStatusChanged
from desktop.core.rpc_log import EntryKind
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.revisions import Revisions
from tests.e2e.conftest import ASKED, Recorder, fixture_server, manager_in, watched

pytestmark = pytest.mark.anyio


class Launches:
    """Launches of MCP Desk, one after another, sharing one `protocol-revisions.json`."""

    def __init__(self, folder: Path, recording: Recording, bus: EventBus, consent: ConsentGate) -> None:
        self.file = folder / "protocol-revisions.json"
        self._folder, self._recording, self._bus, self._consent = folder, recording, bus, consent
        self._count = 0

    async def start(self, config: ServerConfig, echo: dict[str, str]) -> str:
        """One launch: add "srv", start it, call its echo, stop; the revision it spoke."""
        self._count += 1
        folder = self._folder / f"launch-{self._count}"
        folder.mkdir()
        manager: ServerManager = manager_in(
            folder, self._recording, self._bus, self._consent, revisions=Revisions(self.file)
        )
        async with watched(manager) as spawned:
            await manager.add("srv", config)
            status = await manager.start("srv")
            spawned.note()
            assert status.state is ServerState.RUNNING, (status.reason, status.details)
            assert (await manager.call_tool("srv__echo", echo, ASKED)).ok
            return manager._supervisors["srv"].client.protocol_version


@pytest.fixture
def launches(tmp_path: Path, recording: Recording, bus: EventBus, consent: ConsentGate) -> Launches:
    return Launches(tmp_path, recording, bus, consent)


def _requests(recording: Recording, method: str) -> int:
    return sum(e.kind is EntryKind.REQUEST and e.method == method for e in recording.rpc_log.recent())


async def test_a_2025_server_is_not_probed_at_its_next_start(
    launches: Launches, recording: Recording, everything_server: list[str]
) -> None:
    command, *args = everything_server
    config = ServerConfig(command=command, args=args)
    config = config.model_copy(update={"trusted_launch": config.launch_hash()})
    assert await launches.start(config, {"message": "first"}) == "2025-11-25"
    assert (_requests(recording, "server/discover"), _requests(recording, "initialize")) == (1, 1)
    assert json.loads(launches.file.read_text())["srv"]["revision"] == "2025-11-25"

    assert await launches.start(config, {"message": "second"}) == "2025-11-25"
    assert (_requests(recording, "server/discover"), _requests(recording, "initialize")) == (1, 2)


async def test_a_2026_server_starts_with_discover_every_time(
    launches: Launches, recording: Recording
) -> None:
    config = fixture_server("well_behaved")
    for launch in (1, 2):
        assert await launches.start(config, {"text": "hi"}) == "2026-07-28"
        assert (_requests(recording, "server/discover"), _requests(recording, "initialize")) == (launch, 0)


async def test_a_server_that_refuses_its_old_handshake_is_asked_again_without_a_restart(
    launches: Launches, recording: Recording, recorder: Recorder
) -> None:
    """It spoke 2025-11-25 last time and now speaks only 2026-07-28."""
    config = fixture_server("modern_only")
    Revisions(launches.file).remember("srv", config, "2025-11-25")
    assert await launches.start(config, {"text": "hi"}) == "2026-07-28"
    assert _requests(recording, "initialize") == 1 and _requests(recording, "server/discover") >= 1
    states = [e.status.state for e in recorder.events if isinstance(e, ServerStatusChanged)]
    assert ServerState.RESTARTING not in states and ServerState.FAILED not in states
    assert json.loads(launches.file.read_text())["srv"]["revision"] == "2026-07-28"


async def test_a_changed_launch_is_probed_again(launches: Launches, recording: Recording) -> None:
    """Another command line may be another program: what the old one spoke does not apply."""
    old = fixture_server("well_behaved")
    Revisions(launches.file).remember("srv", old, "2025-11-25")
    changed = ServerConfig(command=old.command, args=[*old.args, "--changed"])
    changed = changed.model_copy(update={"trusted_launch": changed.launch_hash()})
    assert changed.launch_hash() != old.launch_hash()
    assert await launches.start(changed, {"text": "hi"}) == "2026-07-28"
    assert _requests(recording, "initialize") == 0
