"""An exception as the one line of technical details shown under a sentence (groups unpacked)."""

from __future__ import annotations


def describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(describe(inner) for inner in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"
