"""The JSON-RPC log on disk: day files, parts, damaged lines, last seq, pruning and exports."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.rpc_log import Direction, EntryKind, LogFilter, RpcEntry
from desktop.core.rpc_log_files import Retention, RpcLogFiles, export_entries

KEEP_ALL = Retention(keep_days=3650, max_bytes=10**12)


pytestmark = pytest.mark.usefixtures("local_time_ten_hours_behind_utc")


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> float:
    """A local time as a timestamp."""
    return time.mktime((year, month, day, hour, minute, 0, 0, 0, -1))


def entry(
    seq: int, when: float, server: str = "time", text: str = "", kind: EntryKind = EntryKind.STDERR
) -> RpcEntry:
    return RpcEntry(seq, when, server, Direction.IN, kind, text or f"line {seq}", 10)


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def make_files(folder: Path, retention: Retention = KEEP_ALL, max_file_bytes: int = 10**9) -> RpcLogFiles:
    return RpcLogFiles(folder, lambda: retention, max_file_bytes)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "logs"


# -- writing ----------------------------------------------------------------------------


def test_entries_go_to_the_file_named_after_their_local_date(folder: Path) -> None:
    late_evening = at(3, 10, 23, 30)  # already 11 March in UTC
    assert time.strftime("%Y-%m-%d", time.gmtime(late_evening)) == "2026-03-11"
    files = make_files(folder)
    batch = [entry(1, late_evening), entry(2, late_evening + 60)]

    files.write(batch)
    files.close()

    assert sorted(path.name for path in folder.iterdir()) == ["rpc-2026-03-10.jsonl"]
    assert lines_of(folder / "rpc-2026-03-10.jsonl") == [item.to_json() for item in batch]


def test_writing_nothing_creates_no_file(folder: Path) -> None:
    files = make_files(folder)

    files.write([])

    assert not folder.exists() or list(folder.iterdir()) == []


def test_later_batches_of_the_same_day_append_to_the_same_file(folder: Path) -> None:
    files = make_files(folder)

    files.write([entry(1, at(3, 10, 9))])
    files.write([entry(2, at(3, 10, 10)), entry(3, at(3, 10, 11))])
    files.close()

    assert [RpcEntry.from_json(line).seq for line in lines_of(folder / "rpc-2026-03-10.jsonl")] == [1, 2, 3]


def test_a_new_day_starts_a_new_file(folder: Path) -> None:
    files = make_files(folder)

    files.write([entry(1, at(3, 10, 23, 59))])
    files.write([entry(2, at(3, 11, 0, 1))])
    files.close()

    assert [item.seq for item in files.read_day("2026-03-10")] == [1]
    assert [item.seq for item in files.read_day("2026-03-11")] == [2]


def test_a_batch_that_spans_midnight_puts_each_entry_in_its_own_days_file(folder: Path) -> None:
    files = make_files(folder)

    files.write([entry(1, at(3, 10, 23, 59)), entry(2, at(3, 11, 0, 1))])
    files.close()

    assert [item.seq for item in files.read_day("2026-03-10")] == [1]
    assert [item.seq for item in files.read_day("2026-03-11")] == [2]


def test_a_file_over_the_size_limit_rolls_to_the_next_part(folder: Path) -> None:
    files = make_files(folder, max_file_bytes=300)
    big = "x" * 400

    files.write([entry(1, at(3, 10, 9), text=big)])
    files.write([entry(2, at(3, 10, 10), text=big)])
    files.write([entry(3, at(3, 10, 11), text=big)])
    files.close()

    assert sorted(path.name for path in folder.iterdir()) == [
        "rpc-2026-03-10.1.jsonl",
        "rpc-2026-03-10.2.jsonl",
        "rpc-2026-03-10.jsonl",
    ]
    assert [RpcEntry.from_json(line).seq for line in lines_of(folder / "rpc-2026-03-10.1.jsonl")] == [2]
    assert [item.seq for item in files.read_day("2026-03-10")] == [1, 2, 3]


def test_a_new_session_appends_to_the_newest_part_instead_of_starting_a_file(folder: Path) -> None:
    first = make_files(folder, max_file_bytes=2000)
    first.write([entry(1, at(3, 10, 9), text="x" * 2500)])
    first.write([entry(2, at(3, 10, 10))])
    first.close()
    assert sorted(path.name for path in folder.iterdir()) == [
        "rpc-2026-03-10.1.jsonl",
        "rpc-2026-03-10.jsonl",
    ]

    for seq in (3, 4, 5):
        session = make_files(folder, max_file_bytes=2000)
        session.write([entry(seq, at(3, 10, 10 + seq))])
        session.close()

    assert sorted(path.name for path in folder.iterdir()) == [
        "rpc-2026-03-10.1.jsonl",
        "rpc-2026-03-10.jsonl",
    ]
    assert [RpcEntry.from_json(line).seq for line in lines_of(folder / "rpc-2026-03-10.1.jsonl")] == [
        2,
        3,
        4,
        5,
    ]


def test_a_new_session_starts_a_new_part_when_the_newest_is_full(folder: Path) -> None:
    first = make_files(folder, max_file_bytes=300)
    first.write([entry(1, at(3, 10, 9), text="x" * 400)])
    first.close()

    second = make_files(folder, max_file_bytes=300)
    second.write([entry(2, at(3, 10, 10))])
    second.close()

    assert sorted(path.name for path in folder.iterdir()) == [
        "rpc-2026-03-10.1.jsonl",
        "rpc-2026-03-10.jsonl",
    ]


def test_a_new_session_after_a_cut_off_line_keeps_its_first_entry(folder: Path) -> None:
    path = folder / "rpc-2026-03-10.jsonl"
    folder.mkdir()
    path.write_text(entry(1, at(3, 10, 9)).to_json() + "\n" + entry(2, at(3, 10, 9)).to_json()[:30])

    files = make_files(folder)
    files.write([entry(3, at(3, 10, 10)), entry(4, at(3, 10, 11))])
    files.close()

    assert [item.seq for item in files.read_day("2026-03-10")] == [1, 3, 4]


# -- reading ----------------------------------------------------------------------------


def test_days_lists_the_days_with_a_log_newest_first(folder: Path) -> None:
    files = make_files(folder, max_file_bytes=100)
    files.write([entry(1, at(3, 9), text="x" * 200)])
    files.write([entry(2, at(3, 9))])  # a second part of 9 March
    files.write([entry(3, at(3, 11))])
    files.write([entry(4, at(3, 10))])
    files.close()
    (folder / "notes.txt").write_text("not a log")
    (folder / "rpc-latest.jsonl").write_text("not a log either")

    assert files.days() == ["2026-03-11", "2026-03-10", "2026-03-09"]


def test_days_of_a_missing_folder_is_empty(folder: Path) -> None:
    assert make_files(folder).days() == []
    assert make_files(folder).read_day("2026-03-10") == []


def test_read_day_returns_that_days_entries_in_order(folder: Path) -> None:
    files = make_files(folder)
    files.write([entry(1, at(3, 9, 23))])
    files.write([entry(n, at(3, 10, n)) for n in range(2, 7)])
    files.write([entry(7, at(3, 11, 1))])
    files.close()

    assert [item.seq for item in files.read_day("2026-03-10")] == [2, 3, 4, 5, 6]
    assert files.read_day("2026-03-12") == []


def test_read_day_returns_at_most_limit_entries_the_newest(folder: Path) -> None:
    files = make_files(folder)
    files.write([entry(n, at(3, 10, n)) for n in range(1, 6)])
    files.close()

    assert [item.seq for item in files.read_day("2026-03-10", limit=2)] == [4, 5]


def test_read_day_reads_parts_in_numeric_order(folder: Path) -> None:
    folder.mkdir()
    for part, seq in [("", 1), (".2", 2), (".10", 3)]:
        (folder / f"rpc-2026-03-10{part}.jsonl").write_text(entry(seq, at(3, 10, seq)).to_json() + "\n")

    assert [item.seq for item in make_files(folder).read_day("2026-03-10")] == [1, 2, 3]


def test_damaged_lines_are_skipped_and_counted(folder: Path) -> None:
    folder.mkdir()
    good = [entry(n, at(3, 10, n)) for n in (1, 2, 3)]
    wrong_types = {**json.loads(good[0].to_json()), "seq": "first"}
    unknown_kind = {**json.loads(good[0].to_json()), "kind": "poem"}
    (folder / "rpc-2026-03-10.jsonl").write_bytes(
        b"\n".join(
            [
                good[0].to_json().encode(),
                b"garbage that is not json",
                good[1].to_json().encode()[:25],
                json.dumps(wrong_types).encode(),
                json.dumps(unknown_kind).encode(),
                b"[1, 2]",
                b"",
                b"\xff\xfe\x00 binary",
                good[2].to_json().encode(),
                good[2].to_json().encode()[:-5],
            ]
        )
    )
    files = make_files(folder)

    read = files.read_day("2026-03-10")

    assert read == [good[0], good[2]]
    assert files.skipped_lines == 8


@pytest.mark.parametrize(
    "field, value", [("latency_ms", "slow"), ("pair", "two"), ("method", 5), ("id", [1])]
)
def test_lines_with_wrongly_typed_optional_fields_are_skipped_as_damaged(
    folder: Path, field: str, value: object
) -> None:
    folder.mkdir()
    good = entry(1, at(3, 10))
    damaged = {**json.loads(entry(2, at(3, 10)).to_json()), field: value}
    (folder / "rpc-2026-03-10.jsonl").write_text(good.to_json() + "\n" + json.dumps(damaged) + "\n")
    files = make_files(folder)

    assert files.read_day("2026-03-10") == [good]
    assert files.skipped_lines == 1


def test_read_returns_what_the_filter_matches_oldest_first(folder: Path) -> None:
    files = make_files(folder)
    files.write([entry(1, at(3, 9, 10), "time"), entry(2, at(3, 9, 11), "fetch")])
    files.write(
        [entry(3, at(3, 10, 8), "time"), entry(4, at(3, 10, 9), "fetch"), entry(5, at(3, 10, 15), "time")]
    )
    files.write([entry(6, at(3, 11, 1), "time"), entry(7, at(3, 11, 2), "fetch")])
    files.close()

    found = files.read(LogFilter(server="time", since=at(3, 10, 9)))

    assert [item.seq for item in found] == [5, 6]
    assert [item.seq for item in files.read(LogFilter())] == [1, 2, 3, 4, 5, 6, 7]


def test_read_does_not_open_days_before_since(folder: Path) -> None:
    files = make_files(folder)
    files.write([entry(1, at(3, 10))])
    files.close()
    (folder / "rpc-2026-03-01.jsonl").write_text("damaged\n")

    assert [item.seq for item in files.read(LogFilter(since=at(3, 5)))] == [1]
    assert files.skipped_lines == 0


# -- last seq ----------------------------------------------------------------------------


def test_last_seq_of_an_empty_or_missing_folder_is_zero(folder: Path) -> None:
    assert make_files(folder).last_seq() == 0
    folder.mkdir()
    assert make_files(folder).last_seq() == 0


def test_last_seq_is_the_highest_seq_on_disk(folder: Path) -> None:
    files = make_files(folder)
    files.write([entry(n, at(3, 9, n)) for n in range(1, 4)])
    files.write([entry(n, at(3, 10, n)) for n in range(4, 9)])
    files.close()

    assert make_files(folder).last_seq() == 8


def test_last_seq_skips_a_last_line_cut_off_mid_line(folder: Path) -> None:
    files = make_files(folder)
    files.write([entry(n, at(3, 10, n)) for n in range(1, 4)])
    files.close()
    path = folder / "rpc-2026-03-10.jsonl"
    with path.open("a", encoding="utf-8") as out:
        out.write(entry(4, at(3, 10, 5)).to_json()[:40])

    assert make_files(folder).last_seq() == 3


def test_last_seq_looks_into_older_files_when_the_newest_holds_only_a_cut_off_line(folder: Path) -> None:
    files = make_files(folder)
    files.write([entry(n, at(3, 10, n)) for n in range(1, 4)])
    files.close()
    (folder / "rpc-2026-03-11.jsonl").write_text(entry(4, at(3, 11)).to_json()[:40])

    assert make_files(folder).last_seq() == 3


def test_last_seq_finds_an_entry_longer_than_the_tail_it_reads(folder: Path) -> None:
    files = make_files(folder)
    files.write([entry(1, at(3, 10, 1)), entry(2, at(3, 10, 2))])
    files.write([entry(3, at(3, 10, 3), text="r" * 200_000)])
    files.close()

    assert make_files(folder).last_seq() == 3


# -- pruning -----------------------------------------------------------------------------


def old_file(folder: Path, day: str, size: int = 100) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"rpc-{day}.jsonl"
    path.write_text("x" * (size - 1) + "\n")
    return path


def test_prune_deletes_files_older_than_the_kept_days(folder: Path) -> None:
    for day in ("2026-03-01", "2026-03-07", "2026-03-08", "2026-03-10"):
        old_file(folder, day)
    (folder / "rpc-2026-03-01.1.jsonl").write_text("{}\n")
    (folder / "notes.txt").write_text("mine")
    files = make_files(folder, Retention(keep_days=3, max_bytes=10**9))

    removed = files.prune(now=at(3, 10))

    assert sorted(path.name for path in removed) == [
        "rpc-2026-03-01.1.jsonl",
        "rpc-2026-03-01.jsonl",
        "rpc-2026-03-07.jsonl",
    ]
    assert sorted(path.name for path in folder.iterdir()) == [
        "notes.txt",
        "rpc-2026-03-08.jsonl",
        "rpc-2026-03-10.jsonl",
    ]


def test_prune_deletes_the_oldest_files_beyond_the_size_limit(folder: Path) -> None:
    for day in ("2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"):
        old_file(folder, day, size=100)
    files = make_files(folder, Retention(keep_days=30, max_bytes=250))

    removed = files.prune(now=at(3, 10))

    assert [path.name for path in removed] == ["rpc-2026-03-07.jsonl", "rpc-2026-03-08.jsonl"]
    assert sorted(path.name for path in folder.iterdir()) == ["rpc-2026-03-09.jsonl", "rpc-2026-03-10.jsonl"]


def test_prune_never_deletes_the_file_being_written(folder: Path) -> None:
    retention = [KEEP_ALL]
    old_file(folder, "2026-03-01")
    files = RpcLogFiles(folder, lambda: retention[0])
    files.write([entry(1, at(3, 2))])  # an old day, still being written
    retention[0] = Retention(keep_days=1, max_bytes=0)

    files.prune(now=at(3, 20))

    assert sorted(path.name for path in folder.iterdir()) == ["rpc-2026-03-02.jsonl"]
    files.write([entry(2, at(3, 2, 13))])
    files.close()
    assert [item.seq for item in files.read_day("2026-03-02")] == [1, 2]


def test_prune_by_size_stops_at_the_file_being_written(folder: Path) -> None:
    retention = [KEEP_ALL]
    old_file(folder, "2026-03-01")
    old_file(folder, "2026-03-05")
    files = RpcLogFiles(folder, lambda: retention[0])
    files.write([entry(1, at(3, 3))])
    retention[0] = Retention(keep_days=3650, max_bytes=0)

    removed = files.prune(now=at(3, 5))
    files.close()

    assert [path.name for path in removed] == ["rpc-2026-03-01.jsonl"]
    assert (folder / "rpc-2026-03-03.jsonl").exists()


def test_retention_is_read_again_at_each_prune(folder: Path) -> None:
    for day in ("2026-03-01", "2026-03-05", "2026-03-10"):
        old_file(folder, day)
    retention = [KEEP_ALL]
    files = RpcLogFiles(folder, lambda: retention[0])

    assert files.prune(now=at(3, 10)) == []
    retention[0] = Retention(keep_days=7, max_bytes=10**9)
    assert [path.name for path in files.prune(now=at(3, 10))] == ["rpc-2026-03-01.jsonl"]
    retention[0] = Retention(keep_days=7, max_bytes=150)
    assert [path.name for path in files.prune(now=at(3, 10))] == ["rpc-2026-03-05.jsonl"]
    assert [path.name for path in folder.iterdir()] == ["rpc-2026-03-10.jsonl"]


def test_prune_of_a_missing_folder_deletes_nothing(folder: Path) -> None:
    assert make_files(folder, Retention(keep_days=1, max_bytes=0)).prune(now=at(3, 10)) == []


# -- export ------------------------------------------------------------------------------


def test_export_writes_the_entries_as_json_lines_and_counts_them(tmp_path: Path) -> None:
    entries = [entry(n, at(3, 10, n), text=f"naïve “{n}”") for n in range(1, 4)]
    target = tmp_path / "export.jsonl"

    count = export_entries(entries, target)

    assert count == 3
    assert [RpcEntry.from_json(line) for line in lines_of(target)] == entries
    assert [path.name for path in tmp_path.iterdir()] == ["export.jsonl"]


def test_export_of_no_entries_writes_an_empty_file(tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"

    assert export_entries([], target) == 0
    assert target.read_text() == ""


def test_export_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"
    target.write_text("old content\n" * 100)

    export_entries([entry(1, at(3, 10))], target)

    assert lines_of(target) == [entry(1, at(3, 10)).to_json()]


def test_an_export_that_fails_midway_leaves_the_old_file_and_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "export.jsonl"
    target.write_text("previous export\n")

    def failing() -> Iterator[RpcEntry]:
        yield entry(1, at(3, 10))
        yield entry(2, at(3, 10))
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        export_entries(failing(), target)

    assert target.read_text() == "previous export\n"
    assert [path.name for path in tmp_path.iterdir()] == ["export.jsonl"]
