"""`${secret:NAME}` said in words where the UI shows a server's settings; the raw form one hover away."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from desktop.core.secret_refs import REFERENCE


def secret_phrase(name: str) -> str:
    """How a reference to secret `name` reads: “[the secret NAME]”."""
    return QCoreApplication.translate("SecretWords", "[the secret %1]").replace("%1", name)


def plain_references(text: str) -> str:
    """`text` with each `${secret:NAME}` replaced by its phrase."""
    return REFERENCE.sub(lambda match: secret_phrase(match.group(1)), text)


def raw_form_tip(text: str) -> str:
    """A tooltip with `text` as the settings hold it, or "" when it names no secret."""
    if not REFERENCE.search(text):
        return ""
    return QCoreApplication.translate(
        "SecretWords",
        "In the settings this is written as:\n%1\n"
        "MCP Desk puts in each secret's value from your keychain when the server starts.",
    ).replace("%1", text)
