"""A resource read in the audit trail, told in plain sentences (a teller of `audit_sentences`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication

from desktop.servers.resources import size_words
from desktop.ui.texts import fill


def resource_read(data: dict[str, Any]) -> list[str]:
    server, uri = f"“{data.get('server', '')}”", str(data.get("uri", ""))
    status = data.get("status")
    app = data.get("app")
    if status == "decided" and app:
        text = (
            QCoreApplication.translate("AuditSentences", "You let %3 read %1 from %2, through MCP Desk.")
            if data.get("decision") == "allowed"
            else QCoreApplication.translate(
                "AuditSentences", "%3 asked to read %1 from %2, through MCP Desk; it was not allowed."
            )
        )
        return [fill(text, uri, server, str(app))]
    if status == "decided":
        text = (
            QCoreApplication.translate("AuditSentences", "You let the model read %1 from %2.")
            if data.get("decision") == "allowed"
            else QCoreApplication.translate(
                "AuditSentences", "The model asked to read %1 from %2; it was not allowed."
            )
        )
        return [fill(text, uri, server)]
    lines = [_who_read(data, uri, server)]
    if status == "ok":
        size = size_words(int(data.get("size", 0)))
        lines.append(fill(QCoreApplication.translate("AuditSentences", "It was %1."), size))
    else:
        reason = str(data.get("error", ""))
        lines.append(fill(QCoreApplication.translate("AuditSentences", "It could not be read: %1"), reason))
    return lines


def _who_read(data: dict[str, Any], uri: str, server: str) -> str:
    """The user, another app through MCP Desk (by its name), or the model."""
    if data.get("by") == "the user":
        return fill(QCoreApplication.translate("AuditSentences", "You read %1 from %2."), uri, server)
    if data.get("app"):
        text = QCoreApplication.translate("AuditSentences", "%3 read %1 from %2, through MCP Desk.")
        return fill(text, uri, server, str(data["app"]))
    return fill(QCoreApplication.translate("AuditSentences", "The model read %1 from %2."), uri, server)
