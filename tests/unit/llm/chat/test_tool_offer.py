"""A chat keeps its tools, in the same order, from turn to turn; the model then reads them once."""

from __future__ import annotations

from desktop.core.events import ToolInfo
from desktop.llm.chat.tool_offer import OfferMemory, offer

SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}}


def tool(name: str, description: str = "", server: str = "files") -> ToolInfo:
    return ToolInfo(server, name, description or f"Does {name} with a file. " * 4, SCHEMA)


FILES = [tool("read_file"), tool("write_file"), tool("move_file"), tool("search_files")]
CLOCK = tool("now", "The time now.", server="time")
ROOMY = 100_000
TIGHT = 400
"""Room in the context for about two of the tools above."""


def names(tools: tuple[ToolInfo, ...]) -> list[str]:
    return [t.qualified_name for t in tools]


def test_a_new_tool_comes_after_the_ones_the_chat_had() -> None:
    memory = OfferMemory()
    first = memory.offer("chat", FILES, "read notes", ROOMY)

    second = memory.offer("chat", [CLOCK, *reversed(FILES)], "what time is it", ROOMY)

    assert names(second.tools) == [*names(first.tools), "time__now"]
    assert [spec["function"]["name"] for spec in second.specs] == names(second.tools)


def test_a_tool_that_went_away_leaves_the_others_in_order() -> None:
    memory = OfferMemory()
    memory.offer("chat", FILES, "", ROOMY)

    later = memory.offer("chat", [FILES[3], FILES[0], FILES[2]], "", ROOMY)

    assert names(later.tools) == ["files__read_file", "files__move_file", "files__search_files"]


def test_in_a_small_context_the_choice_is_made_once_per_chat() -> None:
    memory = OfferMemory()
    first = memory.offer("chat", FILES, "please move the file to search it", TIGHT)

    second = memory.offer("chat", FILES, "read it and write it", TIGHT)

    assert names(first.tools) == ["files__move_file", "files__search_files"]
    assert names(second.tools) == names(first.tools)
    assert names(second.left_out) == ["files__read_file", "files__write_file"]


def test_changing_a_chats_tools_chooses_again() -> None:
    memory = OfferMemory()
    memory.offer("chat", FILES, "please move the file to search it", TIGHT)
    memory.forget("chat")

    again = memory.offer("chat", FILES, "read it and write it", TIGHT)

    assert names(again.tools) == ["files__read_file", "files__write_file"]


def test_another_chat_and_a_look_without_remembering_choose_for_themselves() -> None:
    memory = OfferMemory()
    memory.offer("chat", FILES, "please move the file to search it", TIGHT)

    peek = memory.offer("other", FILES, "read it and write it", TIGHT, remember=False)
    later = memory.offer("other", FILES, "please move the file to search it", TIGHT)

    assert names(peek.tools) == ["files__read_file", "files__write_file"]
    assert names(later.tools) == ["files__move_file", "files__search_files"]


def test_nothing_to_offer_leaves_nothing_out() -> None:
    made = offer([], "anything", TIGHT)

    assert made.tools == () and made.specs == [] and made.left_out == ()
