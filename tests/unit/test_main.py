"""`mcp-desk --hidden` is the window started in the tray (how the stdio bridge starts it), not a command."""

from __future__ import annotations

import pytest

import desktop.app
from desktop.main import main


@pytest.mark.parametrize(("argv", "hidden"), [([], False), (["--hidden"], True)])
def test_the_window_starts_hidden_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], hidden: bool
) -> None:
    started: list[bool] = []
    monkeypatch.setattr(desktop.app, "run_gui", lambda hidden=False: started.append(hidden) or 0)
    assert main(argv) == 0
    assert started == [hidden]
