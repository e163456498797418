"""How the window words sizes (of messages, files and memory alike) and fills in %1-style sentences.

Binary units with the short names operating systems show (a "GB" is 1024³ bytes), so that a
model's file, the memory it takes and the memory free read the same here as in a file manager.
"""

from __future__ import annotations

KIB = 1024
MIB = 1024**2
GIB = 1024**3
UNITS = ((GIB, "GB"), (MIB, "MB"), (KIB, "KB"))
"""The units a size is worded in, largest first; below the last, bytes."""


def size_text(size: int) -> str:
    """“512 B”, “1.2 KB”, “350 MB”, “6.1 GB”, “24 GB”."""
    size = max(size, 0)
    for unit, name in UNITS:
        if size >= unit:
            return f"{amount(size / unit)} {name}"
    return f"{size} B"


def gb_number(size: int) -> str:
    """`size` in gigabytes, rounded as `size_text` rounds, without the unit: “6.1”, “24”."""
    return amount(max(size, 0) / GIB)


def amount(value: float) -> str:
    """One decimal below 100 (“1.2”, “24”: no trailing “.0”), whole numbers from there (“350”)."""
    return f"{value:.1f}".removesuffix(".0") if value < 100 else f"{value:.0f}"


def fill(template: str, *values: object) -> str:
    """`template` with %1, %2, … replaced by `values` (%10 before %1, so neither eats the other)."""
    for number, value in reversed(list(enumerate(values, start=1))):
        template = template.replace(f"%{number}", str(value))
    return template
