"""`${secret:NAME}` references in server settings, and secret names.

Kept apart from `secrets` so reading settings does not load `keyring`.
"""

from __future__ import annotations

import re

REFERENCE = re.compile(r"\$\{secret:([^}]*)\}")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class SecretsError(Exception):
    """A plain sentence for the user: what went wrong with a secret and what to do."""


def references(text: str) -> list[str]:
    """The secret names `text` refers to, in order, each once."""
    return list(dict.fromkeys(REFERENCE.findall(text)))


def substitute(text: str, values: dict[str, str]) -> str:
    """`text` with each `${secret:NAME}` replaced by its value (all must be in `values`)."""
    return REFERENCE.sub(lambda match: values[match.group(1)], text)


def reference(name: str) -> str:
    return "${secret:" + name + "}"


def check_name(name: str) -> None:
    if not NAME_PATTERN.match(name):
        raise SecretsError(
            f"“{name}” cannot be a secret's name. Use up to 64 letters, digits, dots, dashes "
            "or underscores, starting with a letter or digit."
        )
