"""A real server process asks MCP Desk for a form, a web page and a model's answer, mid-call.

The user is played by `DeskUser`; every answer goes back through `ServerRequests` exactly as
the SDK client hands it over. The manager speaks 2026-07-28 to the fixture (questions ride
an `InputRequiredResult`); the last tests drive a 2025 connection, where refusals reach the
server itself.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import AuditFilter, AuditKind, AuditRecord
from desktop.core.consent import (
    Choice,
    ConsentGate,
    ConsentRequest,
    Decision,
    ElicitationAnswer,
    ElicitationRequest,
    SamplingRequest,
    SamplingReview,
)
from desktop.core.consent_rules import ConsentRules
from desktop.core.events import EventBus
from desktop.core.problem import Problem
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.server_requests import (
    ANSWER_DECLINED,
    MAX_MESSAGE,
    MAX_SAMPLING_TEXT,
    MAX_SAMPLING_TOKENS,
    NO_MODEL,
    SAMPLING_DECLINED,
    SAMPLING_OFF,
    SAMPLING_TOOLS,
    ServerRequests,
    form_schema,
)
from tests.e2e.conftest import ASKED, Spawned, fixture_server, manager_in
from tests.fixtures.servers.paths import server_path

pytestmark = pytest.mark.anyio

SERVER = "asks"
SECRET = "tok-5f3a9c1e-never-in-audit"


class DeskUser:
    """The user at the desk: tool calls allowed once; forms and reviews answered as scripted."""

    def __init__(self) -> None:
        self.form_answer = ElicitationAnswer("decline")
        self.reviews: deque[SamplingReview] = deque()
        self.elicited: list[ElicitationRequest] = []
        self.reviewed: list[tuple[SamplingRequest, str | None]] = []

    async def ask(self, request: ConsentRequest) -> Decision:
        return Decision(Choice.ALLOW_ONCE, request.arguments)

    async def elicit(self, request: ElicitationRequest) -> ElicitationAnswer:
        self.elicited.append(request)
        return self.form_answer

    async def review_sampling(self, request: SamplingRequest, answer: str | None) -> SamplingReview:
        self.reviewed.append((request, answer))
        return self.reviews.popleft() if self.reviews else SamplingReview(False)


class FakeSampler:
    """A model that always answers the same, and remembers what it was asked."""

    def __init__(self, answer: str = "The capital of France is Paris.") -> None:
        self.answer = answer
        self.asked: list[SamplingRequest] = []

    async def sample(self, request: SamplingRequest) -> str:
        self.asked.append(request)
        return self.answer


class NoModel:
    async def sample(self, request: SamplingRequest) -> str:
        raise Problem("Load a model on the Model page first.")


@dataclass
class Desk:
    manager: ServerManager
    consent: ConsentGate
    requests: ServerRequests
    user: DeskUser
    recording: Recording

    async def call(self, tool: str, **arguments: Any) -> tuple[bool, str]:
        outcome = await self.manager.call_tool(f"{SERVER}__{tool}", arguments, ASKED)
        return outcome.ok, outcome.text

    async def answer(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """What the server says it got back (its tool returns that as JSON)."""
        ok, text = await self.call(tool, **arguments)
        assert ok, text
        result: dict[str, Any] = json.loads(text)
        return result

    async def audit(self, kind: AuditKind) -> list[AuditRecord]:
        return await _audited(self.recording, kind)


async def _audited(recording: Recording, kind: AuditKind) -> list[AuditRecord]:
    assert isinstance(recording.audit, AuditTrail)
    return await recording.audit.query(AuditFilter(kind=kind))


@pytest.fixture
def user() -> DeskUser:
    return DeskUser()


@pytest.fixture
def rules(tmp_path: Path) -> ConsentRules:
    return ConsentRules(tmp_path / "consent.json")


@pytest.fixture
def requests(user: DeskUser, rules: ConsentRules, recording: Recording) -> ServerRequests:
    return ServerRequests(user, rules, recording.audit)


@pytest.fixture
async def desk(
    tmp_path: Path,
    recording: Recording,
    bus: EventBus,
    user: DeskUser,
    rules: ConsentRules,
    requests: ServerRequests,
) -> AsyncIterator[Desk]:
    """A real manager running the asks_user fixture, with `ServerRequests` wired in (as the app does)."""
    consent = ConsentGate(rules, user, recording.audit, bus)
    manager = manager_in(tmp_path, recording, bus, consent, requests)
    spawned = Spawned(manager)
    try:
        await manager.add(SERVER, fixture_server("asks_user"))
        await manager.start(SERVER)
        spawned.note()
        yield Desk(manager, consent, requests, user, recording)
    finally:
        spawned.note()
        await manager.shutdown()
        assert spawned.still_running() == [], "a server process outlived the test"


# -- forms -----------------------------------------------------------------------


async def test_an_accepted_form_reaches_the_server_and_the_audit_names_only_the_fields(
    desk: Desk, tmp_path: Path
) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "api_token": {"type": "string"},
            "age": {"type": "integer"},
        },
        "required": ["name", "api_token"],
    }
    desk.user.form_answer = ElicitationAnswer("accept", {"name": "Ann", "api_token": SECRET, "age": 41})
    got = await desk.answer("ask_form", message="Sign up, please.", schema=schema)
    assert got == {"action": "accept", "content": {"name": "Ann", "api_token": SECRET, "age": 41}}
    (asked,) = desk.user.elicited
    assert (asked.server, asked.message, asked.url) == (SERVER, "Sign up, please.", None)
    assert asked.schema is not None and set(asked.schema["properties"]) == {"name", "api_token", "age"}
    (record,) = await desk.audit(AuditKind.ELICITATION)
    assert record.data["server"] == SERVER and record.data["action"] == "accept"
    assert record.data["fields"] == ["age", "api_token", "name"]
    assert SECRET not in record.to_json() and "Ann" not in record.to_json()
    assert SECRET.encode() not in (tmp_path / "audit.db").read_bytes()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ({"age": 3}, "“name” is required"),
        ({"name": "Ann", "age": "old"}, "“age” should be an integer"),
        ({"name": "Ann", "color": "purple"}, "“color” must be one of"),
        ({"name": "Ann", "subscribe": "yes"}, "“subscribe” should be a boolean"),
        ({"name": "Ann", "shoe_size": 44}, "“shoe_size” is not one of"),
        ({"name": 7}, "“name” should be a string"),
    ],
)
async def test_an_answer_that_does_not_fit_the_form_is_never_sent(
    desk: Desk, content: dict[str, Any], why: str
) -> None:
    desk.user.form_answer = ElicitationAnswer("accept", content)
    got = await desk.answer("ask_form")
    assert got == {"action": "decline", "content": None}
    (record,) = await desk.audit(AuditKind.ELICITATION)
    assert record.data["action"] == "decline" and why in record.data["note"]


@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_decline_and_cancel_go_back_as_they_are(desk: Desk, action: str) -> None:
    desk.user.form_answer = ElicitationAnswer(action, {"name": "not sent"})
    assert await desk.answer("ask_form") == {"action": action, "content": None}
    (record,) = await desk.audit(AuditKind.ELICITATION)
    assert record.data["action"] == action and "fields" not in record.data


async def test_a_huge_message_is_cut_and_says_so(desk: Desk) -> None:
    await desk.answer("ask_form", message="x" * 50_000)
    (asked,) = desk.user.elicited
    assert asked.message.startswith("x" * MAX_MESSAGE) and len(asked.message) < MAX_MESSAGE + 200
    assert "50,000 characters" in asked.message and "first 2,000" in asked.message


@pytest.mark.parametrize(
    ("schema", "said"),
    [
        ({"type": "object", "properties": {"address": {"type": "object", "properties": {}}}}, "“address”"),
        (
            {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}},
            "“tags”",
        ),
        ({"type": "object", "properties": {f"f{i}": {"type": "string"} for i in range(51)}}, "at most 50"),
        ({"type": "object", "properties": {"pick": {"type": "string", "enum": []}}}, "choices"),
    ],
)
async def test_a_form_mcp_desk_cannot_show_is_refused_without_asking(
    desk: Desk, schema: dict[str, Any], said: str
) -> None:
    ok, text = await desk.call("ask_form", schema=schema)
    assert not ok and said in text
    assert desk.user.elicited == []
    (record,) = await desk.audit(AuditKind.ELICITATION)
    assert record.data["action"] == "refused" and said in record.data["note"]


async def test_titled_choices_are_shown_as_choices_and_checked(desk: Desk) -> None:
    pick = {"type": "string", "oneOf": [{"const": "s", "title": "Small"}, {"const": "l", "title": "Large"}]}
    schema = {"type": "object", "properties": {"size": pick}, "required": ["size"]}
    desk.user.form_answer = ElicitationAnswer("accept", {"size": "l"})
    assert await desk.answer("ask_form", schema=schema) == {"action": "accept", "content": {"size": "l"}}
    shown = desk.user.elicited[0].schema
    assert shown is not None
    assert shown["properties"]["size"]["enum"] == ["s", "l"]
    assert shown["properties"]["size"]["enumNames"] == ["Small", "Large"]


# -- web pages -------------------------------------------------------------------


async def test_a_url_is_shown_in_full_and_the_answer_goes_back(desk: Desk) -> None:
    url = "https://accounts.example.test/connect?state=abc&scope=read+write"
    desk.user.form_answer = ElicitationAnswer("accept")
    assert await desk.answer("ask_url", url=url) == {"action": "accept", "content": None}
    (asked,) = desk.user.elicited
    assert (asked.url, asked.schema, asked.server) == (url, None, SERVER)
    (record,) = await desk.audit(AuditKind.ELICITATION)
    assert record.data["mode"] == "url" and record.data["site"] == "accounts.example.test"
    assert record.data["action"] == "accept"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "https://", "https://e.test/" + "a" * 5000]
)
async def test_an_address_that_is_not_a_web_page_is_refused_without_asking(desk: Desk, url: str) -> None:
    ok, text = await desk.call("ask_url", url=url)
    assert not ok and "MCP Desk" in text
    assert desk.user.elicited == []
    (record,) = await desk.audit(AuditKind.ELICITATION)
    assert record.data["action"] == "refused"


# -- sampling --------------------------------------------------------------------


async def test_sampling_is_refused_while_it_is_off_and_nobody_is_asked(desk: Desk) -> None:
    sampler = FakeSampler()
    desk.requests.attach_sampler(sampler)
    ok, text = await desk.call("ask_model", prompt="What is the capital of France?")
    assert not ok and SAMPLING_OFF in text
    assert desk.user.reviewed == [] and sampler.asked == []
    (record,) = await desk.audit(AuditKind.SAMPLING)
    assert record.data == {"server": SERVER, "stage": "request", "decision": "refused", "note": SAMPLING_OFF}


async def test_sampling_shows_the_request_then_the_answer_and_sends_the_edited_answer(desk: Desk) -> None:
    await desk.consent.set_policy(SERVER, allow_sampling=True)
    sampler = FakeSampler()
    desk.requests.attach_sampler(sampler, model_name="tiny-test")
    desk.user.reviews.extend([SamplingReview(True), SamplingReview(True, "Paris (checked by me).")])
    got = await desk.answer("ask_model", prompt="What is the capital of France?", system_prompt="Be brief.")
    assert got == {
        "role": "assistant",
        "text": "Paris (checked by me).",
        "model": "tiny-test",
        "stop_reason": "endTurn",
    }
    (first, before), (second, after) = desk.user.reviewed
    assert before is None and after == sampler.answer and first is second
    assert first.messages == (("user", "What is the capital of France?"),)
    assert (first.server, first.system_prompt, first.max_tokens) == (SERVER, "Be brief.", 64)
    assert sampler.asked == [first]
    request_record, answer_record = await desk.audit(AuditKind.SAMPLING)
    assert (request_record.data["stage"], request_record.data["decision"]) == ("request", "approved")
    assert answer_record.data["decision"] == "approved" and answer_record.data["edited"] is True
    assert "Paris" not in request_record.to_json() + answer_record.to_json()


async def test_a_declined_request_never_reaches_the_model(desk: Desk) -> None:
    await desk.consent.set_policy(SERVER, allow_sampling=True)
    sampler = FakeSampler()
    desk.requests.attach_sampler(sampler)
    desk.user.reviews.append(SamplingReview(False))
    ok, text = await desk.call("ask_model", prompt="Tell me a secret.")
    assert not ok and SAMPLING_DECLINED in text
    assert sampler.asked == []
    (record,) = await desk.audit(AuditKind.SAMPLING)
    assert record.data["decision"] == "declined" and record.data["stage"] == "request"


async def test_a_declined_answer_never_reaches_the_server(desk: Desk) -> None:
    await desk.consent.set_policy(SERVER, allow_sampling=True)
    desk.requests.attach_sampler(FakeSampler())
    desk.user.reviews.extend([SamplingReview(True), SamplingReview(False)])
    ok, text = await desk.call("ask_model", prompt="What is the capital of France?")
    assert not ok and ANSWER_DECLINED in text and "Paris" not in text
    records = await desk.audit(AuditKind.SAMPLING)
    assert [(r.data["stage"], r.data["decision"]) for r in records] == [
        ("request", "approved"),
        ("answer", "declined"),
    ]


async def test_a_huge_sampling_request_is_cut_before_anyone_sees_it(desk: Desk) -> None:
    await desk.consent.set_policy(SERVER, allow_sampling=True)
    ok, _text = await desk.call("ask_model", prompt="y" * 100_000, max_tokens=10**9)
    assert not ok
    ((request, _answer),) = desk.user.reviewed
    ((_role, text),) = request.messages
    assert len(text) < MAX_SAMPLING_TEXT + 200 and "100,000 characters" in text
    assert request.max_tokens == MAX_SAMPLING_TOKENS


def _said(text: str) -> types.SamplingMessage:
    return types.SamplingMessage(role="user", content=types.TextContent(type="text", text=text))


PICTURE = types.ImageContent(type="image", data="iVBORw0KGgo=", mime_type="image/png")


@pytest.mark.parametrize(
    ("params", "said"),
    [
        (
            types.CreateMessageRequestParams(messages=[_said("hi")] * 101, max_tokens=10),
            "at most 100 messages",
        ),
        (
            types.CreateMessageRequestParams(
                messages=[_said("hi")],
                max_tokens=10,
                tools=[types.Tool(name="rm", input_schema={"type": "object"})],
            ),
            SAMPLING_TOOLS,
        ),
    ],
    ids=["too many messages", "tools for the model"],
)
async def test_sampling_requests_mcp_desk_does_not_pass_on_are_refused_without_asking(
    requests: ServerRequests,
    rules: ConsentRules,
    user: DeskUser,
    params: types.CreateMessageRequestParams,
    said: str,
) -> None:
    """The SDK stops tools on the wire (MCP Desk does not offer them); this is the check behind it."""
    rules.set_policy(SERVER, allow_sampling=True)
    requests.attach_sampler(FakeSampler())
    refused = await requests.sample(SERVER, params)
    assert isinstance(refused, types.ErrorData) and said in refused.message
    assert user.reviewed == []


async def test_a_picture_in_a_sampling_request_is_named_not_passed(
    requests: ServerRequests, rules: ConsentRules, user: DeskUser
) -> None:
    rules.set_policy(SERVER, allow_sampling=True)
    sampler = FakeSampler()
    requests.attach_sampler(sampler)
    user.reviews.extend([SamplingReview(True), SamplingReview(True, "A cat.")])
    question = types.TextContent(type="text", text="What is it?")
    message = types.SamplingMessage(role="user", content=[question, PICTURE])
    answer = await requests.sample(
        SERVER, types.CreateMessageRequestParams(messages=[message], max_tokens=10)
    )
    assert isinstance(answer, types.CreateMessageResult)
    assert answer.content == types.TextContent(type="text", text="A cat.")
    shown = "What is it?\n[image left out: the model reads text only]"
    assert sampler.asked[0].messages == (("user", shown),)


@pytest.mark.parametrize("sampler", [None, NoModel()], ids=["none attached", "no model loaded"])
async def test_without_a_model_the_server_is_told_so(desk: Desk, sampler: NoModel | None) -> None:
    await desk.consent.set_policy(SERVER, allow_sampling=True)
    desk.requests.attach_sampler(sampler)
    desk.user.reviews.append(SamplingReview(True))
    ok, text = await desk.call("ask_model", prompt="Hello?")
    assert not ok and NO_MODEL in text
    assert [answer for _request, answer in desk.user.reviewed] == [None]
    records = await desk.audit(AuditKind.SAMPLING)
    assert records[-1].data["decision"] == "failed" and records[-1].data["reason"]


# -- a 2025 connection: the refusal reaches the server itself ----------------------


async def _on_a_2025_connection(
    requests: ServerRequests, tool: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    callbacks = requests.callbacks(SERVER)
    params = StdioServerParameters(command=sys.executable, args=[str(server_path("asks_user"))])
    async with Client(
        stdio_client(params),
        mode="legacy",
        elicitation_callback=callbacks.elicitation,
        sampling_callback=callbacks.sampling,
        sampling_capabilities=callbacks.sampling_capabilities,
    ) as client:
        assert client.protocol_version == "2025-11-25"
        result = await client.call_tool(tool, arguments)
    text = result.content[0].text  # type: ignore[union-attr]
    got: dict[str, Any] = json.loads(text)
    return got


async def test_on_a_2025_connection_the_server_hears_the_refusal(requests: ServerRequests) -> None:
    got = await _on_a_2025_connection(requests, "ask_model", {"prompt": "Hello?"})
    assert got == {"error": SAMPLING_OFF}


async def test_on_a_2025_connection_forms_and_their_checks_work_the_same(
    requests: ServerRequests, user: DeskUser
) -> None:
    user.form_answer = ElicitationAnswer("accept", {"name": "Ann", "color": "green"})
    got = await _on_a_2025_connection(requests, "ask_form", {})
    assert got == {"action": "accept", "content": {"name": "Ann", "color": "green"}}
    user.form_answer = ElicitationAnswer("accept", {"name": "Ann", "color": "mauve"})
    assert await _on_a_2025_connection(requests, "ask_form", {}) == {"action": "decline", "content": None}


NOT_SENT_BY_THE_SDK = pytest.mark.parametrize(
    ("schema", "said"),
    [
        ({"type": "array", "items": {"type": "string"}}, "an object of fields"),
        ({"type": "object", "properties": ["name"]}, "“properties”"),
        ({"type": "object", "properties": {"name": {"type": "string"}}, "required": "name"}, "“required”"),
    ],
)


@NOT_SENT_BY_THE_SDK
async def test_schemas_the_sdk_stops_on_the_wire_never_reach_the_user(
    requests: ServerRequests, user: DeskUser, schema: dict[str, Any], said: str
) -> None:
    got = await _on_a_2025_connection(requests, "ask_form", {"schema": schema})
    assert got["error"] and user.elicited == []


@NOT_SENT_BY_THE_SDK
async def test_schemas_the_sdk_stops_are_refused_here_too(
    requests: ServerRequests, user: DeskUser, recording: Recording, schema: dict[str, Any], said: str
) -> None:
    """Behind the SDK's check: a client or SDK version that lets them through still can't show them."""
    params = types.ElicitRequestFormParams(message="Fill this in.", requested_schema=schema)
    refused = await requests.elicit(SERVER, params)
    assert isinstance(refused, types.ErrorData) and said in refused.message
    assert user.elicited == []
    (record,) = await _audited(recording, AuditKind.ELICITATION)
    assert record.data["action"] == "refused"


def test_the_harmless_rest_of_a_sloppy_form_is_kept_and_the_junk_dropped() -> None:
    raw = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": "three", "maxLength": 40, "format": "javascript"},
            "age": {"type": "integer", "default": "old", "title": "T" * 5000, "x-onload": "evil()"},
        },
        "required": [{"not": "a name"}, "name", "name", "ghost"],
    }
    schema = form_schema(raw)
    assert schema["required"] == ["name"]
    assert schema["properties"]["name"] == {"type": "string", "maxLength": 40}
    age = schema["properties"]["age"]
    assert set(age) == {"type", "title"} and len(age["title"]) < 400 and "5,000 characters" in age["title"]
