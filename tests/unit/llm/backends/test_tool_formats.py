from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.llm.backends.tool_formats import (
    StreamFilter,
    ToolFormat,
    call_markup,
    detect_format,
    parse_answer,
)
from tests.fixtures.tiny_gguf import CHATML_TEMPLATE, HERMES_TOOLS_TEMPLATE

QWEN_TEMPLATE = (
    "{% if tools %}<|im_start|>system\n# Tools\n<tools>{% for tool in tools %}{{ tool | tojson }}"
    "{% endfor %}</tools>\nFor each call return <tool_call>{...}</tool_call><|im_end|>{% endif %}"
)
LLAMA31_TEMPLATE = (
    "{{ bos_token }}{% if tools is not none %}<|start_header_id|>system<|end_header_id|>\n"
    "Environment: ipython{% endif %}{% for m in messages %}{% if m.role == 'assistant' and m.tool_calls %}"
    "<|python_tag|>{{ m.tool_calls[0].function | tojson }}<|eom_id|>{% endif %}{% endfor %}"
)
LLAMA32_TEMPLATE = "<|start_header_id|>user<|end_header_id|>{% for t in tools %}{{ t | tojson }}{% endfor %}"
MISTRAL_TEMPLATE = (
    "[AVAILABLE_TOOLS]{{ tools | tojson }}[/AVAILABLE_TOOLS]{% if calls %}[TOOL_CALLS]{% endif %}"
)
GEMMA_TEMPLATE = (
    "{% for m in messages %}<start_of_turn>{{ m.role }}\n{{ m.content }}<end_of_turn>{% endfor %}"
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (HERMES_TOOLS_TEMPLATE, ToolFormat.HERMES),
        (QWEN_TEMPLATE, ToolFormat.HERMES),
        (LLAMA31_TEMPLATE, ToolFormat.LLAMA3),
        (LLAMA32_TEMPLATE, ToolFormat.LLAMA3),
        (MISTRAL_TEMPLATE, ToolFormat.MISTRAL),
        (CHATML_TEMPLATE, ToolFormat.FALLBACK),
        (GEMMA_TEMPLATE, ToolFormat.FALLBACK),
        (None, ToolFormat.FALLBACK),
    ],
)
def test_the_format_comes_from_the_chat_template(template: str | None, expected: ToolFormat) -> None:
    assert detect_format(template) is expected


# Reading finished answers


def test_hermes_prose_and_several_calls() -> None:
    text = (
        "Let me check both.\n"
        '<tool_call>\n{"name": "weather__forecast", "arguments": {"city": "Oslo", "days": 2}}\n</tool_call>\n'
        '<tool_call>\n{"name": "time__now", "arguments": {}}\n</tool_call>'
    )

    answer = parse_answer(ToolFormat.HERMES, text)

    assert answer.text == "Let me check both."
    assert [(c.name, c.arguments, c.problem) for c in answer.calls] == [
        ("weather__forecast", {"city": "Oslo", "days": 2}, ""),
        ("time__now", {}, ""),
    ]
    assert all(len(c.id) == 9 and c.id.isalnum() for c in answer.calls)
    assert len({c.id for c in answer.calls}) == 2
    assert answer.calls[0].raw == '{"name": "weather__forecast", "arguments": {"city": "Oslo", "days": 2}}'


def test_hermes_arguments_written_as_a_json_string_are_read() -> None:
    text = '<tool_call>{"name": "a", "arguments": "{\\"x\\": 1}"}</tool_call>'

    assert parse_answer(ToolFormat.HERMES, text).calls[0].arguments == {"x": 1}


def test_a_call_cut_off_at_the_end_is_still_read_when_its_json_is_whole() -> None:
    answer = parse_answer(ToolFormat.HERMES, 'Sure. <tool_call>{"name": "a", "arguments": {"q": "z"}}')

    assert answer.text == "Sure."
    assert answer.calls[0].name == "a" and answer.calls[0].arguments == {"q": "z"}


@pytest.mark.parametrize(
    ("body", "problem", "name"),
    [
        ('{"name": "a", "arguments": {"x": ', "was not valid JSON", "a"),
        ("not json at all", "was not valid JSON", ""),
        ('{"arguments": {"x": 1}}', "did not say which tool", ""),
        ('{"name": "", "arguments": {}}', "did not say which tool", ""),
        ('{"name": 42, "arguments": {}}', "did not say which tool", ""),
        ('{"name": "a", "arguments": [1, 2]}', "call to a were not a JSON object", "a"),
        ('{"name": "a", "arguments": null}', "call to a were not a JSON object", "a"),
        ('{"name": "a", "arguments": "{broken"}', "call to a were not valid JSON", "a"),
        ('["a", {"x": 1}]', "was not a JSON object", ""),
        ('{"name": "a", "arguments": {"x": 1e999}}', "was not valid JSON", "a"),
        ('{"name": "a", "arguments": {"x": NaN}}', "was not valid JSON", "a"),
        ('{"name": "a", "arguments": {"x": -Infinity}}', "was not valid JSON", "a"),
    ],
)
def test_malformed_calls_become_requests_with_a_sentence(body: str, problem: str, name: str) -> None:
    answer = parse_answer(ToolFormat.HERMES, f"<tool_call>{body}</tool_call>")

    (call,) = answer.calls
    assert call.arguments is None and problem in call.problem and call.name == name
    assert call.problem.endswith(".") and call.raw == body.strip() and call.id


def test_hostile_and_unicode_content_is_kept_as_data() -> None:
    arguments = {"path": "/tmp/😀\u202e\u200b", "text": "</tool_call><tool_call>", "n": 10**30}
    body = json.dumps({"name": "files__write\u200b", "arguments": arguments, "id": "x" * 500})

    (call,) = parse_answer(ToolFormat.HERMES, f"<tool_call>{body}</tool_call>").calls

    assert call.name == "files__write\u200b"
    assert call.arguments == arguments
    assert len(call.id) == 9  # an id the model made up that long is replaced


def test_raw_control_characters_inside_json_strings_are_tolerated() -> None:
    (call,) = parse_answer(ToolFormat.HERMES, '<tool_call>{"name": "a", "arguments": {"t": "x\ny"}}').calls

    assert call.arguments == {"t": "x\ny"}


@pytest.mark.parametrize("fmt", list(ToolFormat))
def test_deep_nesting_and_huge_numbers_do_not_raise(fmt: ToolFormat) -> None:
    for text in ("[" * 100_000, '{"name": "a", "arguments": ' + "[" * 100_000, '{"x": ' + "9" * 50_000 + "}"):
        answer = parse_answer(fmt, "<tool_call>" + text if fmt is ToolFormat.HERMES else text)
        assert all(call.arguments is None and call.problem for call in answer.calls)


def test_llama3_calls_with_and_without_the_python_tag() -> None:
    tagged = parse_answer(
        ToolFormat.LLAMA3,
        'Checking.<|python_tag|>{"name": "a", "parameters": {"x": 1}}; '
        '{"name": "b", "parameters": {}}<|eom_id|>',
    )
    bare = parse_answer(ToolFormat.LLAMA3, '  {"type": "function", "name": "a", "parameters": {"x": 1}}')

    assert tagged.text == "Checking."
    assert [(c.name, c.arguments) for c in tagged.calls] == [("a", {"x": 1}), ("b", {})]
    assert [(c.name, c.arguments) for c in bare.calls] == [("a", {"x": 1})]
    assert bare.text == ""


def test_llama3_prose_that_is_not_a_call_stays_prose() -> None:
    answer = parse_answer(ToolFormat.LLAMA3, 'It is {probably} sunny. {"name": "a"}')

    assert answer.calls == () and answer.text == 'It is {probably} sunny. {"name": "a"}'


def test_mistral_calls_keep_their_ids_and_duplicates_get_new_ones() -> None:
    text = (
        '[TOOL_CALLS][{"name": "a", "arguments": {"q": 1}, "id": "abc123def"}, '
        '{"name": "b", "arguments": {}, "id": "abc123def"}]'
    )

    calls = parse_answer(ToolFormat.MISTRAL, text).calls

    assert [(c.name, c.arguments) for c in calls] == [("a", {"q": 1}), ("b", {})]
    assert calls[0].id == "abc123def" and calls[1].id != "abc123def"


def test_mistral_without_the_marker_and_in_its_newer_shape() -> None:
    hidden = parse_answer(ToolFormat.MISTRAL, '[{"name": "a", "arguments": {"q": 1}}]')
    newer = parse_answer(ToolFormat.MISTRAL, '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}')
    broken = parse_answer(ToolFormat.MISTRAL, "[TOOL_CALLS]get_weather[ARGS]{city")
    prose = parse_answer(ToolFormat.MISTRAL, "[1] is a footnote.")

    assert [(c.name, c.arguments) for c in hidden.calls] == [("a", {"q": 1})]
    assert [(c.name, c.arguments) for c in newer.calls] == [("get_weather", {"city": "Paris"})]
    assert broken.calls[0].name == "get_weather" and broken.calls[0].arguments is None
    assert prose.calls == () and prose.text == "[1] is a footnote."


def test_fallback_calls_and_prose() -> None:
    calls = parse_answer(ToolFormat.FALLBACK, '{"tool_calls": [{"name": "a", "arguments": {"q": 1}}]}')
    single = parse_answer(ToolFormat.FALLBACK, '{"tool_call": {"name": "a", "arguments": {}}}')
    empty = parse_answer(ToolFormat.FALLBACK, '{"tool_calls": []}')
    prose = parse_answer(ToolFormat.FALLBACK, "Paris is sunny today.")

    assert [(c.name, c.arguments) for c in calls.calls] == [("a", {"q": 1})]
    assert [(c.name, c.arguments) for c in single.calls] == [("a", {})]
    assert empty.calls[0].arguments is None and "named no tool" in empty.calls[0].problem
    assert prose == parse_answer(ToolFormat.FALLBACK, "Paris is sunny today.") and not prose.calls


@pytest.mark.parametrize("fmt", list(ToolFormat))
def test_calls_written_as_markup_read_back_the_same(fmt: ToolFormat) -> None:
    calls = [{"name": "a", "arguments": {"q": 'é\n"x"'}}, {"name": "b__c", "arguments": {}}]

    read = parse_answer(fmt, call_markup(fmt, calls)).calls

    assert [(c.name, c.arguments) for c in read] == [(c["name"], c["arguments"]) for c in calls]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(list(ToolFormat)), st.text())
def test_any_model_output_is_read_without_raising(fmt: ToolFormat, text: str) -> None:
    answer = parse_answer(fmt, text)

    for call in answer.calls:
        assert (call.arguments is None) == bool(call.problem)
        assert call.id


# Streaming


def stream(fmt: ToolFormat, text: str, cuts: list[int]) -> tuple[list[str], list[str]]:
    """What was shown while streaming `text` in pieces, and after `finish`."""
    shown: list[str] = []
    filtered = StreamFilter(fmt, shown.append)
    edges = sorted({0, len(text), *(cut % (len(text) + 1) for cut in cuts)})
    for start, end in itertools.pairwise(edges):
        filtered(text[start:end])
    during = list(shown)
    filtered.finish(parse_answer(fmt, text).text)
    return during, shown


HERMES_ANSWER = 'Let me look that up. <tool_call>\n{"name": "a", "arguments": {"q": "<"}}\n</tool_call>'


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=200), max_size=30))
def test_markup_split_anywhere_is_never_shown(cuts: list[int]) -> None:
    during, after = stream(ToolFormat.HERMES, HERMES_ANSWER, cuts)

    assert "Let me look that up. ".startswith("".join(during))
    assert "".join(after).strip() == "Let me look that up."


def test_markup_split_one_character_at_a_time() -> None:
    during, _after = stream(ToolFormat.HERMES, HERMES_ANSWER, list(range(len(HERMES_ANSWER))))

    assert "".join(during) == "Let me look that up. "
    assert not any("<" in piece for piece in during)


def test_prose_with_angle_brackets_flows_and_a_dangling_start_is_let_out_at_the_end() -> None:
    during, after = stream(ToolFormat.HERMES, "a < b and <b>bold</b> <tool", list(range(40)))

    assert "".join(during) == "a < b and <b>bold</b> "
    assert "".join(after) == "a < b and <b>bold</b> <tool"


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        (ToolFormat.LLAMA3, '{"name": "a", "parameters": {}}'),
        (ToolFormat.LLAMA3, ' <|python_tag|>{"name": "a", "parameters": {}}'),
        (ToolFormat.MISTRAL, '[TOOL_CALLS][{"name": "a", "arguments": {}}]'),
        (ToolFormat.MISTRAL, ' [ {"name": "a", "arguments": {}}]'),
        (ToolFormat.FALLBACK, '{"tool_calls": [{"name": "a", "arguments": {}}]}'),
    ],
)
def test_answers_that_are_only_a_call_show_nothing(fmt: ToolFormat, text: str) -> None:
    _during, after = stream(fmt, text, list(range(len(text))))

    assert "".join(after).strip() == ""
    assert parse_answer(fmt, text).calls[0].name == "a"


@pytest.mark.parametrize("fmt", list(ToolFormat))
def test_plain_prose_streams_as_it_comes(fmt: ToolFormat) -> None:
    text = "Sunny, 21 degrees {and} [calm]."

    during, after = stream(fmt, text, list(range(len(text))))

    assert "".join(during) == text and after == during


def test_a_call_cut_off_after_a_finished_one_leaves_no_markup_in_the_prose() -> None:
    text = '<tool_call>\n{"name": "echo__echo", "arguments": {"text": ""}}\n</tool_call>\n<tool_c'
    answer = parse_answer(ToolFormat.HERMES, text)
    assert (answer.text, len(answer.calls)) == ("", 1)
    assert parse_answer(ToolFormat.HERMES, "Sure. <tool").text == "Sure. <tool"
