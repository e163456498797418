"""Checking JSON values against the JSON Schema subset MCP uses, in words for people and for programs.

One walk finds every rule a value breaks (`mismatches`). `problems` words them for a model, a
server or the audit trail ("“age” should be an integer, not a string."); `schema_problem` words
the first one for the user ("“age” must be a whole number.").

Checked: type, enum, const, required, properties, additionalProperties (false, or a schema),
items, minimum/maximum and their exclusive forms, minLength/maxLength, minItems/maxItems, and
format (email, uri, date, date-time). Anything else passes: the server has the last word on its
own inputs. Schemas and values may be hostile: what is not a schema sets no rule, and parts
nested deeper than `MAX_DEPTH` are not checked.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any

from desktop.core.suspicious import reveal

MAX_PROBLEMS = 5
MAX_DEPTH = 32
"""Deeper parts of a schema are not checked (a hostile schema could nest without end)."""
MAX_NAME = 80
"""Names and choices in a sentence are cut to this many characters."""
LARGE = 1e15
"""Numbers this large are written like 1e+15."""
MAX_SHOWN_CHOICES = 10

TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "an object, written between { and }",
    "array": "a list, written between [ and ]",
    "null": "null",
}
"""What each JSON type is called when talking to the user."""
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_LIMITS: dict[str, tuple[Callable[[Any, Any], bool], str, str]] = {
    "minimum": (operator.lt, "at least", ""),
    "maximum": (operator.gt, "at most", ""),
    "exclusiveMinimum": (operator.le, "more than", ""),
    "exclusiveMaximum": (operator.ge, "less than", ""),
    "minLength": (operator.lt, "at least", " characters long"),
    "maxLength": (operator.gt, "at most", " characters long"),
    "minItems": (operator.lt, "at least", " items long"),
    "maxItems": (operator.gt, "at most", " items long"),
}
"""Each bound: when a size breaks it, and how the sentence says it."""
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def _is_email(text: str) -> bool:
    local, _, domain = text.partition("@")
    return bool(local) and "@" not in domain and "." in domain[1:-1] and not any(c.isspace() for c in text)


def _is_uri(text: str) -> bool:
    return _URI.fullmatch(text) is not None


def _reads_as(kind: type[date]) -> Callable[[str], bool]:
    def fits(text: str) -> bool:
        try:
            kind.fromisoformat(text)
        except ValueError:
            return False
        return True

    return fits


@dataclass(frozen=True)
class Format:
    """A string format: what the user is told it is, an example, and the test of a value."""

    words: str
    example: str
    fits: Callable[[str], bool]


FORMATS = {
    "email": Format("an email address", "name@example.com", _is_email),
    "uri": Format("a web address", "https://example.com", _is_uri),
    "date": Format("a date", "2025-01-31", _reads_as(date)),
    "date-time": Format("a date and time", "2025-01-31T09:30", _reads_as(datetime)),
}
"""The formats checked; others pass."""


@dataclass(frozen=True)
class Mismatch:
    """One rule of a schema that a value breaks."""

    path: str
    """Where, like "tags[1]" or "at.day"; "" for the whole value."""
    rule: str
    """The schema keyword broken: "type", "const", "enum", "minimum", "maxLength", "format", "required", …"""
    wanted: Any = None
    """What the rule asks for: type names, choices, a bound or a format name."""
    found: Any = None
    """What was there instead: the value, or its size for a bound."""


def mismatches(value: Any, schema: Any, where: str = "") -> Iterator[Mismatch]:
    """Every rule of `schema` that `value` breaks, outside in; lazily, so take only what you need."""
    return _walk(value, schema, where, 0)


def problems(value: Any, schema: Any, where: str = "") -> list[str]:
    """Sentences for a model or a server, one per problem (at most a few); empty when `value` fits."""
    return [_for_programs(found) for found in islice(mismatches(value, schema, where), MAX_PROBLEMS)]


def schema_problem(value: Any, schema: Any, name: str = "") -> str | None:
    """The first way `value` breaks `schema`, as a sentence for the user; None when it fits.

    `name` is what the user calls the value; unnamed, it is the arguments of a tool call.
    """
    found = next(mismatches(value, schema, name), None)
    return None if found is None else _for_people(found)


def _walk(value: Any, schema: Any, path: str, depth: int) -> Iterator[Mismatch]:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return
    kinds = _type_names(schema)
    if kinds and not any(_has_type(value, kind) for kind in kinds):
        yield Mismatch(path, "type", kinds, value)
        return
    yield from _choice(value, schema, path)
    yield from _bounds(value, schema, path)
    fmt = schema.get("format")
    if isinstance(value, str) and isinstance(fmt, str) and fmt in FORMATS and not FORMATS[fmt].fits(value):
        yield Mismatch(path, "format", fmt, value)
    if isinstance(value, dict):
        yield from _object(value, schema, path, depth)
    elif isinstance(value, list) and isinstance(items := schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from _walk(item, items, f"{path}[{index}]", depth + 1)


def _type_names(schema: dict[str, Any]) -> list[str]:
    kinds = schema.get("type")
    named = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    known = [kind for kind in named if isinstance(kind, str)]
    return [] if any(kind not in _PYTHON_TYPES for kind in known) else known


def _has_type(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _PYTHON_TYPES[kind])


def _same(a: Any, b: Any) -> bool:
    return bool(a == b) and isinstance(a, bool) == isinstance(b, bool)


def _choice(value: Any, schema: dict[str, Any], path: str) -> Iterator[Mismatch]:
    choices = [schema["const"]] if "const" in schema else schema.get("enum")
    if isinstance(choices, list) and not any(_same(value, choice) for choice in choices):
        yield Mismatch(path, "const" if "const" in schema else "enum", choices, value)


def _bounds(value: Any, schema: dict[str, Any], path: str) -> Iterator[Mismatch]:
    if isinstance(value, bool):
        return
    keys: tuple[str, ...]
    if isinstance(value, int | float):
        size, keys = value, ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
    elif isinstance(value, str):
        size, keys = len(value), ("minLength", "maxLength")
    elif isinstance(value, list):
        size, keys = len(value), ("minItems", "maxItems")
    else:
        return
    for key in keys:
        bound = schema.get(key)
        if _is_number(bound) and _LIMITS[key][0](size, bound):
            yield Mismatch(path, key, bound, size)


def _object(value: dict[Any, Any], schema: dict[str, Any], path: str, depth: int) -> Iterator[Mismatch]:
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    required = schema.get("required")
    names = [key for key in required if isinstance(key, str)] if isinstance(required, list) else []
    for key in dict.fromkeys(names):
        if key not in value:
            yield Mismatch(_join(path, key), "required")
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if key not in properties and extra is False:
            yield Mismatch(_join(path, str(key)), "additionalProperties", False, item)
        else:
            yield from _walk(item, properties.get(key, extra), _join(path, str(key)), depth + 1)


def _for_people(found: Mismatch) -> str:
    subject = f"“{_shown(found.path)}”" if found.path else "The arguments"
    if found.rule == "type":
        return f"{subject} must be {' or '.join(TYPE_WORDS[kind] for kind in found.wanted)}."
    if found.rule == "required":
        return f"{subject} is missing; it is required."
    if found.rule == "additionalProperties":
        return f"{subject} is not expected here; remove it."
    return _shared(found, subject)


def _for_programs(found: Mismatch) -> str:
    subject = f"“{_shown(found.path)}”" if found.path else "The value"
    if found.rule == "type":
        return f"{subject} should be {_article(' or '.join(found.wanted))}, not {_describe(found.found)}."
    if found.rule == "required":
        return f"{subject} is required."
    if found.rule == "additionalProperties":
        return f"{subject} is not one of the allowed properties."
    return _shared(found, subject)


def _shared(found: Mismatch, subject: str) -> str:
    if found.rule in ("const", "enum"):
        shown = ", ".join(f"“{_choice_text(choice)}”" for choice in found.wanted[:MAX_SHOWN_CHOICES])
        more = ", …" if len(found.wanted) > MAX_SHOWN_CHOICES else ""
        return f"{subject} must be one of: {shown}{more}."
    if found.rule == "format":
        spec = FORMATS[found.wanted]
        return f"{subject} must be {spec.words}, like {spec.example}."
    _, limit, unit = _LIMITS[found.rule]
    return f"{subject} must be {limit} {_number(found.wanted)}{unit}."


def _choice_text(choice: Any) -> str:
    if isinstance(choice, str):
        return _shown(choice)
    if choice is None or isinstance(choice, bool):
        return json.dumps(choice)
    if isinstance(choice, int | float):
        return _number(choice)
    return _describe(choice)


def _number(number: float) -> str:
    if abs(number) >= LARGE:
        sign = "negative " if number < 0 else ""
        return f"{number:.3g}" if abs(number) < 1e300 else f"a very large {sign}number"
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return str(number)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "null" if value is None else "a boolean"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "infinity"
    for type_name, kinds in _PYTHON_TYPES.items():
        if isinstance(value, kinds):
            return _article(type_name)
    return _article(type(value).__name__)


def _article(word: str) -> str:
    return ("an " if word[:1] in "aeiou" else "a ") + word


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _shown(text: str, limit: int = MAX_NAME) -> str:
    line = " ".join(reveal(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
