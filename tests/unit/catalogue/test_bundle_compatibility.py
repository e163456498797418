"""Version ranges as bundles write them (semver for Node, PEP 440-ish for Python)."""

from __future__ import annotations

import pytest

from desktop.catalogue.bundle_compatibility import find_python, satisfies


@pytest.mark.parametrize(
    ("version", "wanted", "fits"),
    [
        ((3, 11, 7), ">=3.8", True),
        ((3, 7, 9), ">=3.8", False),
        ((3, 11, 7), ">=3.8,<4.0", True),
        ((4, 0, 0), ">=3.8,<4.0", False),
        ((3, 11, 7), ">=3.8.0 <4", True),
        ((3, 11, 7), ">= 3.12", False),
        ((20, 1, 0), "^20.0.0", True),
        ((21, 0, 0), "^20.0.0", False),
        ((0, 3, 1), "^0.3.0", True),
        ((0, 4, 0), "^0.3.0", False),
        ((1, 2, 9), "~1.2.3", True),
        ((1, 3, 0), "~1.2.3", False),
        ((3, 12, 1), "~=3.10", True),
        ((3, 11, 0), "==3.11.*", True),
        ((3, 12, 0), "3.11", False),
        ((18, 0, 0), ">=16 <17 || >=18", True),
    ],
)
def test_a_range_is_read_the_way_its_writer_meant(version: tuple[int, ...], wanted: str, fits: bool) -> None:
    assert satisfies(version, wanted) is fits


def test_an_unreadable_range_is_neither_yes_nor_no() -> None:
    assert satisfies((3, 11, 0), "latest please") is None


def test_this_computers_python_is_found_and_asked_its_version() -> None:
    found = find_python()
    assert found is not None and found.version[0] == 3
