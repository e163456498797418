"""An exception in words: its reason as a sentence's end, and its one line of technical details."""

from __future__ import annotations


def describe(exc: BaseException) -> str:
    """The details shown under a sentence: type and message (an exception group's, each)."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(describe(inner) for inner in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


def reason(exc: BaseException) -> str:
    """The first line of what `exc` says (its type's name if nothing), ending in a full stop."""
    line = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    return line if line.endswith(".") else f"{line}."
