"""What reaches the terminal besides a command's own words."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from desktop.cli.output import show_logs
from tests.unit.cli.logging_state import restored


@pytest.fixture(autouse=True)
def _logging() -> Iterator[None]:
    with restored():
        yield


def _log_two_failures() -> None:
    try:
        raise OSError("socket closed")
    except OSError:
        logging.getLogger("mcp.client.auth.oauth2").exception("OAuth flow error")
        logging.getLogger("desktop.servers.revisions").exception("could not write the file")


def test_library_warnings_are_quiet_and_our_own_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    show_logs(verbose=False)
    _log_two_failures()
    assert capsys.readouterr().err == "could not write the file\n"


def test_verbose_shows_every_library_with_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    show_logs(verbose=True)
    _log_two_failures()
    err = capsys.readouterr().err
    assert err.startswith("ERROR mcp.client.auth.oauth2: OAuth flow error\nTraceback")
    assert err.count("OSError: socket closed") == 2
