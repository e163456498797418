"""The one shape of a failure a user is told about."""

from __future__ import annotations


class Problem(Exception):
    """A failure with a sentence a user can act on; `details` holds the technical part."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details
