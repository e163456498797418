"""A result's parts: bytes kept up to the cap, sizes said as people read them, the audit's summary
without bytes or text, and the chat store's JSON read back whole (or skipped where it can't be)."""

from __future__ import annotations

import base64
import json

import pytest

from desktop.servers.result_parts import (
    MAX_PART_BYTES,
    EmbeddedPart,
    LinkPart,
    MediaPart,
    ResultPart,
    TextPart,
    audit_summary,
    decoded,
    part_data,
    part_from,
    size_words,
)

PARTS: tuple[ResultPart, ...] = (
    TextPart("hello"),
    MediaPart("image", "image/png", 4, b"\x89PNG"),
    MediaPart("audio", "audio/wav", MAX_PART_BYTES * 2),
    LinkPart("demo://one", "one", "The first", "text/plain", "A note", 12),
    EmbeddedPart("demo://two", "text/plain", 3, text="two"),
    EmbeddedPart("demo://three", "application/octet-stream", 2, data=b"\x00\x01"),
)


def test_each_part_goes_through_the_store_and_comes_back_the_same() -> None:
    stored = json.loads(json.dumps([part_data(part) for part in PARTS]))
    assert tuple(part_from(data) for data in stored) == PARTS


def test_a_part_this_version_cannot_read_is_skipped() -> None:
    assert part_from({"type": "video", "uri": "x"}) is None
    assert part_from({"type": "image", "mime_type": "image/png"}) is None


def test_bytes_are_kept_up_to_the_cap_and_never_from_damaged_base64() -> None:
    small = base64.b64encode(b"abc").decode()
    assert decoded(small) == (b"abc", 3)
    big = base64.b64encode(b"\0" * (MAX_PART_BYTES + 3)).decode()
    assert decoded(big) == (b"", MAX_PART_BYTES + 3)
    assert decoded("not base64!")[0] == b""


def test_the_audit_keeps_what_a_part_was_and_its_size_never_its_content() -> None:
    summaries = [audit_summary(part) for part in PARTS]
    assert summaries[1] == {"type": "image", "mime_type": "image/png", "size": 4}
    assert summaries[0] == {"type": "text", "chars": 5}
    assert "hello" not in str(summaries) and "text" not in summaries[4] and "data" not in summaries[5]


@pytest.mark.parametrize(
    ("size", "words"), [(512, "512 bytes"), (120 * 1024, "120 KB"), (int(3.4 * 1024 * 1024), "3.4 MB")]
)
def test_sizes_as_people_read_them(size: int, words: str) -> None:
    assert size_words(size) == words
