"""Audit records told in sentences, in the shapes the service side writes them."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.audit_records import AuditKind, AuditRecord, ConsentHow
from desktop.core.consent import Choice
from desktop.core.consent_rules import ServerDefault
from desktop.ui.audit_sentences import sentences
from desktop.ui.pages.audit_detail import AuditDetail

LAUNCH = "npx -y @modelcontextprotocol/server-github --token ${secret:GITHUB_TOKEN}"


def record(kind: AuditKind, **data: Any) -> AuditRecord:
    return AuditRecord(7, 1_750_000_000.0, kind, data, "a" * 64, "b" * 64)


def call(choice: Choice, how: ConsentHow | ServerDefault, **more: Any) -> AuditRecord:
    decision = "denied" if choice is Choice.DENY or how is ConsentHow.STOPPED else "allowed"
    return record(
        AuditKind.TOOL_CALL,
        server="files",
        tool="list_directory",
        tool_hash="c0ffee",
        arguments={"path": "."},
        decision=decision,
        choice=choice.value,
        how=how.value,
        origin="chat",
        chat="c1",
        **more,
    )


@pytest.mark.parametrize(
    ("told", "first"),
    [
        (call(Choice.ALLOW_ONCE, ConsentHow.ASKED), "files › list_directory was allowed once by you."),
        (
            call(Choice.ALLOW_CHAT, ConsentHow.ASKED),
            "files › list_directory was allowed by you for the rest of this chat.",
        ),
        (
            call(Choice.ALLOW_ALWAYS, ConsentHow.ASKED),
            "files › list_directory was allowed by you, from now on without asking.",
        ),
        (
            call(Choice.ALLOW_ALWAYS, ConsentHow.RULE, rule="r1"),
            "files › list_directory ran without asking, because of a permission you gave earlier.",
        ),
        (
            call(Choice.ALLOW_ONCE, ConsentHow.READ_ONLY),
            "files › list_directory ran without asking, because you let this server's read-only tools "
            "run freely.",
        ),
        (
            call(Choice.DENY, ConsentHow.RULE, rule="r2"),
            "files › list_directory was refused without asking, because you set it to “Never”.",
        ),
        (
            call(Choice.ALLOW_ONCE, ServerDefault.ALL),
            "files › list_directory ran without asking, because you let all of this server's tools run.",
        ),
        (
            call(Choice.ALLOW_ONCE, ConsentHow.COMMAND_LINE),
            "files › list_directory was allowed from the command line, where --yes says yes to every call.",
        ),
        (
            call(Choice.DENY, ConsentHow.STOPPED),
            "files › list_directory did not run: the chat was stopped before you answered.",
        ),
    ],
)
def test_a_tool_call_says_who_decided_and_how(told: AuditRecord, first: str) -> None:
    assert sentences(told)[0] == first
    verb = "It was given" if told.data["decision"] == "allowed" else "It would have been given"
    assert sentences(told)[-1] == f'{verb}: path = ".".'


def test_a_denied_call_gives_the_reason_and_an_edited_one_what_the_model_asked() -> None:
    denied = call(Choice.DENY, ConsentHow.ASKED, reason="Not that folder.")
    assert sentences(denied)[:2] == [
        "files › list_directory was denied by you.",
        "Your reason: “Not that folder.”",
    ]
    edited = call(Choice.ALLOW_ONCE, ConsentHow.ASKED, asked_arguments={"path": "/"})
    assert sentences(edited)[1:] == [
        'The model asked for: path = "/". You changed it.',
        'It was given: path = ".".',
    ]


def test_a_call_from_another_app_says_which() -> None:
    edited = call(Choice.ALLOW_ONCE, ConsentHow.ASKED, app="Cursor", asked_arguments={"path": "/"})
    assert sentences(edited) == [
        "files › list_directory was allowed once by you.",
        "Cursor asked for it, through MCP Desk.",
        'Cursor asked for: path = "/". You changed it.',
        'It was given: path = ".".',
    ]


def test_a_read_by_another_app_says_which() -> None:
    asked = record(
        AuditKind.RESOURCE_READ,
        server="docs",
        uri="a://n.md",
        status="decided",
        decision="denied",
        app="Cursor",
    )
    assert sentences(asked) == [
        "Cursor asked to read a://n.md from “docs”, through MCP Desk; it was not allowed."
    ]
    read = record(
        AuditKind.RESOURCE_READ,
        server="docs",
        uri="a://n.md",
        by="Cursor",
        app="Cursor",
        status="ok",
        size=2048,
    )
    assert sentences(read) == ["Cursor read a://n.md from “docs”, through MCP Desk.", "It was 2.0 KB."]


def test_results_say_how_the_call_ended() -> None:
    ended = {"server": "files", "tool": "list_directory", "duration_ms": 12.4, "call": 6}
    ok = record(AuditKind.TOOL_RESULT, **ended, status="ok", preview="notes/\ntodo.txt", error="")
    assert sentences(ok) == [
        "files › list_directory answered in 12 ms.",
        "Its answer began: “notes/\ntodo.txt”",
    ]
    failed = record(AuditKind.TOOL_RESULT, **ended, status="failed", preview="", error="No such folder: x")
    assert sentences(failed) == [
        "files › list_directory could not be called.",
        "What went wrong: No such folder: x",
    ]
    late = record(AuditKind.TOOL_RESULT, **ended, status="timed out", preview="", error="")
    assert sentences(late) == ["files › list_directory did not answer in time."]


@pytest.mark.parametrize(
    ("approved_by", "first"),
    [
        ("the user", "You approved “files” to run."),
        ("the welcome", "“files” was approved to run by the welcome, for the folder you chose there."),
        (None, "“files” was approved to run."),
    ],
)
def test_an_approval_says_who_gave_it(approved_by: str | None, first: str) -> None:
    by = {} if approved_by is None else {"approved_by": approved_by}
    assert sentences(record(AuditKind.TRUST, server="files", launch_hash="9f2c41d07a", **by))[0] == first


def test_an_approval_names_the_command_and_the_secret_in_words_not_the_hash() -> None:
    approved = record(
        AuditKind.TRUST,
        server="github",
        launch=LAUNCH,
        env_names=["GITHUB_TOKEN"],
        header_names=[],
        cwd=None,
        launch_hash="9f2c41d07a",
    )
    told = sentences(approved)
    assert told[0] == "“github” was approved to run."
    assert told[1] == "It runs: npx -y @modelcontextprotocol/server-github --token [the secret GITHUB_TOKEN]"
    assert told[2] == "It is given these settings: GITHUB_TOKEN."
    assert "fingerprint" in told[3]
    assert not any("9f2c41d07a" in line or "launch_hash" in line for line in told)


@pytest.mark.parametrize(
    ("told", "expected"),
    [
        (record(AuditKind.SERVER_REMOVED, server="time"), ["“time” was removed."]),
        (
            record(AuditKind.SERVER_CHANGED, server="clock", old_name="time", launch="uvx mcp-server-time"),
            ["“time” was changed and is now called “clock”.", "It runs: uvx mcp-server-time"],
        ),
        (
            record(AuditKind.SECRET_ADDED, secret="GITHUB_TOKEN", replaced=True),
            ["The secret GITHUB_TOKEN got a new value in your keychain."],
        ),
        (
            record(AuditKind.SECRET_REMOVED, secret="GITHUB_TOKEN", used_by=["github"]),
            ["The secret GITHUB_TOKEN was deleted from your keychain.", "It was used by: github."],
        ),
        (
            record(AuditKind.RULE_ADDED, server="files", tool="read_file", scope="this chat"),
            ["You let files › read_file run without asking, for the rest of this chat."],
        ),
        (
            record(AuditKind.RULE_REVOKED, server="files", tool="read_file", scope="always"),
            ["files › read_file asks you again before it runs."],
        ),
        (
            record(AuditKind.RULE_ADDED, server="files", tool="write_file", scope="always", never=True),
            ["You set files › write_file to “Never”: it is refused."],
        ),
        (
            record(AuditKind.RULE_ADDED, server="files", tool="read_file", scope="always", expires=1.0),
            ["You let files › read_file run without asking, for an hour."],
        ),
        (
            record(AuditKind.RULE_ADDED, server="files", tool="read_file", scope="always", until_quit=True),
            ["You let files › read_file run without asking, until you quit MCP Desk."],
        ),
        (
            record(AuditKind.POLICY_CHANGED, server="files", default="allow all", allow_sampling=True),
            [
                "You changed what “files” may do without asking.",
                "All its tools run without asking, except those set to “Never”.",
                "It may ask the model to write text: yes.",
            ],
        ),
        (
            record(AuditKind.POLICY_CHANGED, server="files", trust_read_only=True, allow_sampling=False),
            [
                "You changed what “files” may do without asking.",
                "Its read-only tools run without asking: yes.",
                "It may ask the model to write text: no.",
            ],
        ),
        (
            record(
                AuditKind.ELICITATION, server="github", mode="form", message="Which repo?", action="decline"
            ),
            ["“github” asked you: “Which repo?”", "You declined."],
        ),
        (
            record(AuditKind.SAMPLING, server="files", stage="answer", decision="approved", edited=True),
            ["The model's answer was sent to “files”.", "You edited the answer before it was sent."],
        ),
        (
            record(
                AuditKind.RESOURCE_READ, server="docs", uri="a://n.md", by="the user", status="ok", size=2048
            ),
            ["You read a://n.md from “docs”.", "It was 2.0 KB."],
        ),
        (
            record(
                AuditKind.RESOURCE_READ, server="docs", uri="a://n.md", status="decided", decision="denied"
            ),
            ["The model asked to read a://n.md from “docs”; it was not allowed."],
        ),
        (record(AuditKind.MODEL_LOADED, model="SmolLM2"), ["Model loaded: SmolLM2."]),
        (
            record(AuditKind.TRAIL_SEALED, trail="t", key="k", fingerprint="1c14 1b9f 2cfe cfe6", after=4),
            [
                "From here on, MCP Desk seals every record with this computer's key (1c14 1b9f 2cfe cfe6), "
                "so a record changed later is noticed, even by someone who can edit MCP Desk's files.",
                "The records before this one were not sealed with this key: they can be checked only "
                "against each other.",
            ],
        ),
    ],
)
def test_every_kind_reads_as_sentences(told: AuditRecord, expected: list[str]) -> None:
    assert sentences(told) == expected


def test_the_raw_secret_reference_is_one_hover_away(qtbot: QtBot) -> None:
    detail = AuditDetail()
    qtbot.addWidget(detail)
    detail.show_record(record(AuditKind.SERVER_ADDED, server="github", launch=LAUNCH, env_names=[]))
    assert "[the secret GITHUB_TOKEN]" in detail.story_label.text()
    assert "${secret:GITHUB_TOKEN}" not in detail.story_label.text()
    assert LAUNCH in detail.story_label.toolTip()
    detail.show_record(record(AuditKind.SERVER_REMOVED, server="github"))
    assert detail.story_label.toolTip() == ""
