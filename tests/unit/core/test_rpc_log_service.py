"""The JSON-RPC log service: batches to listeners and to the day file, numbering across sessions."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from desktop.core.events import Event, EventBus, RpcTraffic
from desktop.core.redact import MASK, Redactor
from desktop.core.rpc_log import Direction, EntryKind, RpcEntry
from desktop.core.rpc_log_files import Retention, RpcLogFiles
from desktop.core.rpc_log_service import RpcLogService

SECRET = "sk-live-7f3a9c1e55d04b2a"
NOON = time.mktime((2026, 3, 10, 12, 0, 0, 0, 0, -1))
DAY = time.strftime("%Y-%m-%d", time.localtime(NOON))
KEEP_ALL = Retention(keep_days=3650, max_bytes=10**12)


def open_service(
    folder: Path, bus: EventBus | None = None, redactor: Redactor | None = None
) -> RpcLogService:
    service = RpcLogService(folder, redactor or Redactor(), bus or EventBus(), lambda: KEEP_ALL)
    service.log.clock = lambda: NOON
    return service


def log_exchange(service: RpcLogService, rpc_id: str = "1", server: str = "time") -> list[RpcEntry]:
    text = json.dumps({"jsonrpc": "2.0", "id": rpc_id, "method": "tools/list"})
    answer = json.dumps({"jsonrpc": "2.0", "id": rpc_id, "result": {"tools": []}})
    return [
        service.log.message(server, Direction.OUT, EntryKind.REQUEST, text, len(text), rpc_id, "tools/list"),
        service.log.message(server, Direction.IN, EntryKind.RESPONSE, answer, len(answer), rpc_id),
        service.log.line(server, EntryKind.STDERR, "listed tools"),
    ]


def day_file_entries(folder: Path) -> list[RpcEntry]:
    return [RpcEntry.from_json(line) for line in (folder / f"rpc-{DAY}.jsonl").read_text().splitlines()]


def texts_under(root: Path) -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.mark.anyio
async def test_flushed_entries_reach_the_day_file_and_listeners_as_one_event(folder: Path) -> None:
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    service = open_service(folder, bus)

    logged = log_exchange(service)
    await service.flush()

    assert events == [RpcTraffic(tuple(logged))]
    assert day_file_entries(folder) == logged
    assert logged[1].pair == logged[0].seq
    service.close()


@pytest.mark.anyio
async def test_a_flush_with_nothing_new_publishes_and_writes_nothing(folder: Path) -> None:
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    service = open_service(folder, bus)
    logged = log_exchange(service)
    await service.flush()

    await service.flush()
    await service.flush()

    assert len(events) == 1
    assert day_file_entries(folder) == logged
    service.close()


@pytest.mark.anyio
async def test_concurrent_flushes_write_each_entry_once_in_order(folder: Path) -> None:
    service = open_service(folder)
    logged = log_exchange(service, "1")

    await asyncio.gather(service.flush(), service.flush())
    logged += log_exchange(service, "2")
    await asyncio.gather(service.flush(), service.flush(), service.flush())

    assert day_file_entries(folder) == logged
    service.close()


@pytest.mark.anyio
async def test_a_new_session_numbers_on_after_the_last_seq_on_disk(folder: Path) -> None:
    first = open_service(folder)
    earlier = log_exchange(first)
    await first.flush()
    first.close()

    second = open_service(folder)
    later = log_exchange(second)
    await second.flush()
    second.close()

    assert [entry.seq for entry in earlier] == [1, 2, 3]
    assert [entry.seq for entry in later] == [4, 5, 6]
    assert [entry.seq for entry in day_file_entries(folder)] == [1, 2, 3, 4, 5, 6]


@pytest.mark.anyio
async def test_close_writes_what_was_never_flushed(folder: Path) -> None:
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    service = open_service(folder, bus)
    logged = log_exchange(service)

    service.close()

    assert day_file_entries(folder) == logged
    assert events == [RpcTraffic(tuple(logged))]
    assert open_service(folder).files.last_seq() == logged[-1].seq


def test_close_without_any_entry_creates_no_file(folder: Path) -> None:
    service = open_service(folder)

    service.close()

    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.anyio
async def test_days_and_read_day_return_what_was_written(folder: Path) -> None:
    service = open_service(folder)
    on_tenth = log_exchange(service)
    await service.flush()
    service.log.clock = lambda: NOON + 86400
    on_eleventh = log_exchange(service, "2")
    await service.flush()
    next_day = time.strftime("%Y-%m-%d", time.localtime(NOON + 86400))

    assert await service.days() == [next_day, DAY]
    assert await service.read_day(DAY) == on_tenth
    assert await service.read_day(next_day) == on_eleventh
    assert await service.read_day("2020-01-01") == []
    service.close()


@pytest.mark.anyio
async def test_recent_shows_entries_before_they_are_flushed(folder: Path) -> None:
    service = open_service(folder)

    logged = log_exchange(service)

    assert service.recent() == logged
    service.close()


@pytest.mark.anyio
async def test_export_round_trips_the_entries(folder: Path, tmp_path: Path) -> None:
    service = open_service(folder)
    logged = log_exchange(service)
    await service.flush()
    target = tmp_path / "out" / "export.jsonl"
    target.parent.mkdir()

    count = await service.export(await service.read_day(DAY), target)

    assert count == len(logged)
    assert [RpcEntry.from_json(line) for line in target.read_text().splitlines()] == logged
    service.close()


@pytest.mark.anyio
async def test_a_registered_secret_reaches_neither_listeners_nor_disk(folder: Path, tmp_path: Path) -> None:
    redactor = Redactor()
    redactor.add(SECRET)
    bus = EventBus()
    events: list[Event] = []
    bus.subscribe(events.append)
    service = open_service(folder, bus, redactor)
    text = json.dumps({"jsonrpc": "2.0", "id": "1", "method": "initialize", "params": {"token": SECRET}})

    service.log.message("remote", Direction.OUT, EntryKind.REQUEST, text, len(text), "1", "initialize")
    service.log.line("remote", EntryKind.STDERR, f"auth with {SECRET} failed")
    await service.flush()
    await service.export(service.recent(), tmp_path / "export.jsonl")
    service.close()

    published = [entry for event in events if isinstance(event, RpcTraffic) for entry in event.entries]
    assert len(published) == 2
    assert all(SECRET not in entry.text and MASK in entry.text for entry in published)
    written = texts_under(tmp_path)
    assert len(written) == 2  # the day file and the export
    assert all(SECRET not in text for text in written.values())


@pytest.mark.anyio
async def test_the_files_the_service_writes_read_back_with_a_plain_reader(folder: Path) -> None:
    service = open_service(folder)
    logged = log_exchange(service)
    await service.flush()
    service.close()

    assert RpcLogFiles(folder, lambda: KEEP_ALL).read_day(DAY) == logged
