"""The user stays in charge of a turn: no question asked twice, "no" ends the tool round,
"Stop this answer" ends the turn, and an answer that should have come from a tool says so."""

from __future__ import annotations

import pytest

from desktop.core.events import ToolInfo
from desktop.llm.backends.backend import Completion, ToolChoice
from desktop.llm.chat.control import (
    BackendSettings,
    CallStatus,
    Caveat,
    ChatMessage,
    ChatSettings,
    Role,
    ToolCard,
)
from desktop.servers.control import ToolCallOutcome
from tests.unit.llm.chat.chat_doubles import PLAIN_TEMPLATE, call, calls, model_info
from tests.unit.llm.chat.chat_world import World

pytestmark = pytest.mark.anyio

READ = ToolInfo(
    "files",
    "list_directory",
    "Lists a folder.",
    {"type": "object"},
    title="List a folder",
    annotations={"readOnlyHint": True},
)
WRITE = ToolInfo("files", "write_file", "Writes a file.", {"type": "object"})
ALWAYS_A_TOOL = ChatSettings(tool_choice=ToolChoice.REQUIRED)


@pytest.fixture
def files(world: World) -> World:
    world.host.tools_by_server["files"] = [READ, WRITE]
    return world


def cards(messages: list[ChatMessage]) -> list[ToolCard]:
    return [card for m in messages if m.role is Role.ASSISTANT for card in m.cards]


def answered(messages: list[ChatMessage]) -> set[str | None]:
    """The calls a tool message answers: each card must have one, or the next turn's history breaks."""
    return {m.tool_call_id for m in messages if m.role is Role.TOOL}


async def test_the_same_call_again_is_not_asked_and_the_model_answers_from_what_it_has(files: World) -> None:
    chat = await files.service.create()
    await files.service.save_settings(chat.id, ALWAYS_A_TOOL)
    files.script(
        call("files__list_directory", {"path": ".", "depth": 1}, "c1"),
        call("files__list_directory", {"depth": 1, "path": "."}, "c2"),
        Completion("Your folder holds notes.txt."),
        Completion("never written"),
    )
    messages = await files.turn(chat.id, "What is in my folder?")
    assert [name for name, _a, _c in files.host.calls] == ["files__list_directory"]
    first, second = cards(messages)
    assert (first.status, second.status) == (CallStatus.DONE, CallStatus.SKIPPED)
    assert "earlier in this answer" in second.result and "weren't asked twice" in second.result
    assert messages[-1].role is Role.ASSISTANT and messages[-1].text == "Your folder holds notes.txt."
    assert files.backend.seen[-1].tools == [], "the last answer is in words: no tools were offered"
    assert len(files.backend.seen) == 3
    assert answered(messages) == {"c1", "c2"}
    assert not files.service.busy(chat.id)


async def test_reading_again_after_a_change_is_not_a_repeat(files: World) -> None:
    chat = await files.service.create()
    files.script(
        call("files__list_directory", {"path": "."}),
        call("files__write_file", {"path": "a.txt"}),
        call("files__list_directory", {"path": "."}),
        Completion("Done: a.txt is there now."),
    )
    messages = await files.turn(chat.id, "Make a.txt and show me the folder")
    assert len(files.host.calls) == 3
    assert [c.status for c in cards(messages)] == [CallStatus.DONE] * 3
    assert messages[-1].text == "Done: a.txt is there now."


async def test_a_no_ends_the_tool_round_and_the_model_answers_in_words(files: World) -> None:
    chat = await files.service.create()
    await files.service.save_settings(chat.id, ALWAYS_A_TOOL)
    files.host.deny_reason = "not my files"
    files.script(
        calls(("files__list_directory", {"path": "."}), ("files__write_file", {"path": "a.txt"})),
        call("files__list_directory", {"path": "docs"}),
        Completion("never written"),
    )
    messages = await files.turn(chat.id, "Tidy my folder")
    assert len(files.host.calls) == 1, "the second call in the round was not asked"
    denied, skipped = cards(messages)
    assert denied.status is CallStatus.DENIED and "not my files" in denied.result
    assert (skipped.status, skipped.result) == (
        CallStatus.SKIPPED,
        "Not asked: you said no to an earlier call in this answer.",
    )
    last_word = files.backend.seen[1]
    assert (last_word.tools, last_word.choice) == ([], ToolChoice.NONE)
    assert "not my files" in str(last_word.messages)
    assert len(files.backend.seen) == 2, "a call written anyway after a no is neither asked nor shown"
    assert answered(messages) == {c.call_id for c in cards(messages)}


async def test_a_refusal_shows_no_duration(files: World) -> None:
    chat = await files.service.create()
    files.host.deny_reason = "no"
    files.script(call("files__write_file", {"path": "a.txt"}), Completion("OK, I won't."))
    messages = await files.turn(chat.id, "write a.txt")
    (card,) = cards(messages)
    assert card.status is CallStatus.DENIED and card.duration_s is None
    assert messages[-1].text == "OK, I won't."


async def test_stop_this_answer_in_the_question_ends_the_turn(files: World) -> None:
    chat = await files.service.create()
    files.host.stop_answer = True
    files.script(
        calls(("files__list_directory", {"path": "."}), ("files__write_file", {"path": "a.txt"})),
        Completion("never written"),
    )
    messages = await files.turn(chat.id, "Tidy my folder")
    asked, not_reached = cards(messages)
    assert (asked.status, asked.result, asked.duration_s) == (
        CallStatus.DENIED,
        "You stopped the answer here.",
        None,
    )
    assert (not_reached.status, not_reached.result) == (
        CallStatus.SKIPPED,
        "Not run: the answer was stopped.",
    )
    assert len(files.host.calls) == 1 and len(files.backend.seen) == 1
    assert answered(messages) == {"c0", "c1"}
    assert not files.service.busy(chat.id)


async def test_cards_carry_the_tools_title_or_its_readable_name(files: World) -> None:
    chat = await files.service.create()
    files.script(
        calls(("files__list_directory", {"path": "."}), ("files__write_file", {"path": "a"})),
        Completion("ok"),
    )
    messages = await files.turn(chat.id, "go")
    assert [c.title for c in cards(messages)] == ["List a folder", "Write file"]


async def test_a_required_tool_not_used_marks_the_answer(files: World) -> None:
    chat = await files.service.create()
    await files.service.save_settings(chat.id, ALWAYS_A_TOOL)
    files.script(Completion("It is 10:42 and your folder holds report.pdf."))
    messages = await files.turn(chat.id, "What time is it?")
    assert messages[-1].caveat is Caveat.NO_TOOL_USED


async def test_a_model_that_cannot_use_tools_has_its_answers_in_words_marked(files: World) -> None:
    files.models.info = model_info(PLAIN_TEMPLATE)
    assert not files.service.can_use_tools()
    chat = await files.service.create()
    files.script(Completion("Your folder holds report.pdf."))
    messages = await files.turn(chat.id, "What is in my folder?")
    assert messages[-1].caveat is Caveat.CANNOT_USE_TOOLS


async def test_no_mark_where_no_tool_was_due(files: World) -> None:
    chat = await files.service.create()
    files.script(Completion("Hello!"))
    assert (await files.turn(chat.id, "hi"))[-1].caveat is Caveat.NONE, "a model made for tools chose words"
    files.models.info = model_info(PLAIN_TEMPLATE)
    await files.service.save_settings(chat.id, ChatSettings(tool_choice=ToolChoice.NONE))
    files.script(Completion("Hello again!"))
    assert (await files.turn(chat.id, "hi"))[-1].caveat is Caveat.NONE, "no tools were offered"
    await files.service.save_settings(chat.id, ChatSettings())
    files.script(call("files__list_directory", {"path": "."}), Completion("You have a.txt."))
    assert (await files.turn(chat.id, "folder?"))[-1].caveat is Caveat.NONE, "it did use a tool"


async def test_an_endpoints_model_is_taken_to_use_tools(files: World) -> None:
    files.models.info = model_info(PLAIN_TEMPLATE)
    endpoint = BackendSettings(kind="openai", base_url="http://127.0.0.1:9/v1", model="m")
    await files.service.save_backend_settings(endpoint, None)
    assert files.service.can_use_tools()


async def test_regenerate_keeps_the_failed_attempt_in_view_but_not_in_the_models_history(
    files: World,
) -> None:
    chat = await files.service.create()
    broken = ToolCallOutcome("files", "list_directory", False, "No such folder: file.txt")
    files.host.results["files__list_directory"] = broken
    files.script(call("files__list_directory", {"path": "file.txt"}), Completion("Sorry."))
    await files.turn(chat.id, "What is in my folder?")
    files.host.results.clear()
    files.script(call("files__list_directory", {"path": "."}), Completion("a.txt"))
    await files.service.regenerate(chat.id)
    await files.finished(chat.id)
    messages = await files.service.messages(chat.id)
    failed = [c for c in cards(messages) if c.status is CallStatus.FAILED]
    assert len(failed) == 1 and failed[0].result == "No such folder: file.txt"
    assert [m.replaced for m in messages if m.role is Role.ASSISTANT] == [True, True, False, False]
    history = str(files.backend.seen[2].messages)
    assert "file.txt" not in history and "Sorry." not in history
    assert len(files.host.calls) == 2, "the same call in the new answer is not taken for a repeat"


async def test_an_answer_with_no_words_says_what_to_do(files: World) -> None:
    chat = await files.service.create()
    files.script(Completion("   "))
    messages = await files.turn(chat.id, "Hello?")
    assert messages[-1].role is Role.NOTE
    assert messages[-1].text == "The model gave no answer in words. Press Try again, or ask in other words."
