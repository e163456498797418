"""When a server that stopped on its own is started again, and when MCP Desk stops trying."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RestartPolicy:
    max_failures: int = 5
    """Crashes in a row after which MCP Desk stops trying."""
    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0
    """A run this long resets the crash count."""
    health_every: float = 30.0
    """Seconds between two health checks of a running server."""
    health_timeout: float = 15.0
    """How long a health check waits for any answer."""
    health_misses: int = 2
    """Health checks in a row without an answer before the server is restarted."""


DEFAULT_POLICY = RestartPolicy()


class Backoff:
    """Counts the crashes in a row and says how long to wait before the next start."""

    def __init__(self, policy: RestartPolicy) -> None:
        self._policy = policy
        self.failures = 0

    def after_run(self, ran_for: float) -> float | None:
        """Seconds to wait before starting again after a run of `ran_for` seconds; None to give up."""
        self.failures = 1 if ran_for > self._policy.stable_after else self.failures + 1
        if self.failures >= self._policy.max_failures:
            return None
        delay: float = self._policy.first_delay * 2.0 ** (self.failures - 1)
        return min(delay, self._policy.max_delay)
