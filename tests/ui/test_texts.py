"""Sizes read the same everywhere in the window: binary units, named as operating systems name them."""

from __future__ import annotations

import pytest

from desktop.ui.texts import gb_number, size_text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (-5, "0 B"),
        (512, "512 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1229, "1.2 KB"),
        (99 * 1024 + 1000, "100 KB"),
        (350 * 2**20, "350 MB"),
        (41_000_000, "39.1 MB"),
        (int(6.1 * 2**30), "6.1 GB"),
        (24 * 2**30, "24 GB"),
        (int(125.7 * 2**30), "126 GB"),
    ],
)
def test_a_size_has_one_decimal_below_100_and_no_trailing_zero(size: int, text: str) -> None:
    assert size_text(size) == text


def test_gigabytes_without_the_unit_round_like_the_size() -> None:
    used, total = int(10.84 * 2**30), int(79.6 * 2**30)
    assert f"{gb_number(used)} of {size_text(total)}" == "10.8 of 79.6 GB"
    assert gb_number(12 * 2**30) == "12"
