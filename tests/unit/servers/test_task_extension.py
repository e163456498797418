"""How a task's last state becomes the call's result or a sentence, and how often it is polled."""

from __future__ import annotations

import pytest

from desktop.servers.task_extension import (
    DEFAULT_POLL_S,
    MAX_POLL_S,
    MIN_POLL_S,
    TaskFailed,
    TaskState,
    _ended,
    _poll_s,
)


def _state(status: str, **fields: object) -> TaskState:
    return TaskState.model_validate({"taskId": "t1", "status": status, **fields})


def test_a_completed_task_gives_its_result() -> None:
    done = _state("completed", result={"content": [{"type": "text", "text": "42"}], "isError": False})
    result = _ended(done)
    assert result.content[0].text == "42" and not result.is_error  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (
            _state("failed", error={"code": -32603, "message": "disk full"}),
            "The server's task failed: disk full",
        ),
        (_state("failed", statusMessage="ran out of time"), "The server's task failed: ran out of time"),
        (_state("cancelled"), "The server cancelled the task before it finished."),
    ],
)
def test_a_task_that_ended_without_a_result_says_why(state: TaskState, words: str) -> None:
    with pytest.raises(TaskFailed) as failed:
        _ended(state)
    assert failed.value.message == words


@pytest.mark.parametrize(
    ("interval_ms", "seconds"),
    [(None, DEFAULT_POLL_S), (250, 0.25), (1, MIN_POLL_S), (10_000_000, MAX_POLL_S)],
)
def test_polling_follows_the_servers_interval_within_bounds(interval_ms: int | None, seconds: float) -> None:
    assert _poll_s(_state("working", pollIntervalMs=interval_ms)) == seconds
