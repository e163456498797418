"""Starting MCP Desk for the bridge: detached, waited for, and given up on when it fails."""

from __future__ import annotations

import os
import signal
import socket
import sys
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


def test_a_start_that_fails_is_noticed_without_waiting_the_whole_while() -> None:
    outcome = start_and_wait([sys.executable, "-c", "raise SystemExit(4)"], free_port(), wait_seconds=600)
    assert (outcome.answering, outcome.exit_code) == (False, 4)


def test_a_program_that_opens_the_port_is_waited_for_and_lives_in_a_session_of_its_own(
    tmp_path: Path,
) -> None:
    port, pid_file = free_port(), tmp_path / "pid"
    assert not endpoint_answers(port)
    try:
        outcome = start_and_wait([sys.executable, "-c", LISTEN, str(port), str(pid_file)], port, 600)
        assert outcome.answering and outcome.exit_code is None
        started = int(pid_file.read_text())
        assert os.getsid(started) == started
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
