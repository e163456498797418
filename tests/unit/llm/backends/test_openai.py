"""The OpenAI-compatible backend against a loopback server speaking that API over real HTTP."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest

from desktop.llm.backends.backend import ChatParams, ChatProblem, Completion, Message, ToolChoice, ToolSpec
from desktop.llm.backends.openai import IMAGE_TOKENS, MAX_RESPONSE_BYTES, OpenAIBackend, normalise_base_url
from desktop.llm.backends.openai_stream import MAX_TOOL_CALLS
from tests.fixtures.openai_server import (
    DONE,
    MODEL,
    Call,
    OpenAIServer,
    Pause,
    chunk,
    event,
    failure,
    flood,
    prose,
    raw,
    slow,
    stalled,
    tool_calls,
    whole,
)

pytestmark = pytest.mark.anyio

KEY = "sk-SeCrEtKeyThatMustNeverShow42"
HELLO: list[Message] = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Say hello."},
]
WEATHER: ToolSpec = {
    "type": "function",
    "function": {
        "name": "weather__forecast",
        "description": "The forecast for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CLOCK: ToolSpec = {
    "type": "function",
    "function": {"name": "time__now", "description": "The time now.", "parameters": {"type": "object"}},
}


@dataclass
class Heard:
    pieces: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)
    stop_after: int | None = None

    def __call__(self, text: str) -> None:
        self.pieces.append(text)
        if self.stop_after is not None and len(self.pieces) >= self.stop_after:
            self.cancel.set()


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as fake:
        yield fake


def backend_for(server: OpenAIServer, key: str | None = None, **options: Any) -> OpenAIBackend:
    return OpenAIBackend(server.base_url, MODEL, lambda: key, **options)


async def ask(
    backend: OpenAIBackend,
    messages: list[Message] = HELLO,
    tools: list[ToolSpec] | None = None,
    choice: ToolChoice = ToolChoice.AUTO,
    heard: Heard | None = None,
) -> tuple[Completion, Heard]:
    heard = heard or Heard()
    params = ChatParams(temperature=0.2, top_p=0.9, max_tokens=64)
    completion = await backend.complete(messages, tools or [], params, choice, heard, heard.cancel)
    return completion, heard


async def problem_of(backend: OpenAIBackend, **options: Any) -> ChatProblem:
    with pytest.raises(ChatProblem) as caught:
        await ask(backend, **options)
    return caught.value


async def eventually(condition: Callable[[], bool]) -> None:
    """Polls until the server's thread has caught up (like qtbot.waitUntil, without Qt)."""
    for _ in range(1000):
        if condition():
            return
        await anyio.sleep(0.01)
    raise AssertionError("the condition never came true")


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- prose and the request on the wire ---


async def test_prose_streams_piece_by_piece_with_usage(server: OpenAIServer) -> None:
    server.queue(prose("Hel", "lo, ", "world."))
    completion, heard = await ask(backend_for(server))
    assert heard.pieces == ["Hel", "lo, ", "world."]
    assert completion.text == "Hello, world."
    assert completion.finish_reason == "stop"
    assert completion.tool_calls == ()
    assert (completion.prompt_tokens, completion.tokens) == (12, 5)
    assert completion.first_token_s is not None


async def test_the_request_carries_model_params_stream_and_no_tools_when_none_offered(
    server: OpenAIServer,
) -> None:
    await ask(backend_for(server), choice=ToolChoice.REQUIRED)
    body = server.last_body
    assert body["model"] == MODEL
    assert body["messages"] == HELLO
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.2, 0.9, 64)
    assert "tools" not in body
    assert "tool_choice" not in body


async def test_length_finish_and_missing_usage_are_reported_as_they_are(server: OpenAIServer) -> None:
    server.queue(prose("cut", usage=None, finish="length"))
    completion, _ = await ask(backend_for(server))
    assert completion.finish_reason == "length"
    assert (completion.prompt_tokens, completion.tokens) == (0, 0)


@pytest.mark.parametrize("choice", [ToolChoice.AUTO, ToolChoice.REQUIRED, ToolChoice.NONE])
async def test_tools_go_out_as_given_with_the_tool_choice(server: OpenAIServer, choice: ToolChoice) -> None:
    await ask(backend_for(server), tools=[WEATHER, CLOCK], choice=choice)
    assert server.last_body["tools"] == [WEATHER, CLOCK]
    assert server.last_body["tool_choice"] == choice.value


async def test_earlier_tool_calls_go_out_with_string_arguments_and_results_with_their_call_id(
    server: OpenAIServer,
) -> None:
    arguments = {"city": "Zürich", "days": [1, 2]}
    history: list[Message] = [
        *HELLO,
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "weather__forecast", "arguments": arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "Sunny"},
        {"role": "tool", "tool_call_id": "call_b", "content": {"structured": True}},
    ]
    await ask(backend_for(server), messages=history, tools=[WEATHER])
    sent = server.last_body["messages"]
    call = sent[2]["tool_calls"][0]
    assert call["id"] == "call_a"
    assert call["function"]["name"] == "weather__forecast"
    assert isinstance(call["function"]["arguments"], str)
    assert json.loads(call["function"]["arguments"]) == arguments
    assert sent[3] == {"role": "tool", "tool_call_id": "call_a", "content": "Sunny"}
    assert json.loads(sent[4]["content"]) == {"structured": True}


async def test_the_key_goes_out_as_a_bearer_header_when_there_is_one(server: OpenAIServer) -> None:
    await ask(backend_for(server, key=KEY))
    await ask(backend_for(server, key=None))
    await ask(backend_for(server, key=""))
    with_key, without, empty = server.chat_requests()
    assert with_key.headers["authorization"] == f"Bearer {KEY}"
    assert "authorization" not in without.headers
    assert "authorization" not in empty.headers


# --- tool calls ---


async def test_a_tool_call_split_across_chunks_comes_back_parsed(server: OpenAIServer) -> None:
    server.queue(tool_calls(Call("call_1", "weather__forecast", '{"city": "Oslo", "days": 3}'), pieces=5))
    completion, heard = await ask(backend_for(server), tools=[WEATHER])
    assert completion.finish_reason == "tool_calls"
    [call] = completion.tool_calls
    assert (call.id, call.name, call.arguments, call.problem) == (
        "call_1",
        "weather__forecast",
        {"city": "Oslo", "days": 3},
        "",
    )
    assert call.raw == '{"city": "Oslo", "days": 3}'
    assert heard.pieces == []
    assert (completion.prompt_tokens, completion.tokens) == (20, 9)


@pytest.mark.parametrize("interleave", [False, True])
async def test_two_parallel_tool_calls_are_kept_apart_by_index(
    server: OpenAIServer, interleave: bool
) -> None:
    server.queue(
        tool_calls(
            Call("call_w", "weather__forecast", '{"city": "Lima"}'),
            Call("call_t", "time__now", "{}"),
            interleave=interleave,
        )
    )
    completion, _ = await ask(backend_for(server), tools=[WEATHER, CLOCK])
    assert [(call.id, call.name, call.arguments) for call in completion.tool_calls] == [
        ("call_w", "weather__forecast", {"city": "Lima"}),
        ("call_t", "time__now", {}),
    ]


async def test_prose_before_a_tool_call_is_streamed_and_kept(server: OpenAIServer) -> None:
    server.queue(tool_calls(Call("c", "time__now", "{}"), text="Let me look."))
    completion, heard = await ask(backend_for(server), tools=[CLOCK])
    assert heard.pieces == ["Let me look."]
    assert completion.text == "Let me look."
    assert [call.name for call in completion.tool_calls] == ["time__now"]


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ('{"city": "Oslo"', "not valid JSON"),
        ("city=Oslo", "not valid JSON"),
        ('["Oslo"]', "not a JSON object"),
        ('"Oslo"', "not a JSON object"),
        ('{"days": NaN}', "not valid JSON"),
        ('{"days": Infinity}', "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
    ],
    ids=["unclosed", "not-json", "a-list", "a-string", "nan", "infinity", "nested-too-deep"],
)
async def test_unreadable_arguments_come_back_as_a_problem_not_an_exception(
    server: OpenAIServer, arguments: str, problem: str
) -> None:
    server.queue(
        tool_calls(
            Call("bad", "weather__forecast", arguments),
            Call("good", "time__now", "{}"),
        )
    )
    completion, _ = await ask(backend_for(server), tools=[WEATHER, CLOCK])
    bad, good = completion.tool_calls
    assert bad.arguments is None
    assert problem in bad.problem
    assert "weather__forecast" in bad.problem
    assert bad.raw == arguments
    assert (good.arguments, good.problem) == ({}, "")


async def test_whole_calls_without_an_index_are_told_apart_by_id(server: OpenAIServer) -> None:
    calls = [
        {"id": "a", "function": {"name": "time__now", "arguments": {"tz": "UTC"}}},
        {"id": "b", "function": {"name": "weather__forecast", "arguments": '{"city": "Bern"}'}},
    ]
    server.queue(raw(*(event(chunk({"tool_calls": [call]})).decode() for call in calls), DONE.decode()))
    completion, _ = await ask(backend_for(server), tools=[WEATHER, CLOCK])
    assert [(call.id, call.name, call.arguments) for call in completion.tool_calls] == [
        ("a", "time__now", {"tz": "UTC"}),
        ("b", "weather__forecast", {"city": "Bern"}),
    ]


async def test_empty_arguments_are_an_empty_object(server: OpenAIServer) -> None:
    server.queue(tool_calls(Call("c", "time__now", "")))
    completion, _ = await ask(backend_for(server), tools=[CLOCK])
    assert completion.tool_calls[0].arguments == {}


async def test_calls_without_ids_or_with_the_same_id_get_ids_of_their_own(server: OpenAIServer) -> None:
    server.queue(
        tool_calls(
            Call("", "time__now", "{}"),
            Call("same", "time__now", "{}"),
            Call("same", "weather__forecast", '{"city": "Rome"}'),
        )
    )
    completion, _ = await ask(backend_for(server), tools=[WEATHER, CLOCK])
    ids = [call.id for call in completion.tool_calls]
    assert ids[0] and ids[1] == "same"
    assert len(set(ids)) == 3


async def test_a_call_without_a_name_says_so(server: OpenAIServer) -> None:
    server.queue(tool_calls(Call("c", "", "{}")))
    completion, _ = await ask(backend_for(server), tools=[CLOCK])
    assert "without naming the tool" in completion.tool_calls[0].problem


async def test_arguments_of_the_wrong_type_are_a_problem(server: OpenAIServer) -> None:
    fragment = {"index": 0, "id": "c", "function": {"name": "time__now", "arguments": 42}}
    server.queue(raw(event(chunk({"tool_calls": [fragment]})).decode(), DONE.decode()))
    completion, _ = await ask(backend_for(server), tools=[CLOCK])
    [call] = completion.tool_calls
    assert call.arguments is None
    assert "neither text nor a JSON object" in call.problem


async def test_too_many_tool_calls_at_once_are_refused(server: OpenAIServer) -> None:
    calls = [Call(f"c{number}", "time__now", "{}") for number in range(MAX_TOOL_CALLS + 1)]
    server.queue(tool_calls(*calls))
    problem = await problem_of(backend_for(server), tools=[CLOCK])
    assert f"more than {MAX_TOOL_CALLS} tool calls" in problem.message


async def test_a_server_that_ignores_stream_and_sends_one_json_answer_is_understood(
    server: OpenAIServer,
) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "time__now", "arguments": '{"tz": "UTC"}'}}
    server.queue(whole({"role": "assistant", "content": "Checking.", "tool_calls": [call]}))
    completion, heard = await ask(backend_for(server), tools=[CLOCK])
    assert heard.pieces == ["Checking."]
    assert [(c.id, c.name, c.arguments) for c in completion.tool_calls] == [
        ("c1", "time__now", {"tz": "UTC"})
    ]


# --- what the stream may hold ---


async def test_garbage_lines_comments_and_non_json_events_are_skipped(server: OpenAIServer) -> None:
    server.queue(
        raw(
            ": keep-alive",
            "event: message",
            "data: " + json.dumps(chunk({"content": "Hel"})),
            "",
            "<html>502 Bad Gateway</html>",
            "data: {not json",
            "",
            "data: [1, 2, 3]",
            "",
            "data: " + json.dumps(chunk({"content": 7})),
            "",
            "data: " + json.dumps({"choices": "nope"}),
            "",
            "data: " + json.dumps(chunk({"content": "lo"})),
            "",
            "data: [DONE]",
            "",
        )
    )
    completion, heard = await ask(backend_for(server))
    assert heard.pieces == ["Hel", "lo"]
    assert completion.text == "Hello"


async def test_crlf_framing_and_events_without_blank_lines_between_them_are_read(
    server: OpenAIServer,
) -> None:
    lines = ["data: " + json.dumps(chunk({"content": piece})) for piece in ("a", "b", "c")]
    server.queue(raw("\r\n".join([*lines, "data: [DONE]", ""]), ""))
    completion, _ = await ask(backend_for(server))
    assert completion.text == "abc"


async def test_an_event_whose_data_spans_several_lines_is_joined(server: OpenAIServer) -> None:
    split = json.dumps(chunk({"content": "joined"}), indent=1).splitlines()
    server.queue(raw(*("data: " + line for line in split), "", "data: [DONE]", ""))
    completion, _ = await ask(backend_for(server))
    assert completion.text == "joined"


async def test_a_stream_of_nothing_but_garbage_is_a_plain_problem(server: OpenAIServer) -> None:
    server.queue(raw("<html><body>Welcome to nginx!</body></html>", "not an event"))
    problem = await problem_of(backend_for(server))
    assert "did not send an answer MCP Desk could read" in problem.message
    assert "Welcome to nginx" in problem.details


async def test_an_empty_reply_is_a_plain_problem(server: OpenAIServer) -> None:
    server.queue(raw())
    problem = await problem_of(backend_for(server))
    assert "did not send an answer MCP Desk could read" in problem.message


async def test_an_error_event_mid_stream_is_a_problem_with_its_details(server: OpenAIServer) -> None:
    error = {"error": {"message": "model crashed: out of memory", "code": 500}}
    server.queue(raw("data: " + json.dumps(chunk({"content": "Hi"})), "", "data: " + json.dumps(error), ""))
    problem = await problem_of(backend_for(server))
    assert "stopped with an error while answering" in problem.message
    assert "out of memory" in problem.details


async def test_an_answer_past_the_default_cap_is_cut_off(server: OpenAIServer) -> None:
    server.queue(flood(MAX_RESPONSE_BYTES + 256 * 1024))
    heard = Heard()
    problem = await problem_of(backend_for(server), heard=heard)
    assert "sent more than 4 MB" in problem.message
    assert sum(map(len, heard.pieces)) <= MAX_RESPONSE_BYTES


async def test_a_whole_json_answer_past_the_cap_is_cut_off(server: OpenAIServer) -> None:
    server.queue(whole({"role": "assistant", "content": "x" * 200_000}))
    problem = await problem_of(backend_for(server, max_bytes=100_000))
    assert "sent more than" in problem.message


# --- stopping ---


async def test_cancel_mid_stream_stops_and_closes_the_stream(server: OpenAIServer) -> None:
    server.queue(slow())
    completion, heard = await ask(backend_for(server), heard=Heard(stop_after=3))
    assert completion.finish_reason == "cancelled"
    assert completion.text.startswith("Hello word0 word1")
    assert len(heard.pieces) < 50
    await eventually(lambda: server.hung_up == 1)


async def test_cancel_while_the_server_is_silent_still_stops(server: OpenAIServer) -> None:
    server.queue(stalled())
    heard = Heard()
    answers: list[Completion] = []

    async def answer() -> None:
        answers.append((await ask(backend_for(server), heard=heard))[0])

    async with anyio.create_task_group() as group:
        group.start_soon(answer)
        await eventually(lambda: heard.pieces == ["Hello"] and server.pausing == 1)
        heard.cancel.set()
    assert (answers[0].finish_reason, answers[0].text) == ("cancelled", "Hello")
    assert server.pausing == 1, "the answer came back only because the server spoke again"


async def test_cancel_during_tool_call_fragments_returns_no_half_calls(server: OpenAIServer) -> None:
    reply = tool_calls(Call("c", "weather__forecast", '{"city": "Oslo"}'), text="Let me see.")
    server.queue(raw(*(part.decode() for part in reply.parts[:3] if isinstance(part, bytes)), Pause(None)))
    completion, _ = await ask(backend_for(server), tools=[WEATHER], heard=Heard(stop_after=1))
    assert completion.finish_reason == "cancelled"
    assert completion.tool_calls == ()


# --- failures, as sentences ---


async def test_an_unreachable_port_says_what_to_check() -> None:
    url = f"http://127.0.0.1:{unused_port()}/v1"
    problem = await problem_of(OpenAIBackend(url, MODEL, lambda: None))
    assert problem.message == (
        f"MCP Desk could not reach {url}. "
        "Check that the server is running and the address in Settings is right."
    )
    assert "ConnectError" in problem.details


async def test_a_wrong_key_is_named_and_never_shown(server: OpenAIServer) -> None:
    server.queue(failure(401, f"Invalid API key {KEY}"))
    problem = await problem_of(backend_for(server, key=KEY))
    assert problem.message.endswith("did not accept the API key. Check the key in Settings.")
    assert "401" in problem.details
    assert KEY not in problem.details


async def test_no_key_where_one_is_needed_is_named(server: OpenAIServer) -> None:
    server.key = KEY
    problem = await problem_of(backend_for(server, key=None))
    assert "API key" in problem.message
    completion, _ = await ask(backend_for(server, key=KEY))
    assert completion.text == "OK"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (403, "did not accept the API key"),
        (404, f'does not know the model "{MODEL}" or this address'),
        (400, "refused the request (HTTP 400)"),
        (422, "refused the request (HTTP 422)"),
        (429, "limiting requests"),
        (500, "internal error (HTTP 500)"),
        (503, "internal error (HTTP 503)"),
    ],
)
async def test_error_statuses_become_sentences_with_the_servers_words_in_the_details(
    server: OpenAIServer, status: int, words: str
) -> None:
    server.queue(failure(status, "the server's own words"))
    problem = await problem_of(backend_for(server))
    assert words in problem.message
    assert "Traceback" not in problem.message
    assert f"HTTP {status}" in problem.details
    assert "the server's own words" in problem.details


async def test_a_huge_error_body_is_cut_in_the_details(server: OpenAIServer) -> None:
    server.queue(failure(500, "y" * 1_000_000))
    problem = await problem_of(backend_for(server))
    assert len(problem.details) < 5000


async def test_a_server_that_goes_silent_times_out_with_a_sentence(server: OpenAIServer) -> None:
    server.queue(raw(Pause(None)))
    problem = await problem_of(backend_for(server, timeout_s=0.3))
    assert "sent nothing for 0.3 seconds" in problem.message


async def test_a_connection_dropped_mid_answer_is_a_sentence(server: OpenAIServer) -> None:
    server.queue(raw("data: " + json.dumps(chunk({"content": "Hal"})), "", drop=True))
    problem = await problem_of(backend_for(server))
    assert "broke off in the middle of the answer" in problem.message


# --- addresses, readiness, estimates ---


@pytest.mark.parametrize(
    ("typed", "root"),
    [
        ("http://localhost:8080", "http://localhost:8080/v1"),
        ("http://localhost:8080/", "http://localhost:8080/v1"),
        ("http://localhost:8080/v1", "http://localhost:8080/v1"),
        (" http://localhost:8080/v1/ ", "http://localhost:8080/v1"),
        ("localhost:11434", "http://localhost:11434/v1"),
        ("http://host:8000/v1/chat/completions", "http://host:8000/v1"),
        ("https://example.org/api/v1", "https://example.org/api/v1"),
        ("https://example.org/v1beta/openai/", "https://example.org/v1beta/openai"),
        ("", ""),
    ],
)
def test_base_urls_are_normalised(typed: str, root: str) -> None:
    assert normalise_base_url(typed) == root


@pytest.mark.parametrize("typed", ["root", "root/", "base_url/", "root/v1/chat/completions"])
async def test_the_server_is_reached_whichever_way_the_address_is_written(
    server: OpenAIServer, typed: str
) -> None:
    url = typed.replace("root", server.root).replace("base_url", server.base_url)
    completion, _ = await ask(OpenAIBackend(url, MODEL, lambda: None))
    assert completion.text == "OK"


@pytest.mark.parametrize(
    ("url", "model", "words"),
    [
        ("", MODEL, "Enter the address"),
        ("   ", MODEL, "Enter the address"),
        ("http://localhost:8080", "", "Choose the model"),
        ("ftp://localhost:8080", MODEL, "should look like http://localhost:8080/v1"),
        ("http://", MODEL, "should look like http://localhost:8080/v1"),
    ],
)
async def test_ready_says_what_to_fill_in_and_complete_refuses_until_then(
    url: str, model: str, words: str
) -> None:
    backend = OpenAIBackend(url, model, lambda: None)
    assert words in (backend.ready() or "")
    problem = await problem_of(backend)
    assert words in problem.message


def test_ready_when_address_and_model_are_there() -> None:
    assert OpenAIBackend("localhost:8080", "qwen", lambda: None).ready() is None


async def test_token_count_is_an_estimate_that_grows_with_tools_and_context_is_as_given() -> None:
    backend = OpenAIBackend("localhost:8080", "qwen", lambda: None, context=32768)
    bare = await backend.count_tokens(HELLO, [])
    assert bare > 0
    assert await backend.count_tokens(HELLO, [WEATHER]) > bare
    assert backend.context_limit() == 32768


# --- the model list and the connection check ---


async def test_models_are_listed_and_check_says_how_many(server: OpenAIServer) -> None:
    server.models = ["tiny-chat", "qwen2.5-7b-instruct", "llama-3.1-8b"]
    backend = backend_for(server, key=KEY)
    assert await backend.list_models() == server.models
    assert await backend.check() == "Connected: 3 models available."
    assert server.seen[-1].path == "/v1/models"
    assert server.seen[-1].headers["authorization"] == f"Bearer {KEY}"


async def test_check_says_when_the_chosen_model_is_not_listed_or_none_is_chosen(server: OpenAIServer) -> None:
    server.models = ["only-one"]
    assert await backend_for(server).check() == (
        f'Connected: 1 model available, but none is named "{MODEL}". Pick one in Settings.'
    )
    no_model = OpenAIBackend(server.base_url, "", lambda: None)
    assert await no_model.check() == "Connected: 1 model available. Pick one of them in Settings."
    server.models = []
    assert await no_model.check() == "Connected, but the server lists no models."


async def test_odd_model_names_are_left_out_of_the_list(server: OpenAIServer) -> None:
    listing = {
        "data": [
            {"id": "good"},
            {"id": "good"},
            {"id": ""},
            {"id": 42},
            {"id": "evil\u202ename"},
            {"id": "line\nbreak"},
            {"id": "x" * 1000},
            "not an object",
            {"name": "no id"},
            {"id": "also-good"},
        ]
    }
    server.models_reply = raw(json.dumps(listing))
    assert await backend_for(server).list_models() == ["good", "also-good"]


@pytest.mark.parametrize(
    "body",
    ["<html>Welcome</html>", json.dumps({"models": []}), json.dumps([1, 2]), "[" * 100_000],
    ids=["html", "ollama-native-shape", "a-list", "nested-too-deep"],
)
async def test_a_model_list_that_is_not_openai_shaped_is_a_plain_problem(
    server: OpenAIServer, body: str
) -> None:
    server.models_reply = raw(body)
    with pytest.raises(ChatProblem) as caught:
        await backend_for(server).check()
    assert "did not answer like an OpenAI-compatible server" in caught.value.message


async def test_check_names_a_wrong_key_and_a_wrong_path(server: OpenAIServer) -> None:
    server.key = "sk-right"
    with pytest.raises(ChatProblem) as caught:
        await backend_for(server, key="sk-wrong").check()
    assert "did not accept the API key" in caught.value.message
    with pytest.raises(ChatProblem) as caught:
        await OpenAIBackend(server.root + "/api", MODEL, lambda: "sk-right").check()
    assert "has no model list here" in caught.value.message


async def test_check_against_an_unreachable_port_says_what_to_check() -> None:
    url = f"http://127.0.0.1:{unused_port()}/v1"
    with pytest.raises(ChatProblem) as caught:
        await OpenAIBackend(url, MODEL, lambda: None).check()
    assert caught.value.message.startswith(f"MCP Desk could not reach {url}.")


async def test_an_image_counts_as_an_image_not_as_its_base64(server: OpenAIServer) -> None:
    picture = "data:image/png;base64," + "A" * 1_000_000
    shown: list[Message] = [
        *HELLO,
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": picture}}]},
    ]
    plain = await backend_for(server).count_tokens(HELLO, [])
    assert (
        plain + IMAGE_TOKENS <= await backend_for(server).count_tokens(shown, []) < plain + IMAGE_TOKENS + 50
    )
