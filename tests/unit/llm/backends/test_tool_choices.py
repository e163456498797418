"""Arguments held to what exists: the schema narrowed to an `enum`, and a model that can write no other."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from desktop.llm.backends.backend import ArgumentChoices, ToolChoice
from desktop.llm.backends.tool_choices import folder_choices, narrowed
from tests.unit.llm.backends.test_local import answer, backend_on

LISTING = {
    "type": "function",
    "function": {
        "name": "files__list_directory",
        "description": "List what is in a folder of the shared folder.",
        "parameters": {
            "type": "object",
            "properties": {"path": {"type": "string", "default": ".", "title": "Path"}},
        },
    },
}
CLOCK = {"type": "function", "function": {"name": "time__now", "description": "", "parameters": {}}}
HERE = ArgumentChoices("files__list_directory", "path", (".", "recipes"))


def test_a_narrowed_argument_is_an_enum_and_required() -> None:
    before = copy.deepcopy(LISTING)

    listing, clock = narrowed([LISTING, CLOCK], [HERE])

    schema = listing["function"]["parameters"]
    assert schema["properties"]["path"] == {
        "type": "string",
        "default": ".",
        "title": "Path",
        "enum": [".", "recipes"],
    }
    assert schema["required"] == ["path"]
    assert clock is CLOCK and before == LISTING, "other tools and the offered spec stay as they were"


def test_an_argument_the_schema_does_not_name_is_added() -> None:
    (clock,) = narrowed([CLOCK], [ArgumentChoices("time__now", "zone", ("UTC",))])

    assert clock["function"]["parameters"]["properties"] == {"zone": {"type": "string", "enum": ["UTC"]}}


def test_the_choices_for_a_folder_are_it_and_the_folders_in_it(tmp_path: Path) -> None:
    (tmp_path / "recipes").mkdir()
    (tmp_path / "photos").mkdir()
    (tmp_path / ".cache").mkdir()
    (tmp_path / "holiday plans.txt").write_text("Lisbon in May\n")

    choices = folder_choices("files__list_directory", "path", tmp_path)

    assert choices == ArgumentChoices("files__list_directory", "path", (".", "photos", "recipes"))
    assert folder_choices("t", "p", tmp_path / "gone").values == (".",)


@pytest.mark.anyio
@pytest.mark.parametrize("attempt", range(3))
async def test_a_model_that_writes_nonsense_can_only_pick_a_folder_that_is_there(
    tiny_model: Path, attempt: int
) -> None:
    backend, engine = backend_on(tiny_model)
    try:
        plain = await answer(backend, [LISTING], ToolChoice.REQUIRED)
        held = await answer(backend, narrowed([LISTING], [HERE]), ToolChoice.REQUIRED)
    finally:
        engine.close()

    (call,) = held.tool_calls
    assert call.name == "files__list_directory" and call.arguments is not None
    assert call.arguments["path"] in (".", "recipes")
    assert len(plain.tool_calls) == 1, "a required call is one call"
