"""Tool definitions narrowed to the values the app knows an argument can take.

A small model asked to list the shared folder may well invent a path ("file.txt"); where the app
knows the only sensible values, the argument's schema says so with an `enum` and makes it required,
and the grammar made from that schema (`tool_grammar`) lets the model write nothing else.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop.llm.backends.backend import ArgumentChoices, ToolSpec

MAX_CHOICES = 200


def narrowed(specs: list[ToolSpec], choices: Sequence[ArgumentChoices]) -> list[ToolSpec]:
    """`specs`, each argument named in `choices` held to its values; other tools are left as they are."""
    return [_narrowed(spec, [c for c in choices if c.values and c.tool == _name(spec)]) for spec in specs]


def _name(spec: ToolSpec) -> str | None:
    function = spec.get("function")
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else None


def _narrowed(spec: ToolSpec, choices: list[ArgumentChoices]) -> ToolSpec:
    if not choices:
        return spec
    held = copy.deepcopy(spec)
    schema = held["function"].get("parameters")
    schema = schema if isinstance(schema, dict) and schema.get("type", "object") == "object" else {}
    described = schema.get("properties")
    properties: dict[str, Any] = described if isinstance(described, dict) else {}
    listed = schema.get("required")
    required: list[Any] = listed if isinstance(listed, list) else []
    for choice in choices:
        kept = properties.get(choice.argument)
        properties[choice.argument] = {**(kept if isinstance(kept, dict) else {}), "type": "string"}
        properties[choice.argument]["enum"] = list(choice.values)
        required = required if choice.argument in required else [*required, choice.argument]
    held["function"]["parameters"] = {
        **schema,
        "type": "object",
        "properties": properties,
        "required": required,
    }
    return held


def folder_choices(tool: str, argument: str, folder: Path) -> ArgumentChoices:
    """`argument` of `tool` names a folder inside `folder`: "." (the folder itself) or one directly in it.

    Hidden folders are left out, and past `MAX_CHOICES` the rest are too (a grammar spells each one).
    """
    try:
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if not e.name.startswith(".") and _is_folder(e))
    except OSError:
        names = []
    return ArgumentChoices(tool, argument, (".", *names[: MAX_CHOICES - 1]))


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
