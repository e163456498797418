"""Checking values against tool and form schemas: the right problems, in plain words, whatever comes in."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.core.json_schema import (
    FORMATS,
    MAX_DEPTH,
    MAX_PROBLEMS,
    Mismatch,
    mismatches,
    problems,
    schema_problem,
)

FORM = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 2, "maxLength": 5},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "color": {"enum": ["red", "green"]},
        "subscribe": {"type": "boolean"},
    },
    "required": ["name"],
    "additionalProperties": False,
}

TYPES = {
    "true is not an integer": (True, "integer", "The arguments must be a whole number."),
    "false is not a number": (False, "number", "The arguments must be a number."),
    "1 is not a boolean": (1, "boolean", "The arguments must be true or false."),
    "1.5 is not an integer": (1.5, "integer", "The arguments must be a whole number."),
    "NaN is not a number": (float("nan"), "number", "The arguments must be a number."),
    "infinity is not a number": (float("inf"), "number", "The arguments must be a number."),
    "a number is not text": (3, "string", "The arguments must be text."),
    "text is not an object": ("{}", "object", "The arguments must be an object, written between { and }."),
    "an object is not a list": ({}, "array", "The arguments must be a list, written between [ and ]."),
    "zero is not null": (0, "null", "The arguments must be null."),
    "3.0 is an integer": (3.0, "integer", None),
    "an integer is a number": (3, "number", None),
    "false is a boolean": (False, "boolean", None),
    "null is null": (None, "null", None),
}


@pytest.mark.parametrize(("value", "kind", "problem"), TYPES.values(), ids=TYPES.keys())
def test_types_are_told_apart_and_bool_is_never_a_number(value: Any, kind: str, problem: str | None) -> None:
    assert schema_problem(value, {"type": kind}) == problem


def test_a_list_of_types_allows_any_of_them() -> None:
    schema = {"type": ["string", "null"]}
    assert schema_problem(None, schema) is None and schema_problem("a", schema) is None
    assert schema_problem(1, schema, "note") == "“note” must be text or null."
    assert problems(1, schema) == ["The value should be a string or null, not an integer."]


def test_a_wrong_type_is_the_only_problem_told_about_that_value() -> None:
    assert problems(7, {"type": "string", "minLength": 9, "enum": ["a"]}) == [
        "The value should be a string, not an integer."
    ]


def test_required_properties_must_be_there() -> None:
    assert schema_problem({}, FORM) == "“name” is missing; it is required."
    assert problems({}, FORM) == ["“name” is required."]
    assert problems({"name": "Ann"}, FORM) == []


CHOICES = {
    "not in the list": ({"enum": ["red", "green"]}, "blue", "The arguments must be one of: “red”, “green”."),
    "true is not 1": ({"enum": [1, 2]}, True, "The arguments must be one of: “1”, “2”."),
    "1 is not true": ({"const": True}, 1, "The arguments must be one of: “true”."),
    "not the constant": ({"const": "v1"}, "v2", "The arguments must be one of: “v1”."),
    "null is a choice": ({"enum": [None, "auto"]}, None, None),
    "1.0 is 1": ({"enum": [1, 2]}, 1.0, None),
    "the constant": ({"const": {"a": [1]}}, {"a": [1]}, None),
}


@pytest.mark.parametrize(("schema", "value", "problem"), CHOICES.values(), ids=CHOICES.keys())
def test_enum_and_const_compare_strictly(schema: dict[str, Any], value: Any, problem: str | None) -> None:
    assert schema_problem(value, schema) == problem


def test_long_lists_of_choices_are_cut_short() -> None:
    problem = schema_problem("x", {"enum": [*range(20), "y" * 500, {"a": 1}]})
    assert problem is not None
    assert problem.startswith("The arguments must be one of: “0”, “1”,") and problem.endswith("“9”, ….")
    hostile = schema_problem("x", {"enum": ["y" * 500, {"a": 1}, [1], None]})
    assert hostile == f"The arguments must be one of: “{'y' * 79}…”, “an object”, “an array”, “null”."


def test_unexpected_properties_are_refused_when_additional_properties_is_false() -> None:
    value = {"name": "Ann", "shoe_size": 44}
    assert schema_problem(value, FORM) == "“shoe_size” is not expected here; remove it."
    assert problems(value, FORM) == ["“shoe_size” is not one of the allowed properties."]
    assert schema_problem(value, {**FORM, "additionalProperties": True}) is None
    assert schema_problem(value, {**FORM, "additionalProperties": {"type": "string"}}) == (
        "“shoe_size” must be text."
    )


def test_nested_lists_and_objects_are_checked_and_named_by_their_path() -> None:
    schema = {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}, "maxItems": 2},
            "at": {"type": "object", "properties": {"day": {"type": "string", "format": "date"}}},
        },
    }
    assert schema_problem({"tags": ["a", "long"]}, schema) == "“tags[1]” must be at most 3 characters long."
    assert schema_problem({"tags": ["a", "b", "c"]}, schema) == "“tags” must be at most 2 items long."
    assert (
        schema_problem({"at": {"day": "31/01/2025"}}, schema) == "“at.day” must be a date, like 2025-01-31."
    )
    assert schema_problem({"tags": ["a"], "at": {"day": "2025-01-31"}}, schema) is None
    assert list(mismatches({"tags": [1]}, schema, "args")) == [
        Mismatch("args.tags[0]", "type", ["string"], 1)
    ]


BOUNDS = {
    "below the minimum": ({"minimum": 1}, 0, "The arguments must be at least 1."),
    "above the maximum": ({"maximum": 1.5}, 2, "The arguments must be at most 1.5."),
    "at the exclusive minimum": ({"exclusiveMinimum": 0}, 0, "The arguments must be more than 0."),
    "at the exclusive maximum": ({"exclusiveMaximum": 10.0}, 10, "The arguments must be less than 10."),
    "too short": ({"minLength": 2}, "a", "The arguments must be at least 2 characters long."),
    "too long": ({"maxLength": 2}, "abc", "The arguments must be at most 2 characters long."),
    "too few items": ({"minItems": 1}, [], "The arguments must be at least 1 items long."),
    "too many items": ({"maxItems": 0}, [1], "The arguments must be at most 0 items long."),
    "a huge bound": ({"maximum": 10**20}, 10**21, "The arguments must be at most 1e+20."),
    "a bound past any float": (
        {"minimum": 10**400},
        1,
        "The arguments must be at least a very large number.",
    ),
    "on the minimum": ({"minimum": 1}, 1, None),
    "inside exclusive bounds": ({"exclusiveMinimum": 0, "exclusiveMaximum": 1}, 0.5, None),
    "a bound that is not a number": ({"maxLength": "3", "minimum": True}, "abcd", None),
    "a boolean has no size": ({"maximum": 0}, True, None),
}


@pytest.mark.parametrize(("schema", "value", "problem"), BOUNDS.values(), ids=BOUNDS.keys())
def test_bounds_on_numbers_lengths_and_item_counts(
    schema: dict[str, Any], value: Any, problem: str | None
) -> None:
    assert schema_problem(value, schema) == problem


GOOD_FORMATS = {
    "email": "ada@example.com",
    "uri": "https://example.com/a?b=c",
    "date": "2025-01-31",
    "date-time": "2025-01-31T09:30:00+01:00",
}
BAD_FORMATS = {
    "email without @": ("email", "ada at example.com"),
    "email without a dot in the domain": ("email", "ada@example"),
    "email with two @": ("email", "a@b@example.com"),
    "email with a space": ("email", "ada lovelace@example.com"),
    "long email without a dot does not hang": ("email", "a@" + "." * 200_000 + " "),
    "uri without a scheme": ("uri", "example.com"),
    "uri with a space": ("uri", "https://exa mple.com"),
    "date written the other way": ("date", "31/01/2025"),
    "date that does not exist": ("date", "2025-02-30"),
    "date-time in words": ("date-time", "tomorrow at nine"),
}


@pytest.mark.parametrize(("fmt", "value"), GOOD_FORMATS.items(), ids=GOOD_FORMATS.keys())
def test_values_in_the_format_pass(fmt: str, value: str) -> None:
    assert schema_problem(value, {"type": "string", "format": fmt}) is None


@pytest.mark.parametrize(("fmt", "value"), BAD_FORMATS.values(), ids=BAD_FORMATS.keys())
def test_values_out_of_format_are_refused_with_an_example(fmt: str, value: str) -> None:
    spec = FORMATS[fmt]
    assert (
        schema_problem(value, {"format": fmt}, "when") == f"“when” must be {spec.words}, like {spec.example}."
    )
    assert spec.fits(spec.example)


def test_unknown_formats_and_formats_on_other_types_pass() -> None:
    assert schema_problem("anything", {"format": "javascript"}) is None
    assert schema_problem(3, {"format": "email"}) is None


def test_problems_are_sentences_for_programs_and_few() -> None:
    value = {"age": "old", "color": "purple", "subscribe": "yes", "shoe_size": 44, "x": 1, "y": 2}
    assert problems(value, FORM) == [
        "“name” is required.",
        "“age” should be an integer, not a string.",
        "“color” must be one of: “red”, “green”.",
        "“subscribe” should be a boolean, not a string.",
        "“shoe_size” is not one of the allowed properties.",
    ]
    assert len(problems({f"k{n}": n for n in range(100)}, FORM)) == MAX_PROBLEMS
    assert problems({"name": 7}, FORM, "answer") == ["“answer.name” should be a string, not an integer."]


def test_names_from_outside_are_shown_with_hidden_characters_written_out_and_cut() -> None:
    sneaky = {"na\u200bme": 1, "x" * 300: 2}
    found = problems(sneaky, {"additionalProperties": False})
    assert found[0] == "“na⟦U+200B⟧me” is not one of the allowed properties."
    assert found[1] == f"“{'x' * 79}…” is not one of the allowed properties."


def test_hostile_deep_nesting_is_checked_only_so_far() -> None:
    deep_schema: dict[str, Any] = {"type": "string"}
    deep_value: Any = 1
    for _ in range(5000):
        deep_schema = {"type": "object", "properties": {"x": deep_schema}}
        deep_value = {"x": deep_value}
    assert schema_problem(deep_value, deep_schema) is None and problems(deep_value, deep_schema) == []
    shallow: Any = 1
    for _ in range(MAX_DEPTH):
        shallow = {"x": shallow}
    near = {"type": "object", "properties": {"x": {"type": "string"}}}
    for _ in range(MAX_DEPTH - 1):
        near = {"type": "object", "properties": {"x": near}}
    assert schema_problem(shallow, near) == f"“{'.'.join(['x'] * MAX_DEPTH)}” must be text."


def test_a_schema_that_contains_itself_does_not_loop() -> None:
    schema: dict[str, Any] = {"type": "array"}
    schema["items"] = schema
    value: list[Any] = []
    value.append(value)
    assert schema_problem(value, schema) is None


NOT_SCHEMAS = {
    "text": "not a schema",
    "null": None,
    "a list": [{"type": "string"}],
    "true": True,
    "a number": 3,
}


@pytest.mark.parametrize("schema", NOT_SCHEMAS.values(), ids=NOT_SCHEMAS.keys())
def test_what_is_not_a_schema_sets_no_rule(schema: Any) -> None:
    assert schema_problem({"a": 1}, schema) is None and problems({"a": 1}, schema) == []


def test_broken_parts_of_a_schema_set_no_rule() -> None:
    broken = {
        "type": 7,
        "required": "abc",
        "properties": ["a"],
        "enum": "abc",
        "items": [{"type": "string"}],
        "format": 3,
    }
    assert schema_problem({"a": 1}, broken) is None
    assert schema_problem([1, 2], broken) is None
    assert schema_problem({"a": 1}, {"type": ["object", "table"]}) is None
    assert (
        schema_problem({}, {"required": [{"a": 1}, ["b"], 3, "c", "c"]}) == "“c” is missing; it is required."
    )
    assert problems({}, {"required": ["c", "c"]}) == ["“c” is required."]
