"""`mcp-desk`'s last line of defence: an exception nobody put in words is still a sentence."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from desktop.cli import main as cli
from tests.unit.cli.logging_state import restored


@pytest.fixture(autouse=True)
def _logging() -> Iterator[None]:
    """`main` sets up logging for the process; the next test gets it back as it was."""
    with restored():
        yield


async def _broken(command: object, args: argparse.Namespace) -> int:
    raise RuntimeError("the disk is full\nand more lines nobody needs")


def test_bad_input_an_unexpected_error_is_one_sentence_and_exit_code_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_with_services", _broken)
    assert cli.main(["doctor"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "MCP Desk could not finish this command: the disk is full.",
        "Run it again with --verbose to see the technical details.",
    ]


def test_with_verbose_the_traceback_follows_the_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "_with_services", _broken)
    assert cli.main(["--verbose", "doctor"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("MCP Desk could not finish this command: the disk is full.\nTraceback")
