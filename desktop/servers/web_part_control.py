"""What the window may ask about the web view part: get it. `WebPartService` implements it."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from desktop.servers.runtime_control import RuntimeProgress


class WebPartControl(Protocol):
    async def install(self, version: str, progress: RuntimeProgress) -> Path:
        """Download the part for PySide6 `version` and unpack it into its folder (nothing to do when it is
        there); that folder. Cancel the task to stop: nothing half-installed is left."""
        ...
