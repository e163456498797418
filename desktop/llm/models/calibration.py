"""How far off past fit estimates were, so later estimates can lean the right way.

Kept as a small JSON list of measured/estimated ratios in the data folder. A damaged
file is not worth a word to the user: the estimate just starts uncorrected again.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from desktop.core.atomic_file import replaced_atomically

KEEP = 20
LOWEST, HIGHEST = 0.8, 1.3
"""Corrections outside this range say more about one odd load than about the estimate."""


class Calibration:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._ratios = self._read()

    def factor(self) -> float:
        """Multiply estimates by this: the median of the recent measured/estimated ratios."""
        if not self._ratios:
            return 1.0
        return min(HIGHEST, max(LOWEST, statistics.median(self._ratios)))

    def record(self, measured_bytes: int, estimated_bytes: int) -> None:
        if measured_bytes <= 0 or estimated_bytes <= 0:
            return
        self._ratios = [*self._ratios, measured_bytes / estimated_bytes][-KEEP:]
        with replaced_atomically(self._path) as out:
            json.dump({"ratios": self._ratios}, out)

    def _read(self) -> list[float]:
        try:
            ratios = json.loads(self._path.read_text(encoding="utf-8"))["ratios"]
            return [float(ratio) for ratio in ratios if 0 < float(ratio) < 10][-KEEP:]
        except (OSError, ValueError, TypeError, KeyError):
            return []
