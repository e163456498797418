"""An audit record told in plain sentences, for people who don't read JSON.

Each record kind has its own teller; a record it can't tell falls back to the record's own
one-line summary. The JSON stays one click away on the Audit page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication

from desktop.core.audit_records import AuditKind, AuditRecord, ConsentHow
from desktop.core.consent_rules import ServerDefault
from desktop.ui.resource_sentences import resource_read
from desktop.ui.secret_words import plain_references
from desktop.ui.texts import fill

PREVIEW_CHARS = 200
Data = dict[str, Any]


def tool_of(data: Data) -> str:
    return f"{data.get('server', '')} › {data.get('tool', '')}"


def quoted(text: object) -> str:
    return f"“{text}”"


def arguments_text(arguments: object) -> str:
    """`name = value` pairs, values as JSON: what the tool was given."""
    if not isinstance(arguments, dict) or not arguments:
        return QCoreApplication.translate("AuditSentences", "nothing")
    return ", ".join(f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in arguments.items())


def _asked_call(data: Data) -> str:
    tool = tool_of(data)
    match data.get("choice"):
        case "allow once":
            return fill(QCoreApplication.translate("AuditSentences", "%1 was allowed once by you."), tool)
        case "allow for this chat":
            return fill(
                QCoreApplication.translate(
                    "AuditSentences", "%1 was allowed by you for the rest of this chat."
                ),
                tool,
            )
        case "always allow":
            return fill(
                QCoreApplication.translate(
                    "AuditSentences", "%1 was allowed by you, from now on without asking."
                ),
                tool,
            )
    if data.get("decision") == "allowed":
        return fill(QCoreApplication.translate("AuditSentences", "%1 was allowed by you."), tool)
    return fill(QCoreApplication.translate("AuditSentences", "%1 was denied by you."), tool)


def _call_decision(data: Data) -> str:
    tool = tool_of(data)
    match data.get("how"):
        case ConsentHow.RULE if data.get("decision") == "denied":
            template = QCoreApplication.translate(
                "AuditSentences", "%1 was refused without asking, because you set it to “Never”."
            )
        case ConsentHow.RULE:
            template = QCoreApplication.translate(
                "AuditSentences", "%1 ran without asking, because of a permission you gave earlier."
            )
        case ServerDefault.ALL:
            template = QCoreApplication.translate(
                "AuditSentences", "%1 ran without asking, because you let all of this server's tools run."
            )
        case ConsentHow.READ_ONLY:
            template = QCoreApplication.translate(
                "AuditSentences",
                "%1 ran without asking, because you let this server's read-only tools run freely.",
            )
        case ConsentHow.COMMAND_LINE:
            template = QCoreApplication.translate(
                "AuditSentences", "%1 was allowed from the command line, where --yes says yes to every call."
            )
        case ConsentHow.STOPPED:
            template = QCoreApplication.translate(
                "AuditSentences", "%1 did not run: the chat was stopped before you answered."
            )
        case _:
            return _asked_call(data)
    return fill(template, tool)


def tool_call(data: Data) -> list[str]:
    lines = [_call_decision(data)]
    if data.get("app"):
        lines.append(
            fill(
                QCoreApplication.translate("AuditSentences", "%1 asked for it, through MCP Desk."),
                str(data["app"]),
            )
        )
    if data.get("reason"):
        lines.append(
            fill(QCoreApplication.translate("AuditSentences", "Your reason: %1"), quoted(data["reason"]))
        )
    if "asked_arguments" in data:
        asked = arguments_text(data["asked_arguments"])
        lines.append(
            fill(
                QCoreApplication.translate("AuditSentences", "%1 asked for: %2. You changed it."),
                data["app"],
                asked,
            )
            if data.get("app")
            else fill(
                QCoreApplication.translate("AuditSentences", "The model asked for: %1. You changed it."),
                asked,
            )
        )
    verb = (
        QCoreApplication.translate("AuditSentences", "It was given: %1.")
        if data.get("decision") == "allowed"
        else QCoreApplication.translate("AuditSentences", "It would have been given: %1.")
    )
    lines.append(fill(verb, arguments_text(data.get("arguments"))))
    return lines


def tool_result(data: Data) -> list[str]:
    tool, took = tool_of(data), f"{float(data.get('duration_ms', 0)):.0f}"
    status = data.get("status")
    if status == "ok":
        lines = [fill(QCoreApplication.translate("AuditSentences", "%1 answered in %2 ms."), tool, took)]
    elif status == "timed out":
        lines = [fill(QCoreApplication.translate("AuditSentences", "%1 did not answer in time."), tool)]
    elif status == "tool error":
        lines = [fill(QCoreApplication.translate("AuditSentences", "%1 answered with an error."), tool)]
    else:
        lines = [fill(QCoreApplication.translate("AuditSentences", "%1 could not be called."), tool)]
    if data.get("error"):
        lines.append(fill(QCoreApplication.translate("AuditSentences", "What went wrong: %1"), data["error"]))
    preview = str(data.get("preview") or "")[:PREVIEW_CHARS]
    if preview and not data.get("error"):
        lines.append(
            fill(QCoreApplication.translate("AuditSentences", "Its answer began: %1"), quoted(preview))
        )
    return lines


def launch_lines(data: Data) -> list[str]:
    """How a server is started, with secrets named in words."""
    lines = []
    if data.get("launch"):
        lines.append(
            fill(
                QCoreApplication.translate("AuditSentences", "It runs: %1"),
                plain_references(str(data["launch"])),
            )
        )
    names = [*data.get("env_names", ()), *data.get("header_names", ())]
    if names:
        lines.append(
            fill(
                QCoreApplication.translate("AuditSentences", "It is given these settings: %1."),
                ", ".join(names),
            )
        )
    if data.get("cwd"):
        lines.append(
            fill(QCoreApplication.translate("AuditSentences", "It starts in the folder %1."), data["cwd"])
        )
    return lines


def approval(data: Data) -> str:
    """Who approved, as the record's `approved_by` says (older records don't say)."""
    match data.get("approved_by"):
        case "the user":
            template = QCoreApplication.translate("AuditSentences", "You approved %1 to run.")
        case "the welcome":
            template = QCoreApplication.translate(
                "AuditSentences", "%1 was approved to run by the welcome, for the folder you chose there."
            )
        case _:
            template = QCoreApplication.translate("AuditSentences", "%1 was approved to run.")
    return fill(template, quoted(data.get("server")))


def trust(data: Data) -> list[str]:
    return [
        approval(data),
        *launch_lines(data),
        QCoreApplication.translate(
            "AuditSentences",
            "MCP Desk keeps a fingerprint of how it starts, and asks again if that ever changes.",
        ),
    ]


def server_added(data: Data) -> list[str]:
    return [
        fill(QCoreApplication.translate("AuditSentences", "%1 was added."), quoted(data.get("server"))),
        *launch_lines(data),
    ]


def server_changed(data: Data) -> list[str]:
    name, old = data.get("server"), data.get("old_name")
    first = (
        fill(
            QCoreApplication.translate("AuditSentences", "%1 was changed and is now called %2."),
            quoted(old),
            quoted(name),
        )
        if old and old != name
        else fill(QCoreApplication.translate("AuditSentences", "%1 was changed."), quoted(name))
    )
    return [first, *launch_lines(data)]


def server_removed(data: Data) -> list[str]:
    return [fill(QCoreApplication.translate("AuditSentences", "%1 was removed."), quoted(data.get("server")))]


def secret_added(data: Data) -> list[str]:
    name = data.get("secret")
    if data.get("imported_from"):
        template = QCoreApplication.translate(
            "AuditSentences", "The secret %1 was moved into your keychain from %2."
        )
        return [fill(template, name, data["imported_from"])]
    if data.get("replaced"):
        template = QCoreApplication.translate(
            "AuditSentences", "The secret %1 got a new value in your keychain."
        )
    else:
        template = QCoreApplication.translate("AuditSentences", "The secret %1 was saved in your keychain.")
    return [fill(template, name)]


def secret_removed(data: Data) -> list[str]:
    lines = [
        fill(
            QCoreApplication.translate("AuditSentences", "The secret %1 was deleted from your keychain."),
            data.get("secret"),
        )
    ]
    if data.get("used_by"):
        lines.append(
            fill(
                QCoreApplication.translate("AuditSentences", "It was used by: %1."),
                ", ".join(data["used_by"]),
            )
        )
    return lines


def rule_added(data: Data) -> list[str]:
    if data.get("never"):
        template = QCoreApplication.translate("AuditSentences", "You set %1 to “Never”: it is refused.")
    elif data.get("scope") == "this chat":
        template = QCoreApplication.translate(
            "AuditSentences", "You let %1 run without asking, for the rest of this chat."
        )
    elif data.get("until_quit"):
        template = QCoreApplication.translate(
            "AuditSentences", "You let %1 run without asking, until you quit MCP Desk."
        )
    elif data.get("expires"):
        template = QCoreApplication.translate("AuditSentences", "You let %1 run without asking, for an hour.")
    else:
        template = QCoreApplication.translate("AuditSentences", "You let %1 run without asking, from now on.")
    return [fill(template, tool_of(data))]


def rule_revoked(data: Data) -> list[str]:
    template = QCoreApplication.translate("AuditSentences", "%1 asks you again before it runs.")
    return [fill(template, tool_of(data))]


def yes_no(value: object) -> str:
    return (
        QCoreApplication.translate("AuditSentences", "yes")
        if value
        else QCoreApplication.translate("AuditSentences", "no")
    )


def _default_sentence(data: Data) -> str:
    """Version 1 records said only whether read-only tools ran without asking."""
    if "default" not in data:
        return fill(
            QCoreApplication.translate("AuditSentences", "Its read-only tools run without asking: %1."),
            yes_no(data.get("trust_read_only")),
        )
    return {
        ServerDefault.ALL: QCoreApplication.translate(
            "AuditSentences", "All its tools run without asking, except those set to “Never”."
        ),
        ServerDefault.READ_ONLY: QCoreApplication.translate(
            "AuditSentences", "Its read-only tools run without asking; the others ask first."
        ),
    }.get(data["default"], QCoreApplication.translate("AuditSentences", "Its tools ask before they run."))


def policy_changed(data: Data) -> list[str]:
    return [
        fill(
            QCoreApplication.translate("AuditSentences", "You changed what %1 may do without asking."),
            quoted(data.get("server")),
        ),
        _default_sentence(data),
        fill(
            QCoreApplication.translate("AuditSentences", "It may ask the model to write text: %1."),
            yes_no(data.get("allow_sampling")),
        ),
    ]


def elicitation(data: Data) -> list[str]:
    server, message = quoted(data.get("server")), quoted(data.get("message", ""))
    if data.get("mode") == "url":
        first = fill(
            QCoreApplication.translate("AuditSentences", "%1 asked you to open %2: %3"),
            server,
            data.get("site", ""),
            message,
        )
    else:
        first = fill(QCoreApplication.translate("AuditSentences", "%1 asked you: %2"), server, message)
    answers = {
        "accept": QCoreApplication.translate("AuditSentences", "You answered."),
        "decline": QCoreApplication.translate("AuditSentences", "You declined."),
        "cancel": QCoreApplication.translate("AuditSentences", "You closed the question without answering."),
        "refused": QCoreApplication.translate("AuditSentences", "MCP Desk did not ask you: %1"),
    }
    answer = fill(answers.get(str(data.get("action")), ""), data.get("note", ""))
    return [first, answer] if answer else [first]


def sampling(data: Data) -> list[str]:
    server, decision = quoted(data.get("server")), data.get("decision")
    if data.get("stage") == "answer":
        first = (
            QCoreApplication.translate("AuditSentences", "The model's answer was sent to %1.")
            if decision == "approved"
            else QCoreApplication.translate("AuditSentences", "The model's answer was not sent to %1.")
        )
    else:
        first = (
            QCoreApplication.translate(
                "AuditSentences", "%1 asked the model to write text, and you allowed it."
            )
            if decision == "approved"
            else QCoreApplication.translate(
                "AuditSentences", "%1 asked the model to write text; it was not allowed."
            )
        )
    lines = [fill(first, server)]
    if data.get("edited"):
        lines.append(
            QCoreApplication.translate("AuditSentences", "You edited the answer before it was sent.")
        )
    if data.get("note"):
        lines.append(str(data["note"]))
    return lines


def trail_sealed(data: Data) -> list[str]:
    lines = [
        fill(
            QCoreApplication.translate(
                "AuditSentences",
                "From here on, MCP Desk seals every record with this computer's key (%1), so a record "
                "changed later is noticed, even by someone who can edit MCP Desk's files.",
            ),
            data.get("fingerprint", ""),
        )
    ]
    if data.get("after"):
        lines.append(
            QCoreApplication.translate(
                "AuditSentences",
                "The records before this one were not sealed with this key: they can be checked only "
                "against each other.",
            )
        )
    return lines


TELLERS: dict[AuditKind, Callable[[Data], list[str]]] = {
    AuditKind.TOOL_CALL: tool_call,
    AuditKind.TOOL_RESULT: tool_result,
    AuditKind.TRUST: trust,
    AuditKind.SERVER_ADDED: server_added,
    AuditKind.SERVER_CHANGED: server_changed,
    AuditKind.SERVER_REMOVED: server_removed,
    AuditKind.SECRET_ADDED: secret_added,
    AuditKind.SECRET_REMOVED: secret_removed,
    AuditKind.RULE_ADDED: rule_added,
    AuditKind.RULE_REVOKED: rule_revoked,
    AuditKind.POLICY_CHANGED: policy_changed,
    AuditKind.ELICITATION: elicitation,
    AuditKind.SAMPLING: sampling,
    AuditKind.RESOURCE_READ: resource_read,
    AuditKind.TRAIL_SEALED: trail_sealed,
}


def sentences(record: AuditRecord) -> list[str]:
    """What happened, first line first; the record's own summary where no teller knows the kind."""
    teller = TELLERS.get(record.kind)
    return teller(record.data) if teller is not None else [record.summary() + "."]
