"""A chat whose settings hold an argument to the values the app knows (the welcome's first call):
kept with the chat, and offered to the model as an `enum` its grammar follows."""

from __future__ import annotations

import pytest

from desktop.llm.backends.backend import ArgumentChoices, Completion
from desktop.llm.chat.control import ChatSettings
from desktop.llm.chat.store import settings_from
from tests.unit.llm.chat.chat_world import World

HELD = ArgumentChoices("echo__echo", "text", ("hello", "goodbye"))


@pytest.mark.anyio
async def test_the_choices_are_kept_with_the_chat_and_offered_as_an_enum(world: World) -> None:
    chat = await world.service.create()
    await world.service.save_settings(chat.id, ChatSettings(argument_choices=(HELD,)))
    world.script(Completion("Hi."))

    await world.turn(chat.id, "Say hello")

    assert (await world.service.settings(chat.id)).argument_choices == (HELD,)
    offered = {
        spec["function"]["name"]: spec["function"]["parameters"] for spec in world.backend.seen[0].tools
    }
    assert offered["echo__echo"]["properties"]["text"]["enum"] == ["hello", "goodbye"]
    assert "enum" not in str(offered["echo__add"]), "only the named tool is narrowed"


def test_choices_stored_unreadably_are_left_out() -> None:
    assert settings_from({"argument_choices": [{"tool": 1}]}).argument_choices == ()
    assert settings_from({"argument_choices": 5}).argument_choices == ()
