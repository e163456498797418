"""The audit trail on a real SQLite file: the chain, reads, redaction, tampering, exports."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import itertools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from desktop.core.audit import AuditTrail, AuditTrailClosed
from desktop.core.audit_chain import GENESIS, canonical_json, record_hash
from desktop.core.audit_records import CSV_COLUMNS, AuditFilter, AuditKind, AuditRecord, Finding
from desktop.core.redact import MASK, Redactor

SECRET = "sk-live-7f3a9c1e55d04b2a"


def call(server: str, tool: str, **extra: Any) -> dict[str, Any]:
    return {"server": server, "tool": tool, "decision": "allowed", "how": "asked", **extra}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "audit.db"


@pytest.fixture
def trail(db: Path) -> Iterator[AuditTrail]:
    with AuditTrail(db, Redactor()) as opened:
        yield opened


def fill(trail: AuditTrail, count: int) -> list[AuditRecord]:
    futures = [trail.append(AuditKind.TOOL_CALL, call("files", "read", n=n)) for n in range(count)]
    return [f.result(10) for f in futures]


def leftovers(folder: Path) -> list[str]:
    """Temporary files an export left behind."""
    return [p.name for p in folder.iterdir() if p.suffix == ".tmp"]


def tamper(db: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """Change the file as an attacker would: drop the guard triggers, then write."""
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("DROP TRIGGER records_no_update")
        conn.execute("DROP TRIGGER records_no_delete")
        for sql, params in statements:
            conn.execute(sql, params)
        conn.commit()


def test_the_chain_links_every_record_and_verifies(trail: AuditTrail) -> None:
    records = fill(trail, 5)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(records):
        assert after.prev_hash == before.hash
    for r in records:
        assert r.hash == record_hash(r.prev_hash, r.seq, r.time, r.kind.value, canonical_json(r.data))
    report = trail.verify_now()
    assert report.ok and report.checked == 5 and report.first_bad is None
    assert report.message.startswith("All 5 records are intact. The trail is not sealed with a key.")
    assert report.finding is Finding.NOT_SEALED


def test_an_empty_trail_verifies(trail: AuditTrail) -> None:
    report = trail.verify_now()
    assert report.ok and report.checked == 0 and report.message.startswith("The audit trail is empty.")


def test_records_cannot_be_updated_or_deleted_through_sqlite(trail: AuditTrail, db: Path) -> None:
    fill(trail, 2)
    with closing(sqlite3.connect(db)) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE records SET data = '{}' WHERE seq = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM records WHERE seq = 2")
    assert trail.verify_now().ok


def test_numbering_continues_after_reopening(db: Path) -> None:
    with AuditTrail(db, Redactor()) as first:
        fill(first, 3)
    with AuditTrail(db, Redactor()) as second:
        assert [r.seq for r in fill(second, 2)] == [4, 5]
        assert second.verify_now().checked == 5


@pytest.mark.anyio
async def test_query_filters_and_keeps_the_newest(trail: AuditTrail) -> None:
    await trail.record(AuditKind.SERVER_ADDED, {"server": "files"})
    await trail.record(AuditKind.TOOL_CALL, call("files", "read", arguments={"path": "Notes/Ünïcode.txt"}))
    await trail.record(AuditKind.TOOL_CALL, call("time", "now"))
    last = await trail.record(AuditKind.TOOL_RESULT, {"server": "time", "tool": "now", "duration_ms": 3})

    assert [r.seq for r in await trail.query(AuditFilter())] == [1, 2, 3, 4]
    assert [r.seq for r in await trail.query(AuditFilter(kind=AuditKind.TOOL_CALL))] == [2, 3]
    assert [r.seq for r in await trail.query(AuditFilter(server="files"))] == [1, 2]
    assert [r.seq for r in await trail.query(AuditFilter(text="üNÏCODE"))] == [2]
    assert [r.seq for r in await trail.query(AuditFilter(kind=AuditKind.TOOL_CALL, server="time"))] == [3]
    assert [r.seq for r in await trail.query(AuditFilter(), limit=2)] == [3, 4]
    since = await trail.query(AuditFilter(since=last.time))
    assert since and since[-1] == last and all(r.time >= last.time for r in since)
    assert (await trail.query(AuditFilter(text="nothing like this"))) == []
    assert (await trail.verify()).ok


def test_many_threads_appending_get_one_gapless_chain(trail: AuditTrail) -> None:
    futures: list[Future[AuditRecord]] = []
    lock = threading.Lock()

    def burst(worker: int) -> None:
        for n in range(150):
            future = trail.append(AuditKind.TOOL_CALL, call(f"server{worker}", "tool", n=n))
            with lock:
                futures.append(future)

    threads = [threading.Thread(target=burst, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = sorted(f.result(10).seq for f in futures)
    assert seqs == list(range(1, 1201))
    assert trail.verify_now().ok


def test_what_is_queued_is_committed_together(db: Path) -> None:
    """While the writer is busy, appends queue up and then land in one transaction."""
    release = threading.Event()
    seen: list[tuple[int, list[bool]]] = []
    queued: list[Future[AuditRecord]] = []

    def on_record(record: AuditRecord) -> None:
        if record.seq == 1:
            release.wait(10)
        seen.append((record.seq, [f.done() for f in queued]))

    with AuditTrail(db, Redactor(), on_record=on_record) as trail:
        first = trail.append(AuditKind.MODEL_LOADED, {"model": "tiny"})
        first.result(10)
        queued.extend(trail.append(AuditKind.TOOL_CALL, call("files", "read", n=n)) for n in range(50))
        release.set()
        assert [f.result(10).seq for f in queued] == list(range(2, 52))
    assert [seq for seq, _ in seen] == list(range(1, 52))
    seq, done = seen[1]
    assert seq == 2 and all(done), "record 2 was published before the rest of its batch was committed"


def test_secrets_never_reach_the_file_or_exports(db: Path, tmp_path: Path) -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    with AuditTrail(db, redactor) as trail:
        record = trail.append(
            AuditKind.TOOL_CALL,
            call("web", "fetch", arguments={"headers": {"Authorization": f"Bearer {SECRET}"}, "q": SECRET}),
        ).result(10)
        assert SECRET not in json.dumps(record.data) and MASK in json.dumps(record.data, ensure_ascii=False)
        assert record.hash == record_hash(GENESIS, 1, record.time, "tool call", canonical_json(record.data))
        files = [p for p in db.parent.iterdir() if p.name.startswith("audit.db")]
        assert any(p.name == "audit.db-wal" for p in files)
        for file in files:
            assert SECRET.encode() not in file.read_bytes(), file.name
        trail.export_now(tmp_path / "out.jsonl", "jsonl")
        trail.export_now(tmp_path / "out.csv", "csv")
        assert trail.verify_now().ok
    for file in [*db.parent.iterdir(), tmp_path / "out.jsonl", tmp_path / "out.csv"]:
        assert SECRET.encode() not in file.read_bytes(), file.name


def test_values_json_cannot_hold_are_stored_as_text(trail: AuditTrail) -> None:
    odd: dict[Any, Any] = {
        "server": "x",
        "path": Path("a/b"),
        "ratio": float("nan"),
        "items": ("t", {1, 2} - {1}),
        3: b"\x00",
    }
    record = trail.append(AuditKind.TOOL_RESULT, odd).result(10)
    assert record.data == {
        "server": "x",
        "path": "a/b",
        "ratio": "nan",
        "items": ["t", "{2}"],
        "3": "b'\\x00'",
    }
    assert trail.append(AuditKind.SERVER_REMOVED, {"server": "x"}).result(10).seq == 2
    assert trail.verify_now().ok


def test_plain_words_and_broken_text_are_stored_as_canonical_json(trail: AuditTrail) -> None:
    plain = {"tool": "echo", "arguments": {"text": "hello", "n": 1.5, "list": [1, None, True]}}
    words = {"text": "naïve – “quoted” 東京"}
    broken = {"text": "half a pair \ud800 here"}
    stored = [trail.append(AuditKind.TOOL_RESULT, data).result(10) for data in (plain, words, broken)]
    assert [record.data for record in stored] == [plain, words, {"text": "half a pair ? here"}]
    assert stored[0].hash == record_hash(GENESIS, 1, stored[0].time, "tool result", canonical_json(plain))
    assert trail.verify_now().ok


def test_a_failed_batch_fails_its_futures_and_the_writer_goes_on(trail: AuditTrail, db: Path) -> None:
    fill(trail, 2)
    block = "CREATE TRIGGER no_insert BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(block)
        conn.commit()
        with pytest.raises(sqlite3.DatabaseError, match="disk says no"):
            trail.append(AuditKind.SERVER_ADDED, {"server": "lost"}).result(10)
        conn.execute("DROP TRIGGER no_insert")
        conn.commit()
    assert trail.append(AuditKind.SERVER_ADDED, {"server": "kept"}).result(10).seq == 3
    assert trail.verify_now().ok


def test_a_failing_listener_does_not_stop_the_writer(db: Path) -> None:
    def on_record(record: AuditRecord) -> None:
        raise RuntimeError("listener broke")

    with AuditTrail(db, Redactor(), on_record=on_record) as trail:
        assert [r.seq for r in fill(trail, 3)] == [1, 2, 3]


TAMPERING: dict[str, tuple[Callable[[list[AuditRecord]], list[tuple[str, tuple[Any, ...]]]], int, str]] = {
    "changed data": (
        lambda rs: [("UPDATE records SET data = ? WHERE seq = 7", ('{"server":"nobody"}',))],
        7,
        "Record 7 was changed after it was written.",
    ),
    "changed and rehashed": (
        lambda rs: [
            (
                "UPDATE records SET data = ?, hash = ? WHERE seq = 7",
                ("{}", record_hash(rs[5].hash, 7, rs[6].time, "tool call", "{}")),
            )
        ],
        7,
        "Record 7 was changed after it was written.",
    ),
    "middle removed": (
        lambda rs: [("DELETE FROM records WHERE seq = 5", ())],
        5,
        "Record 5 is missing: the trail jumps from 4 to 6.",
    ),
    "newest removed": (
        lambda rs: [("DELETE FROM records WHERE seq >= 9", ())],
        9,
        "The newest records after 8 were removed.",
    ),
    "neighbours swapped": (lambda rs: swap(rs, 4, 5), 4, "Records 4 and 5 are out of order."),
    "distant swapped": (lambda rs: swap(rs, 2, 9), 2, "Records 2 and 9 are out of order."),
}


def swap(records: list[AuditRecord], a: int, b: int) -> list[tuple[str, tuple[Any, ...]]]:
    sql = "UPDATE records SET time = ?, kind = ?, data = ?, prev_hash = ?, hash = ? WHERE seq = ?"

    def contents(r: AuditRecord) -> tuple[Any, ...]:
        return (r.time, r.kind.value, canonical_json(r.data), r.prev_hash, r.hash)

    return [(sql, (*contents(records[b - 1]), a)), (sql, (*contents(records[a - 1]), b))]


@pytest.mark.parametrize("how", TAMPERING)
def test_tampering_is_found_and_named(db: Path, how: str) -> None:
    change, first_bad, message = TAMPERING[how]
    with AuditTrail(db, Redactor()) as trail:
        records = fill(trail, 10)
    tamper(db, *change(records))
    with AuditTrail(db, Redactor()) as reopened:
        report = reopened.verify_now()
    assert not report.ok
    assert (report.first_bad, report.message) == (first_bad, message)
    assert first_bad - 1 <= report.checked <= first_bad


def test_a_damaged_file_is_reported_plainly(db: Path) -> None:
    with AuditTrail(db, Redactor()) as trail:
        fill(trail, 300)
    raw = bytearray(db.read_bytes())
    raw[3 * 4096 : 5 * 4096] = b"\xa5" * (2 * 4096)
    db.write_bytes(bytes(raw))
    with AuditTrail(db, Redactor()) as reopened:
        report = reopened.verify_now()
    assert not report.ok and "damaged" in report.message


@pytest.mark.anyio
async def test_exports_read_back(trail: AuditTrail, tmp_path: Path) -> None:
    await trail.record(AuditKind.TOOL_CALL, call("files", "read", arguments={"path": 'Ünï, "quoted"\n'}))
    await trail.record(
        AuditKind.TOOL_RESULT, {"server": "files", "tool": "read", "duration_ms": 4.2, "call": 1}
    )
    await trail.record(AuditKind.SECRET_ADDED, {"name": "API_KEY"})
    records = await trail.query(AuditFilter())

    assert await trail.export(tmp_path / "trail.jsonl", "jsonl") == 3
    lines = (tmp_path / "trail.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [r.to_dict() for r in records]

    assert await trail.export(tmp_path / "trail.csv", "csv") == 3
    with (tmp_path / "trail.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    for row, r in zip(rows, records, strict=True):
        assert (int(row["seq"]), row["kind"], row["hash"], row["prev_hash"]) == (
            r.seq,
            r.kind,
            r.hash,
            r.prev_hash,
        )
        assert json.loads(row["data"]) == r.data
        assert (row["server"], row["tool"], row["summary"]) == (r.server, r.data.get("tool", ""), r.summary())
        assert "T" in row["time"]

    later = [r for r in records if r.time >= records[1].time]
    assert await trail.export(tmp_path / "later.jsonl", "jsonl", since=records[1].time) == len(later)
    assert leftovers(tmp_path) == []


def test_an_unknown_export_format_is_refused_plainly(trail: AuditTrail, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="jsonl or csv"):
        trail.export_now(tmp_path / "trail.xml", "xml")
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]


def test_an_unreadable_file_is_kept_aside_and_a_new_trail_started(db: Path) -> None:
    db.parent.mkdir(parents=True)
    garbage = b"this was never an audit trail\n" * 200
    db.write_bytes(garbage)
    with AuditTrail(db, Redactor()) as trail:
        kept = [p for p in db.parent.iterdir() if p.name.startswith("audit.db.unreadable-")]
        assert len(kept) == 1 and kept[0].read_bytes() == garbage
        assert (
            trail.problem is not None
            and "could not be read" in trail.problem
            and kept[0].name in trail.problem
        )
        assert fill(trail, 1)[0].seq == 1
        assert trail.verify_now().ok


def test_a_good_file_reports_no_problem(trail: AuditTrail) -> None:
    assert trail.problem is None


@pytest.mark.anyio
async def test_closing_writes_what_is_queued_and_then_refuses_more(db: Path) -> None:
    trail = AuditTrail(db, Redactor())
    futures = [trail.append(AuditKind.TOOL_CALL, call("files", "read", n=n)) for n in range(200)]
    trail.close()
    assert all(f.done() for f in futures) and futures[-1].result().seq == 200
    with pytest.raises(AuditTrailClosed, match="closed"):
        trail.append(AuditKind.SERVER_ADDED, {"server": "late"})
    with pytest.raises(AuditTrailClosed):
        await trail.record(AuditKind.SERVER_ADDED, {"server": "late"})
    trail.close()
    assert trail.verify_now().checked == 200


@pytest.mark.anyio
async def test_a_cancelled_record_is_still_written(trail: AuditTrail) -> None:
    task = asyncio.create_task(trail.record(AuditKind.TOOL_CALL, call("files", "delete")))
    await asyncio.sleep(0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    trail.append(AuditKind.SERVER_ADDED, {"server": "after"}).result(10)
    assert [r.kind for r in await trail.query(AuditFilter())] == [AuditKind.TOOL_CALL, AuditKind.SERVER_ADDED]


def _statements(trail: AuditTrail) -> list[str]:
    """The SQL the writer's connection runs from now on."""
    seen: list[str] = []
    trail._conn.set_trace_callback(seen.append)
    return seen


@pytest.mark.anyio
async def test_a_decision_is_synced_before_it_returns_and_a_result_soon_after(trail: AuditTrail) -> None:
    seen = _statements(trail)
    await trail.record(AuditKind.TOOL_CALL, call("files", "read"))
    assert seen[0] == "BEGIN IMMEDIATE", "a decision commits with the connection's synchronous=FULL"
    seen.clear()

    synced = threading.Event()
    trail._conn.set_trace_callback(
        lambda sql: (seen.append(sql), sql.startswith("UPDATE head SET hash = hash") and synced.set())
    )
    await asyncio.wrap_future(trail.append(AuditKind.TOOL_RESULT, call("files", "read")))
    assert seen[0] == "PRAGMA synchronous=NORMAL", (
        "a result is committed at once, without waiting for the disk"
    )
    assert await asyncio.to_thread(synced.wait, 10), "and synced by itself when no decision follows"
    assert "PRAGMA synchronous=FULL" in seen


@pytest.mark.anyio
async def test_a_result_reaches_the_disk_with_the_next_decision(trail: AuditTrail, db: Path) -> None:
    await asyncio.wrap_future(trail.append(AuditKind.TOOL_RESULT, call("files", "read")))
    seen = _statements(trail)
    await trail.record(AuditKind.TOOL_CALL, call("files", "write"))
    assert seen[:2] == ["PRAGMA synchronous=FULL", "BEGIN IMMEDIATE"]
    with closing(sqlite3.connect(db)) as conn:
        assert [kind for (kind,) in conn.execute("SELECT kind FROM records ORDER BY seq")][-2:] == [
            AuditKind.TOOL_RESULT.value,
            AuditKind.TOOL_CALL.value,
        ]
