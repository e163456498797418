"""Finding a record by its sequence number in a list kept in `seq` order."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from operator import attrgetter
from typing import Protocol, TypeVar


class Numbered(Protocol):
    @property
    def seq(self) -> int: ...


T = TypeVar("T", bound=Numbered)
seq_of = attrgetter("seq")


def index_of_seq(items: Sequence[T], seq: int) -> int:
    """The index of the item numbered `seq`, or -1."""
    index = bisect_left(items, seq, key=seq_of)
    return index if index < len(items) and items[index].seq == seq else -1
