"""Questions a server asks (elicitation) on the terminal: typed answers, suggested ones, none."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from desktop.cli.asker import TerminalAsker
from desktop.core.consent import ElicitationAnswer, ElicitationRequest

PROFILE = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "default": "John Doe"},
        "age": {"type": "integer", "default": 30},
        "score": {"type": "number", "default": 95.5},
        "status": {"type": "string", "enum": ["active", "inactive"], "default": "active"},
        "verified": {"type": "boolean", "default": True},
    },
    "required": [],
}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def asked(asker: TerminalAsker, schema: dict[str, Any] | None, url: str | None = None) -> ElicitationAnswer:
    return asyncio.run(asker.elicit(ElicitationRequest("people", "Who are you?", schema, url)))


def test_yes_without_a_terminal_accepts_every_suggested_answer() -> None:
    answer = asked(TerminalAsker(allow_all=True, stdin=io.StringIO()), PROFILE)
    assert answer.action == "accept"
    assert answer.content == {
        "name": "John Doe",
        "age": 30,
        "score": 95.5,
        "status": "active",
        "verified": True,
    }


def test_without_yes_or_a_terminal_nothing_is_answered() -> None:
    assert asked(TerminalAsker(allow_all=False, stdin=io.StringIO()), PROFILE).action == "decline"


def test_a_required_field_with_no_suggestion_is_never_answered_for_the_user() -> None:
    schema = {"type": "object", "properties": {"token": {"type": "string"}}, "required": ["token"]}
    assert asked(TerminalAsker(allow_all=True, stdin=io.StringIO()), schema).action == "decline"


def test_a_web_page_or_a_malformed_form_is_declined() -> None:
    asker = TerminalAsker(allow_all=True, stdin=io.StringIO())
    assert asked(asker, None, url="https://example.com/sign").action == "decline"
    assert asked(asker, {"properties": ["not", "a", "map"]}).action == "decline"


def test_on_a_terminal_each_field_is_asked_and_enter_keeps_the_suggestion() -> None:
    typed = Terminal("Ada\n\nlots\n\nno\n")
    answer = asked(TerminalAsker(allow_all=False, stdin=typed), PROFILE)
    assert answer.content == {
        "name": "Ada",
        "age": 30,
        "score": "lots",  # not a number: kept as typed, for the server to refuse in words
        "status": "active",
        "verified": False,
    }
