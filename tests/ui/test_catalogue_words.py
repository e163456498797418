"""How an entry's publisher, verified mark, reach and needs read."""

from __future__ import annotations

import pytest

from desktop.catalogue.control import NODE, PYTHON, Reach
from desktop.ui.catalogue_words import by_line, needs_words, publisher_words, reach_words, who_words


@pytest.mark.parametrize(
    ("publisher", "said"),
    [
        ("io.github.acme", "acme on GitHub"),
        ("com.example", "example.com"),
        ("io.modelcontextprotocol", "modelcontextprotocol.io"),
        ("Example Ltd", "Example Ltd"),
        ("localhost", "localhost"),
    ],
)
def test_a_namespace_reads_as_a_person_would_say_it(publisher: str, said: str) -> None:
    assert publisher_words(publisher) == said


def test_the_verified_mark_and_the_rest() -> None:
    assert who_words("io.github.acme", verified=True) == "acme on GitHub ✓ verified"
    assert by_line("com.example", verified=False) == "By example.com (not verified)"
    assert reach_words(Reach.REMOTE) == "Runs on the publisher's service"
    assert needs_words(()) == "Ready to use"
    assert needs_words((NODE,)) == "Ready to use — MCP Desk sets up what it needs"
    assert needs_words((PYTHON, "Docker")) == "Needs Docker"
    assert needs_words(("an API key", "a folder")) == "Needs an API key, a folder"
