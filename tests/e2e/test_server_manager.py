"""The server manager against real, well- and badly-behaved server processes.

Each test asserts what a user would see (state, sentence, output panel) and, through
the `world` fixture, that no process it started is left running.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import psutil
import pytest

from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.core.events import (
    Notice,
    ServerOutput,
    ServerState,
    ServerStatusChanged,
    ServerToolsChanged,
    Severity,
    server_key,
)
from desktop.servers.control import Approver, ServerProblem, TrustRequired
from desktop.servers.manager import Recording
from tests.e2e.conftest import ASKED, fixture_server

pytestmark = pytest.mark.anyio


def _state_is(name: str, state: ServerState):  # type: ignore[no-untyped-def]
    return lambda e: isinstance(e, ServerStatusChanged) and e.status.name == name and e.status.state is state


async def test_well_behaved_server_runs_lists_tools_and_answers(world) -> None:  # type: ignore[no-untyped-def]
    manager, events, spawned = world
    await manager.add("echo", fixture_server("well_behaved"))
    status = await manager.start("echo")
    spawned.note()
    assert status.state is ServerState.RUNNING and status.pid is not None
    names = {t.qualified_name for t in manager.tools()}
    assert {"echo__echo", "echo__add", "echo__sleep"} <= names
    outcome = await manager.call_tool("echo__echo", {"text": "hello"}, ASKED)
    assert outcome.ok and outcome.text == "hello"
    await events.wait_for(lambda e: isinstance(e, ServerOutput) or True)
    await manager.stop("echo")
    assert manager.statuses()[0].state is ServerState.STOPPED
    assert spawned.still_running() == []


async def test_stats_cover_the_process(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    await manager.add("echo", fixture_server("well_behaved"))
    await manager.start("echo")
    await manager._sample_usage()
    status = manager.statuses()[0]
    assert status.memory_bytes > 5 * 2**20


async def test_crash_at_start_is_retried_then_given_up_with_its_output(world) -> None:  # type: ignore[no-untyped-def]
    manager, events, _spawned = world
    await manager.add("broken", fixture_server("crash_at_start"))
    first = await manager.start("broken")
    assert first.state is ServerState.RESTARTING
    assert "exit code 3" in first.reason
    failed = await events.wait_for(_state_is("broken", ServerState.FAILED))
    assert "stopped trying" in failed.status.reason
    assert any("missing config file" in line for line in manager.output_of("broken"))
    notice = next(e for e in events.events if isinstance(e, Notice) and "broken" in e.title)
    assert notice.severity is Severity.ERROR
    assert notice.key == server_key("broken"), "so the banner goes once the server runs again"


async def test_crash_mid_call_reports_the_call_and_comes_back(world) -> None:  # type: ignore[no-untyped-def]
    manager, events, spawned = world
    await manager.add("crashy", fixture_server("crash_mid_call"))
    await manager.start("crashy")
    spawned.note()
    outcome = await manager.call_tool("crashy__boom", {}, ASKED)
    assert not outcome.ok and "stopped while working" in outcome.text
    restarting = await events.wait_for(_state_is("crashy", ServerState.RESTARTING))
    assert "exit code 7" in restarting.status.reason
    await events.wait_for(lambda e: _state_is("crashy", ServerState.RUNNING)(e) and e.status.restarts == 1)
    assert (await manager.call_tool("crashy__echo", {"text": "back"}, ASKED)).text == "back"


async def test_junk_and_huge_lines_on_stdout_are_contained(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    await manager.add("junky", fixture_server("junk_stdout"))
    assert (await manager.start("junky")).state is ServerState.RUNNING
    await manager.call_tool("junky__junk", {"lines": 50}, ASKED)
    await manager.call_tool("junky__huge_line", {"megabytes": 40}, ASKED)
    assert (await manager.call_tool("junky__echo", {"text": "still here"}, ASKED)).text == "still here"
    output = manager.output_of("junky")
    assert any("not an MCP message" in line for line in output)
    assert any("dropped a line of more than" in line for line in output)
    assert manager.statuses()[0].state is ServerState.RUNNING


async def test_floods_stay_bounded_and_the_server_keeps_answering(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    await manager.add("flood", fixture_server("flood"))
    await manager.start("flood")
    assert (await manager.call_tool("flood__flood", {"count": 5000}, ASKED)).ok
    assert (await manager.call_tool("flood__stderr_flood", {"lines": 20000}, ASKED)).ok
    assert (await manager.call_tool("flood__echo", {"text": "ok"}, ASKED)).text == "ok"
    assert len(manager.output_of("flood")) <= 2000


async def test_hang_on_initialize_times_out_in_plain_words(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, spawned = world
    await manager.add("hang", fixture_server("hang_on_initialize", init_timeout=1))
    status = await manager.start("hang")
    spawned.note()
    assert status.state in (ServerState.RESTARTING, ServerState.FAILED)
    assert "did not finish starting within 1 seconds" in status.reason


async def test_a_slow_call_is_cancelled_and_the_server_stays_up(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    await manager.add("slow", fixture_server("well_behaved", request_timeout=0.5))
    await manager.start("slow")
    outcome = await manager.call_tool("slow__sleep", {"seconds": 30}, ASKED)
    assert not outcome.ok and "did not answer within" in outcome.text
    assert (await manager.call_tool("slow__echo", {"text": "x"}, ASKED)).ok


async def test_a_server_that_ignores_sigterm_is_killed(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, spawned = world
    await manager.add("stubborn", fixture_server("ignore_sigterm"))
    await manager.start("stubborn")
    spawned.note()
    await manager.stop("stubborn")
    assert spawned.still_running() == []
    assert any("ended by force" in line for line in manager.output_of("stubborn"))


async def test_grandchildren_are_stopped_with_their_server(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    manager, _events, spawned = world
    pid_file = tmp_path / "pids.txt"
    await manager.add(
        "family", fixture_server("spawn_grandchildren", env={"FIXTURE_PID_FILE": str(pid_file)})
    )
    await manager.start("family")
    pids = {int(line) for line in pid_file.read_text().split()}
    assert len(pids) >= 4
    spawned.pids |= pids
    await manager.stop("family")
    assert spawned.still_running() == []


async def test_tool_list_changes_reach_the_catalogue(world) -> None:  # type: ignore[no-untyped-def]
    manager, events, _spawned = world
    await manager.add("shifty", fixture_server("change_tools"))
    await manager.start("shifty")
    await manager.call_tool("shifty__add_tool", {"name": "extra"}, ASKED)
    changed = await events.wait_for(
        lambda e: isinstance(e, ServerToolsChanged) and any(t.name == "extra" for t in e.tools)
    )
    assert "shifty__extra" in {t.qualified_name for t in changed.tools}


async def test_a_server_must_be_approved_and_reapproved_after_a_change(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    config = fixture_server("well_behaved").model_copy(update={"trusted_launch": None})
    await manager.add("new", config)
    with pytest.raises(TrustRequired) as asked:
        await manager.start("new")
    request = asked.value.request
    assert str(Path(config.args[0])) in request.command_line and not request.changed
    await manager.trust("new", request.launch_hash)
    assert (await manager.start("new")).state is ServerState.RUNNING
    changed = config.model_copy(update={"args": [*config.args, "--verbose"]})
    await manager.update("new", changed)
    with pytest.raises(TrustRequired) as again:
        await manager.start("new")
    assert again.value.request.changed
    with pytest.raises(ServerProblem, match="changed while you were looking"):
        await manager.trust("new", request.launch_hash)


async def test_a_missing_program_says_what_to_install(world) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    config = fixture_server("well_behaved").model_copy(update={"command": "npx-not-installed-here"})
    await manager.add("nonode", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    status = await manager.start("nonode")
    assert status.state is ServerState.FAILED
    assert "was not found on this computer" in status.reason


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("npz", "“npz” was not found on this computer. Did you mean “npx”?"),
        ("pyhton3", "“pyhton3” was not found on this computer. Did you mean “python3”?"),
        ("npx -y @modelcontextprotocol/server-everything", "is a whole command line, not one program"),
    ],
)
async def test_a_mistyped_command_says_what_was_meant_with_the_folders_behind_details(  # type: ignore[no-untyped-def]
    world, command: str, said: str
) -> None:
    manager, _events, _spawned = world
    config = ServerConfig(command=command)
    await manager.add("typo", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    status = await manager.start("typo")
    assert status.state is ServerState.FAILED and said in status.reason
    assert "/usr/bin" not in status.reason, "the folders searched are details"
    assert status.details.startswith(f"MCP Desk looked for “{command}” in these folders:\n")
    assert "/usr/bin" in status.details.splitlines()


async def test_the_audit_says_who_approved_a_server(world, recording: Recording) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    for name in ("mine", "welcomed"):
        await manager.add(name, fixture_server("well_behaved").model_copy(update={"trusted_launch": None}))
    await manager.trust("mine", manager.trust_request("mine").launch_hash)
    await manager.trust("welcomed", manager.trust_request("welcomed").launch_hash, Approver.WELCOME)
    records = await recording.audit.query(AuditFilter(kind=AuditKind.TRUST), limit=10)
    approved_by = {record.data["server"]: record.data["approved_by"] for record in records}
    assert approved_by == {"mine": "the user", "welcomed": "the welcome"}


async def test_remote_server_over_streamable_http(world, http_fixture_url: str) -> None:  # type: ignore[no-untyped-def]
    manager, _events, _spawned = world
    config = ServerConfig(url=http_fixture_url)
    await manager.add("remote", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    status = await manager.start("remote")
    assert status.state is ServerState.RUNNING, (status.reason, status.details)
    assert (await manager.call_tool("remote__echo", {"text": "over http"}, ASKED)).text == "over http"


async def test_env_reaches_the_server_and_only_named_variables_are_inherited(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    manager, _events, spawned = world
    monkeypatch.setenv("MCP_DESK_UNRELATED_SECRET", "do-not-leak")
    await manager.add("env", fixture_server("well_behaved", env={"FIXTURE_ECHO_ENV": "from-config"}))
    await manager.start("env")
    spawned.note()
    pid = manager.statuses()[0].pid
    assert pid is not None
    environ = psutil.Process(pid).environ()
    assert environ["FIXTURE_ECHO_ENV"] == "from-config"
    assert "MCP_DESK_UNRELATED_SECRET" not in environ
    whoami = json.loads((await manager.call_tool("env__whoami", {}, ASKED)).text)
    assert whoami["pid"] == pid and os.getpid() != pid
