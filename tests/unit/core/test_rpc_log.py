"""The live JSON-RPC log: numbering, pairing, flags, masking, the ring, batches and filters."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from desktop.core import rpc_log
from desktop.core.redact import MASK, Redactor
from desktop.core.rpc_log import (
    MAX_TEXT_CHARS,
    Direction,
    EntryKind,
    Flag,
    LogFilter,
    RpcEntry,
    RpcLog,
)

SECRET = "sk-live-7f3a9c1e55d04b2a"
OUT, IN = Direction.OUT, Direction.IN
REQUEST, RESPONSE, ERROR = EntryKind.REQUEST, EntryKind.RESPONSE, EntryKind.ERROR
NOTIFICATION = EntryKind.NOTIFICATION


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def log(clock: FakeClock) -> RpcLog:
    made = RpcLog(Redactor())
    made.clock = clock
    return made


def request(
    log: RpcLog, rpc_id: str, method: str = "tools/list", server: str = "time", direction: Direction = OUT
) -> RpcEntry:
    text = json.dumps({"jsonrpc": "2.0", "id": rpc_id, "method": method})
    return log.message(server, direction, REQUEST, text, len(text), rpc_id, method)


def response(
    log: RpcLog,
    rpc_id: str,
    server: str = "time",
    direction: Direction = IN,
    kind: EntryKind = RESPONSE,
    **kw: bool,
) -> RpcEntry:
    text = json.dumps({"jsonrpc": "2.0", "id": rpc_id, "result": {}})
    return log.message(server, direction, kind, text, len(text), rpc_id, **kw)


def cancel(log: RpcLog, rpc_id: str, reason: str, server: str = "time") -> RpcEntry:
    text = json.dumps(
        {"method": "notifications/cancelled", "params": {"requestId": rpc_id, "reason": reason}}
    )
    return log.message(
        server, OUT, NOTIFICATION, text, len(text), None, "notifications/cancelled", cancels=(rpc_id, reason)
    )


# -- numbering and time --------------------------------------------------------


def test_entries_are_numbered_on_from_first_seq_whatever_their_kind(clock: FakeClock) -> None:
    log = RpcLog(Redactor(), first_seq=41)
    log.clock = clock

    entries = [
        log.lifecycle("time", "started", new_run=True),
        request(log, "1"),
        log.line("time", EntryKind.STDERR, "warming up"),
        response(log, "1"),
        log.line("time", EntryKind.JUNK, "hello from print()"),
    ]

    assert [entry.seq for entry in entries] == [41, 42, 43, 44, 45]
    assert [entry.seq for entry in log.recent()] == [41, 42, 43, 44, 45]


def test_each_entry_is_stamped_with_the_clock(log: RpcLog, clock: FakeClock) -> None:
    first = log.lifecycle("time", "started")
    clock.advance(2.5)
    second = log.line("time", EntryKind.STDERR, "ready")

    assert first.time == 1_700_000_000.0
    assert second.time == 1_700_000_002.5


def test_a_line_records_its_size_in_bytes_and_comes_from_the_server(log: RpcLog) -> None:
    entry = log.line("time", EntryKind.STDERR, "température")

    assert entry.size == len("température".encode())
    assert entry.direction is IN
    assert entry.kind is EntryKind.STDERR


# -- pairing -------------------------------------------------------------------


def test_a_response_pairs_with_its_request_and_has_its_latency(log: RpcLog, clock: FakeClock) -> None:
    sent = request(log, "7", "tools/call")
    clock.advance(0.25)

    answer = response(log, "7")

    assert answer.pair == sent.seq
    assert answer.method == "tools/call"
    assert answer.latency_ms == pytest.approx(250.0)
    assert answer.flags == ()
    assert not answer.is_problem
    assert sent.pair is None and sent.latency_ms is None


def test_an_error_response_pairs_with_its_request_and_is_a_problem(log: RpcLog, clock: FakeClock) -> None:
    sent = request(log, "3", "resources/read")
    clock.advance(1.0)

    answer = response(log, "3", kind=ERROR)

    assert answer.pair == sent.seq
    assert answer.method == "resources/read"
    assert answer.latency_ms == pytest.approx(1000.0)
    assert answer.is_problem


def test_a_request_from_the_server_answered_by_the_client_pairs_too(log: RpcLog, clock: FakeClock) -> None:
    asked = request(log, "s-1", "sampling/createMessage", direction=IN)
    clock.advance(0.5)

    answer = response(log, "s-1", direction=OUT)

    assert answer.pair == asked.seq
    assert answer.method == "sampling/createMessage"
    assert answer.latency_ms == pytest.approx(500.0)


def test_the_same_id_in_both_directions_pairs_each_answer_with_the_right_request(log: RpcLog) -> None:
    ours = request(log, "1", "tools/list", direction=OUT)
    theirs = request(log, "1", "roots/list", direction=IN)

    our_answer = response(log, "1", direction=IN)
    their_answer = response(log, "1", direction=OUT)

    assert (our_answer.pair, our_answer.method) == (ours.seq, "tools/list")
    assert (their_answer.pair, their_answer.method) == (theirs.seq, "roots/list")


def test_a_response_with_an_unknown_id_is_unmatched(log: RpcLog) -> None:
    request(log, "1")

    stray = response(log, "99")

    assert stray.flags == (Flag.UNMATCHED,)
    assert stray.pair is None
    assert stray.latency_ms is None
    assert stray.is_problem


def test_a_second_answer_to_the_same_request_is_unmatched(log: RpcLog) -> None:
    request(log, "1")
    response(log, "1")

    again = response(log, "1")

    assert again.flags == (Flag.UNMATCHED,)


def test_ids_are_per_server(log: RpcLog, clock: FakeClock) -> None:
    on_time = request(log, "1", "tools/list", server="time")
    clock.advance(0.1)
    on_fetch = request(log, "1", "tools/call", server="fetch")
    clock.advance(0.2)

    fetch_answer = response(log, "1", server="fetch")
    time_answer = response(log, "1", server="time")

    assert (fetch_answer.pair, fetch_answer.method) == (on_fetch.seq, "tools/call")
    assert fetch_answer.latency_ms == pytest.approx(200.0)
    assert (time_answer.pair, time_answer.method) == (on_time.seq, "tools/list")
    assert time_answer.latency_ms == pytest.approx(300.0)
    assert response(log, "1", server="other").flags == (Flag.UNMATCHED,)


# -- cancellations, late answers, tool errors ------------------------------------


def test_a_cancellation_because_of_a_timeout_is_flagged_timeout_and_pairs_to_the_request(log: RpcLog) -> None:
    sent = request(log, "5", "tools/call")

    cancelled = cancel(log, "5", "timed out after 30 s")

    assert cancelled.flags == (Flag.TIMEOUT,)
    assert cancelled.pair == sent.seq
    assert cancelled.is_problem


@pytest.mark.parametrize("reason", ["user pressed stop", "", "Timed out"])
def test_a_cancellation_for_another_reason_is_flagged_cancelled(log: RpcLog, reason: str) -> None:
    sent = request(log, "5", "tools/call")

    cancelled = cancel(log, "5", reason)

    assert cancelled.flags == (Flag.CANCELLED,)
    assert cancelled.pair == sent.seq


def test_a_cancellation_of_an_unknown_request_is_flagged_but_pairs_with_nothing(log: RpcLog) -> None:
    cancelled = cancel(log, "404", "timed out after 5 s")

    assert cancelled.flags == (Flag.TIMEOUT,)
    assert cancelled.pair is None


def test_a_response_after_the_request_was_cancelled_is_late(log: RpcLog, clock: FakeClock) -> None:
    sent = request(log, "5", "tools/call")
    clock.advance(30)
    cancel(log, "5", "timed out after 30 s")
    clock.advance(2)

    answer = response(log, "5")

    assert answer.flags == (Flag.LATE,)
    assert answer.pair == sent.seq
    assert answer.method == "tools/call"
    assert answer.latency_ms == pytest.approx(32_000.0)
    assert answer.is_problem


def test_a_tool_call_result_with_is_error_is_flagged_tool_error(log: RpcLog) -> None:
    sent = request(log, "8", "tools/call")

    answer = response(log, "8", tool_error=True)

    assert answer.flags == (Flag.TOOL_ERROR,)
    assert answer.pair == sent.seq
    assert answer.is_problem


def test_a_failed_tool_call_without_a_known_request_has_both_flags(log: RpcLog) -> None:
    answer = response(log, "8", tool_error=True)

    assert set(answer.flags) == {Flag.TOOL_ERROR, Flag.UNMATCHED}


# -- runs of a server -------------------------------------------------------------


def test_a_new_run_forgets_the_old_runs_unanswered_requests(log: RpcLog) -> None:
    request(log, "1", server="time")
    request(log, "1", server="fetch")

    log.lifecycle("time", "restarted", new_run=True)

    assert response(log, "1", server="time").flags == (Flag.UNMATCHED,)
    assert response(log, "1", server="fetch").flags == ()


def test_a_lifecycle_event_that_is_not_a_new_run_keeps_pending_requests(log: RpcLog) -> None:
    sent = request(log, "1")

    event = log.lifecycle("time", "stderr is noisy")

    assert event.direction is Direction.EVENT
    assert event.kind is EntryKind.LIFECYCLE
    assert response(log, "1").pair == sent.seq


def test_pending_requests_per_server_are_bounded_and_the_oldest_is_forgotten(
    log: RpcLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rpc_log, "MAX_PENDING", 3)
    sent = {rpc_id: request(log, rpc_id) for rpc_id in ("1", "2", "3", "4")}
    other = request(log, "1", server="fetch")

    assert response(log, "1").flags == (Flag.UNMATCHED,)
    assert response(log, "2").pair == sent["2"].seq
    assert response(log, "4").pair == sent["4"].seq
    assert response(log, "3").pair == sent["3"].seq
    assert response(log, "1", server="fetch").pair == other.seq


# -- text: truncation and masking --------------------------------------------------


def test_a_message_longer_than_the_limit_is_kept_in_part_and_flagged(log: RpcLog) -> None:
    text = "a" * (MAX_TEXT_CHARS + 10)

    entry = log.message("time", OUT, NOTIFICATION, text, len(text) + 50, None, "notifications/message")

    assert entry.text == text[:MAX_TEXT_CHARS]
    assert entry.flags == (Flag.TRUNCATED,)
    assert entry.size == len(text) + 50
    assert not entry.is_problem


def test_a_message_of_exactly_the_limit_is_kept_whole(log: RpcLog) -> None:
    text = "a" * MAX_TEXT_CHARS

    entry = log.message("time", OUT, NOTIFICATION, text, len(text))

    assert entry.text == text
    assert entry.flags == ()


def test_a_long_stderr_line_is_truncated_and_flagged(log: RpcLog) -> None:
    entry = log.line("time", EntryKind.STDERR, "e" * (MAX_TEXT_CHARS + 1))

    assert len(entry.text) == MAX_TEXT_CHARS
    assert entry.flags == (Flag.TRUNCATED,)


def test_registered_secrets_never_reach_the_ring_or_the_sinks(clock: FakeClock) -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    log = RpcLog(redactor)
    log.clock = clock
    batches: list[tuple[RpcEntry, ...]] = []
    log.sinks.append(batches.append)

    text = json.dumps({"id": "1", "method": "initialize", "params": {"headers": {"Authorization": SECRET}}})
    log.message("remote", OUT, REQUEST, text, len(text), "1", "initialize")
    log.line("remote", EntryKind.STDERR, f"using token {SECRET}")
    log.lifecycle("remote", f"started with --token={SECRET}", new_run=True)
    log.flush()

    stored = log.recent()
    sunk = [entry for batch in batches for entry in batch]
    assert len(stored) == len(sunk) == 3
    for entry in [*stored, *sunk]:
        assert SECRET not in entry.text
        assert SECRET not in entry.to_json()
        assert MASK in entry.text


def test_no_part_of_a_secret_survives_truncation_at_the_limit(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rpc_log, "MAX_TEXT_CHARS", 32)
    redactor = Redactor()
    redactor.add(SECRET)
    log = RpcLog(redactor)
    log.clock = clock
    text = "." * 12 + SECRET + "." * 40  # a cut at 32 would fall after 20 of its 24 characters

    entry = log.message("remote", IN, RESPONSE, text, len(text), "1")

    assert Flag.TRUNCATED in entry.flags
    assert SECRET[:20] not in entry.text


# -- ring and batches --------------------------------------------------------------------


def test_the_ring_keeps_only_the_newest_entries(clock: FakeClock) -> None:
    log = RpcLog(Redactor(), ring=3)
    log.clock = clock

    for number in range(5):
        log.line("time", EntryKind.STDERR, f"line {number}")

    assert [entry.text for entry in log.recent()] == ["line 2", "line 3", "line 4"]


def test_flush_hands_every_new_entry_to_every_sink_exactly_once_in_order(clock: FakeClock) -> None:
    log = RpcLog(Redactor(), ring=2)
    log.clock = clock
    first: list[tuple[RpcEntry, ...]] = []
    second: list[tuple[RpcEntry, ...]] = []
    log.sinks += [first.append, second.append]

    made = [log.line("time", EntryKind.STDERR, f"line {number}") for number in range(4)]
    log.flush()
    log.flush()
    more = [request(log, "1"), response(log, "1")]
    log.flush()

    assert first == [tuple(made), tuple(more)]
    assert second == first


def test_flush_with_nothing_new_calls_no_sink(log: RpcLog) -> None:
    calls: list[tuple[RpcEntry, ...]] = []
    log.sinks.append(calls.append)

    log.flush()

    assert calls == []


def test_recent_is_a_copy_that_later_entries_do_not_change(log: RpcLog) -> None:
    log.line("time", EntryKind.STDERR, "one")
    snapshot = log.recent()

    log.line("time", EntryKind.STDERR, "two")

    assert [entry.text for entry in snapshot] == ["one"]


# -- entries as JSON --------------------------------------------------------------------


def full_entry() -> RpcEntry:
    return RpcEntry(
        seq=12,
        time=1_700_000_123.456789,
        server="wêather ☂",
        direction=IN,
        kind=RESPONSE,
        text='{"jsonrpc": "2.0", "id": "5", "result": {"text": "naïve \\"quoted\\"\\n"}}',
        size=77,
        rpc_id="5",
        method="tools/call",
        pair=9,
        latency_ms=1234.5,
        flags=(Flag.LATE, Flag.TOOL_ERROR, Flag.TRUNCATED),
    )


def test_an_entry_survives_a_round_trip_through_json() -> None:
    entry = full_entry()

    line = entry.to_json()

    assert "\n" not in line
    assert RpcEntry.from_json(line) == entry


def test_an_entry_with_empty_optional_fields_survives_a_round_trip() -> None:
    entry = RpcEntry(1, 5.0, "time", Direction.EVENT, EntryKind.LIFECYCLE, "started", 0)

    assert RpcEntry.from_json(entry.to_json()) == entry


def test_entries_from_the_log_survive_a_round_trip(log: RpcLog, clock: FakeClock) -> None:
    request(log, "1", "tools/call")
    clock.advance(0.123)
    response(log, "1", tool_error=True)
    cancel(log, "2", "timed out")

    for entry in log.recent():
        assert RpcEntry.from_json(entry.to_json()) == entry


@pytest.mark.parametrize(
    "text",
    ['"quoted" \\ back\\slash', "new\nline\ttab\r\x00\x1f", "ünïcödé ☃ 😀 \u2028", "", "{}"],
    ids=["quotes and backslashes", "control characters", "beyond ascii", "empty", "json"],
)
def test_a_line_is_what_json_dumps_writes_for_awkward_text(text: str) -> None:
    entry = replace(full_entry(), text=text, server=text or "s", method=text, rpc_id=None)
    fields = {
        "seq": entry.seq, "time": entry.time, "server": entry.server,
        "direction": entry.direction.value, "kind": entry.kind.value, "id": None,
        "method": entry.method, "size": entry.size, "pair": entry.pair,
        "latency_ms": entry.latency_ms, "flags": [flag.value for flag in entry.flags], "text": text,
    }  # fmt: skip

    assert entry.to_json() == json.dumps(fields, ensure_ascii=False)
    assert RpcEntry.from_json(entry.to_json()) == entry


_MISSING = object()
GOOD: dict[str, Any] = {
    "seq": 1,
    "time": 5.0,
    "server": "t",
    "direction": "in",
    "kind": "stderr",
    "text": "",
    "size": 0,
}


def damaged(**changes: Any) -> str:
    """A valid entry line with some fields replaced (`_MISSING` removes the field)."""
    data = {**GOOD, **changes}
    return json.dumps({key: value for key, value in data.items() if value is not _MISSING})


@pytest.mark.parametrize(
    "line",
    [
        "",
        "not json at all",
        '{"seq": 1, "time": 5.0, "serv',
        "null",
        "[1, 2, 3]",
        '"a string"',
        "42",
        "{}",
        damaged(text=_MISSING),
        damaged(seq=_MISSING),
        damaged(seq="one"),
        damaged(seq=[1]),
        damaged(time="noon"),
        damaged(time=None),
        damaged(direction="sideways"),
        damaged(kind="poem"),
        damaged(size=None),
        damaged(flags=["bogus"]),
        damaged(flags=5),
    ],
)
def test_a_line_that_is_not_an_entry_is_rejected(line: str) -> None:
    with pytest.raises((ValueError, KeyError, TypeError)):
        RpcEntry.from_json(line)


# -- filters ------------------------------------------------------------------------------


SAMPLE = RpcEntry(
    seq=3,
    time=1000.0,
    server="time",
    direction=IN,
    kind=RESPONSE,
    text='{"result": {"content": [{"text": "Europe/Berlin"}]}}',
    size=50,
    rpc_id="7",
    method="tools/call",
    pair=2,
    latency_ms=12.0,
)


@pytest.mark.parametrize(
    "where",
    [
        LogFilter(),
        LogFilter(server="time"),
        LogFilter(direction=IN),
        LogFilter(kind=RESPONSE),
        LogFilter(method="tools/call"),
        LogFilter(method="tools/"),
        LogFilter(text="europe/berlin"),
        LogFilter(text="EUROPE"),
        LogFilter(since=1000.0),
        LogFilter(since=999.5),
        LogFilter(rpc_id="7"),
        LogFilter(
            server="time", direction=IN, kind=RESPONSE, method="call", text="berlin", since=1000.0, rpc_id="7"
        ),
    ],
)
def test_a_filter_matches_an_entry_that_has_what_it_asks_for(where: LogFilter) -> None:
    assert where.matches(SAMPLE)


@pytest.mark.parametrize(
    "where",
    [
        LogFilter(server="fetch"),
        LogFilter(server="tim"),
        LogFilter(direction=OUT),
        LogFilter(direction=Direction.EVENT),
        LogFilter(kind=REQUEST),
        LogFilter(kind=ERROR),
        LogFilter(method="resources/read"),
        LogFilter(text="paris"),
        LogFilter(since=1000.001),
        LogFilter(rpc_id="70"),
        LogFilter(rpc_id=""),
        LogFilter(problems_only=True),
        LogFilter(server="time", direction=IN, kind=RESPONSE, method="call", text="berlin", rpc_id="8"),
    ],
)
def test_a_filter_rejects_an_entry_that_lacks_what_it_asks_for(where: LogFilter) -> None:
    assert not where.matches(SAMPLE)


def test_a_method_filter_does_not_match_an_entry_without_a_method() -> None:
    line = RpcEntry(1, 1.0, "time", IN, EntryKind.STDERR, "tools/call failed", 17)

    assert not LogFilter(method="tools").matches(line)
    assert LogFilter(text="TOOLS/CALL").matches(line)


@pytest.mark.parametrize(
    "problem",
    [
        replace(SAMPLE, kind=ERROR),
        replace(SAMPLE, kind=EntryKind.JUNK, rpc_id=None, method=None),
        replace(SAMPLE, flags=(Flag.TIMEOUT,)),
        replace(SAMPLE, flags=(Flag.CANCELLED,)),
        replace(SAMPLE, flags=(Flag.LATE,)),
        replace(SAMPLE, flags=(Flag.UNMATCHED,)),
        replace(SAMPLE, flags=(Flag.TOOL_ERROR,)),
        replace(SAMPLE, flags=(Flag.TRUNCATED, Flag.LATE)),
    ],
)
def test_problems_only_keeps_errors_junk_and_problem_flags(problem: RpcEntry) -> None:
    assert problem.is_problem
    assert LogFilter(problems_only=True).matches(problem)


@pytest.mark.parametrize(
    "fine",
    [
        SAMPLE,
        replace(SAMPLE, kind=EntryKind.STDERR),
        replace(SAMPLE, kind=EntryKind.LIFECYCLE, direction=Direction.EVENT),
        replace(SAMPLE, flags=(Flag.TRUNCATED,)),
    ],
)
def test_problems_only_drops_entries_without_a_problem(fine: RpcEntry) -> None:
    assert not fine.is_problem
    assert not LogFilter(problems_only=True).matches(fine)


def test_apply_keeps_the_matching_entries_in_order() -> None:
    entries = [replace(SAMPLE, seq=n, server="time" if n % 2 else "fetch") for n in range(1, 7)]

    kept = LogFilter(server="time").apply(entries)

    assert [entry.seq for entry in kept] == [1, 3, 5]


def test_a_filter_matches_entries_read_back_from_json() -> None:
    entry = RpcEntry.from_json(SAMPLE.to_json())

    assert LogFilter(direction=IN, kind=RESPONSE).matches(entry)
