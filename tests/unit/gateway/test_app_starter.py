"""Starting MCP Desk for the bridge: detached, waited for, and given up on when it fails."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path

from desktop.gateway.app_starter import endpoint_answers, start_and_wait

LISTEN = """
import os, socket, sys
open(sys.argv[2], "w").write(str(os.getpid()))
server = socket.socket()
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
while True:
    server.accept()[0].close()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_start_that_fails_is_noticed_without_waiting_the_whole_while(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "raise SystemExit(4)"]
    outcome = start_and_wait(failing, free_port(), tmp_path / "claim", wait_seconds=600)
    assert (outcome.answering, outcome.exit_code) == (False, 4)


def test_a_program_that_opens_the_port_is_waited_for_and_lives_in_a_session_of_its_own(
    tmp_path: Path,
) -> None:
    port, pid_file = free_port(), tmp_path / "pid"
    assert not endpoint_answers(port)
    try:
        command = [sys.executable, "-c", LISTEN, str(port), str(pid_file)]
        outcome = start_and_wait(command, port, tmp_path / "claim", 600)
        assert outcome.answering and outcome.exit_code is None
        started = int(pid_file.read_text())
        assert os.getsid(started) == started
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_a_bridge_that_another_is_starting_mcp_desk_for_only_waits(tmp_path: Path) -> None:
    claim, marker = tmp_path / "run" / "claim", tmp_path / "started"
    claim.parent.mkdir()
    claim.touch()  # another bridge, just now
    mark = [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    with socket.socket() as desk:  # the MCP Desk that other bridge started
        desk.bind(("127.0.0.1", 0))
        desk.listen()
        assert start_and_wait(mark, desk.getsockname()[1], claim, 600).answering
    assert not marker.exists()


def test_a_claim_older_than_the_wait_is_left_behind_and_mcp_desk_is_started(tmp_path: Path) -> None:
    claim, marker = tmp_path / "claim", tmp_path / "started"
    claim.touch()
    os.utime(claim, (time.time() - 3600, time.time() - 3600))  # a bridge that gave up long ago
    mark = [sys.executable, "-c", f"open({str(marker)!r}, 'w'); raise SystemExit(1)"]
    assert start_and_wait(mark, free_port(), claim, 600).exit_code == 1
    assert marker.exists()
