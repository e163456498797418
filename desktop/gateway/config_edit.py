"""Changing one entry of another app's JSON settings file and nothing else.

The text is edited in place: an entry is added after the last one, in the file's own indentation,
or cut out with its comma; every other byte (other entries, other keys, comments where the app
allows them) stays as it was. Positions come from the JSONC-stripped text, which keeps them.
Each edit is checked by reading the result back: it must hold exactly the data intended.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.servers.import_formats import strip_jsonc

_DECODER = json.JSONDecoder()
_INDENT = re.compile(r"^([ \t]+)\"", re.MULTILINE)
_SPACE = " \t\r\n"
_REST_OF_LINE = re.compile(r"[ \t]*(,?)[ \t]*(?://.*)?\r?$")


class EditRefused(Exception):
    """The file can't be changed safely; the message says why, in words for the user."""


@dataclass(frozen=True)
class _Member:
    key: str
    start: int
    """Where its key's opening quote is."""
    value: int
    """Where its value starts."""
    end: int
    """Just after its value."""


@dataclass(frozen=True)
class _Object:
    open: int
    close: int
    members: tuple[_Member, ...]


@dataclass(frozen=True)
class JsonDocument:
    """A settings file's text, its data, and whether comments and trailing commas are allowed."""

    text: str
    data: dict[str, Any]
    jsonc: bool

    @classmethod
    def parse(cls, text: str, jsonc: bool) -> JsonDocument:
        """Raises `json.JSONDecodeError` (with its line and column) or `EditRefused`."""
        data = json.loads(strip_jsonc(text) if jsonc else text) if text.strip() else {}
        if not isinstance(data, dict):
            raise EditRefused("does not have the layout of a settings file")
        return cls(text, data, jsonc)

    def section(self, path: Sequence[str]) -> dict[str, Any]:
        """The object at `path` (empty when missing); `EditRefused` if something else is there."""
        held: Any = self.data
        for key in path:
            held = held.get(key, {})
            if not isinstance(held, dict):
                raise EditRefused("lists its MCP servers in a form MCP Desk can't change")
        return dict(held)

    def with_entry(self, path: Sequence[str], key: str, value: object) -> JsonDocument:
        """`key: value` added to the object at `path` (created if missing), replacing one of that key."""
        doc = self.without_entries(path, [key])
        expected = _updated(doc.data, path, lambda held: {**held, key: value})
        text = doc.text if doc.text.strip() else "{}\n"
        stripped = strip_jsonc(text)
        holder, depth = _object_at(stripped, _skip_space(stripped, 0)), 0
        for step, name in enumerate(path):
            found = _last_member(holder, name)
            if found is None:
                key, value = name, _nest(path[step + 1 :], key, value)
                break
            holder, depth = _object_at(stripped, found.value), step + 1
        return doc._checked(_insert(text, holder, key, value, depth), expected)

    def without_entries(self, path: Sequence[str], keys: Sequence[str]) -> JsonDocument:
        """The members named `keys` cut out of the object at `path` (those missing are ignored)."""
        doc = self
        for key in keys:
            while key in doc.section(path):
                stripped = strip_jsonc(doc.text)
                holder = _object_at(stripped, _skip_space(stripped, 0))
                for name in path:
                    found = _last_member(holder, name)
                    assert found is not None  # section() found it
                    holder = _object_at(stripped, found.value)
                expected = _updated(doc.data, path, functools.partial(_without, key=key))
                doc = doc._checked(_remove(doc.text, holder, key, doc.jsonc), expected)
        return doc

    def _checked(self, text: str, expected: dict[str, Any]) -> JsonDocument:
        try:
            after = JsonDocument.parse(text, self.jsonc)
        except (json.JSONDecodeError, EditRefused) as error:
            raise EditRefused("could not be changed without disturbing the rest of it") from error
        if after.data != expected:
            raise EditRefused("could not be changed without disturbing the rest of it")
        return after


def _updated(
    data: dict[str, Any], path: Sequence[str], change: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    result = copy.deepcopy(data)
    held = result
    for key in path:
        held = held.setdefault(key, {})
    changed = change(held)
    held.clear()
    held.update(changed)
    return result


def _without(held: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in held.items() if name != key}


def _nest(path: Sequence[str], key: str, value: object) -> object:
    for name in reversed([*path, key]):
        value = {name: value}
    return value


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def _object_at(text: str, start: int) -> _Object:
    """The object whose `{` is at `start`, in stripped text that parsed."""
    if text[start] != "{":
        raise EditRefused("lists its MCP servers in a form MCP Desk can't change")
    members: list[_Member] = []
    at = _skip_space(text, start + 1)
    while text[at] != "}":
        key, after_key = _DECODER.raw_decode(text, at)
        value = _skip_space(text, _skip_space(text, after_key) + 1)  # past the colon
        _, end = _DECODER.raw_decode(text, value)
        members.append(_Member(key, at, value, end))
        at = _skip_space(text, end)
        if text[at] == ",":
            at = _skip_space(text, at + 1)
    return _Object(start, at, tuple(members))


def _last_member(holder: _Object, key: str) -> _Member | None:
    """The member JSON readers keep when a key is written twice: the last."""
    return next((member for member in reversed(holder.members) if member.key == key), None)


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _own_line(text: str, at: int) -> str | None:
    """The indentation before `at` when only that precedes it on its line, else None."""
    before = text[_line_start(text, at) : at]
    return before if not before.strip() else None


def _indent_unit(text: str) -> str | None:
    """The file's indentation step (the shallowest indented key's), or None for a one-line file."""
    found = [match.group(1) for match in _INDENT.finditer(text)]
    return min(found, key=len) if found else None


def _insert(text: str, holder: _Object, key: str, value: object, depth: int) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    unit = _indent_unit(text)
    inside = text[holder.open + 1 : holder.close]
    if unit is None or (holder.members and "\n" not in inside):
        member = f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
        if holder.members:
            end = holder.members[-1].end
            return f"{text[:end]}, {member}{text[end:]}"
        keep = holder.close if inside.strip() else holder.open + 1  # comments inside stay before it
        return f"{text[:keep]}{member}{text[holder.close :]}"
    first = _own_line(text, holder.members[0].start) if holder.members else None
    closing = _own_line(text, holder.close)
    outer = closing if closing is not None else unit * depth
    indent = first if first is not None else outer + unit
    rendered = json.dumps(value, indent=unit, ensure_ascii=False).replace("\n", newline + indent)
    member = f"{indent}{json.dumps(key)}: {rendered}"
    if holder.members:
        return _after_last(text, holder.members[-1].end, member, newline)
    if not inside.strip():
        return f"{text[: holder.open + 1]}{newline}{member}{newline}{outer}{text[holder.close :]}"
    if closing is not None:  # only comments inside: the entry goes after them, on a line of its own
        at = _line_start(text, holder.close)
        return f"{text[:at]}{member}{newline}{text[at:]}"
    return f"{text[: holder.close]}{newline}{member}{newline}{outer}{text[holder.close :]}"


def _after_last(text: str, end: int, member: str, newline: str) -> str:
    """`member` on a line of its own after the last one's line, so a comment ending that line stays there."""
    line_end = text.find("\n", end)
    rest = _REST_OF_LINE.match(text, end, line_end) if line_end >= 0 else None
    if rest is None:
        return f"{text[:end]},{newline}{member}{text[end:]}"
    eol = line_end - 1 if text[line_end - 1] == "\r" else line_end
    comma = "" if rest.group(1) else ","
    return f"{text[:end]}{comma}{text[end:eol]}{newline}{member}{text[eol:]}"


def _remove(text: str, holder: _Object, key: str, jsonc: bool) -> str:
    members = holder.members
    index = max(i for i, member in enumerate(members) if member.key == key)
    member = members[index]
    if len(members) == 1:
        rest = text[holder.open + 1 : member.start] + text[member.end : holder.close]
        if not rest.strip(_SPACE + ","):
            return text[: holder.open + 1] + text[holder.close :]
    own_line = _own_line(text, member.start) is not None
    start = _line_start(text, member.start) if own_line else member.start
    end = _skip_space(text, member.end)
    end = end + 1 if text[end] == "," else member.end  # a trailing comma too, in the original
    line_end = text.find("\n", end)
    rest_of_line = text[end:line_end].strip()
    if own_line and line_end >= 0 and (not rest_of_line or rest_of_line.startswith("//")):
        end = line_end + 1  # with its line, and a `// comment` about it at the end of that line
    if index + 1 < len(members) or index == 0 or (jsonc and own_line):
        return text[:start] + text[end:]  # where a trailing comma is allowed, the one before it stays
    comma = strip_jsonc(text).index(",", members[index - 1].end)  # the one before it, now trailing
    if own_line:
        return text[:comma] + text[comma + 1 : start] + text[end:]
    return text[:comma] + text[member.end :]
