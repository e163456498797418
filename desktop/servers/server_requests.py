"""What servers ask of MCP Desk in the middle of a call: the user (elicitation) or the model (sampling).

Each question goes to the user through the `ConsentAsker` before anything goes back. Forms
are checked on this side twice: the server's schema before the user sees it (flat fields
only, long text cut), and the user's answer before it is sent. Sampling stays off for a
server until the user turns it on in Permissions, and then each request and each answer is
shown first. Every decision goes to the audit trail, with field names but never their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import mcp_types as types
from mcp.client.session import ClientRequestContext, ElicitationFnT, SamplingFnT

from desktop.core.audit_records import AuditKind, AuditWriter
from desktop.core.consent import (
    ConsentAsker,
    ElicitationAnswer,
    ElicitationRequest,
    Sampler,
    SamplingRequest,
)
from desktop.core.consent_rules import ConsentRules
from desktop.core.json_schema import problems
from desktop.core.problem import Problem

MAX_MESSAGE = 2000
MAX_FIELDS = 50
MAX_CHOICES = 100
MAX_LABEL = 200
MAX_URL = 4096
MAX_SAMPLING_MESSAGES = 100
MAX_SAMPLING_TEXT = 20_000
MAX_SAMPLING_TOKENS = 4096
AUDIT_MESSAGE = 200
NOTE_KEY = "mcp-desk/note"
DEFAULT_MODEL_NAME = "MCP Desk local model"

SAMPLING_OFF = "Sampling is turned off for this server in MCP Desk's Permissions."
SAMPLING_DECLINED = "The user declined this sampling request."
ANSWER_DECLINED = "The user declined to send the model's answer."
NO_MODEL = "No model is available to answer."
SAMPLING_TOOLS = "MCP Desk does not give its model tools when a server asks it for text."

Action = Literal["accept", "decline", "cancel"]
_FIELD_TYPES = ("string", "number", "integer", "boolean")
_FIELD_KEYS = ("type", "enum", "enumNames", "format")
_BOUNDS = ("minimum", "maximum", "minLength", "maxLength")
_FORMATS = ("email", "uri", "date", "date-time")


class RequestProblem(Exception):
    """A server's request MCP Desk won't put to the user; the message goes back to the server."""


@dataclass(frozen=True)
class RequestCallbacks:
    """The SDK callbacks (and capability) one server's `Client` is built with."""

    elicitation: ElicitationFnT
    sampling: SamplingFnT
    sampling_capabilities: types.SamplingCapability


class ServerRequests:
    """Answers servers' elicitation and sampling requests, always through the user.

    `sampler` may be attached after construction (the chat side is built after the servers);
    until then sampling requests are refused with "No model is available to answer".
    """

    def __init__(
        self,
        asker: ConsentAsker,
        rules: ConsentRules,
        audit: AuditWriter,
        sampler: Sampler | None = None,
        model_name: str = DEFAULT_MODEL_NAME,
    ) -> None:
        self.sampler = sampler
        self.model_name = model_name
        self._asker = asker
        self._rules = rules
        self._audit = audit

    def attach_sampler(self, sampler: Sampler | None, model_name: str = DEFAULT_MODEL_NAME) -> None:
        self.sampler = sampler
        self.model_name = model_name

    def callbacks(self, server: str) -> RequestCallbacks:
        async def elicitation(
            context: ClientRequestContext, params: types.ElicitRequestParams
        ) -> types.ElicitResult | types.ErrorData:
            return await self.elicit(server, params)

        async def sampling(
            context: ClientRequestContext, params: types.CreateMessageRequestParams
        ) -> types.CreateMessageResult | types.CreateMessageResultWithTools | types.ErrorData:
            return await self.sample(server, params)

        return RequestCallbacks(elicitation, sampling, types.SamplingCapability())

    # -- elicitation -------------------------------------------------------------

    async def elicit(
        self, server: str, params: types.ElicitRequestParams
    ) -> types.ElicitResult | types.ErrorData:
        if isinstance(params, types.ElicitRequestURLParams):
            return await self._elicit_url(server, params)
        return await self._elicit_form(server, params)

    async def _elicit_form(
        self, server: str, params: types.ElicitRequestFormParams
    ) -> types.ElicitResult | types.ErrorData:
        record = {"server": server, "mode": "form", "message": params.message[:AUDIT_MESSAGE]}
        try:
            schema = form_schema(params.requested_schema)
        except RequestProblem as problem:
            return await self._refuse_elicitation(record, str(problem))
        answer = await self._asker.elicit(ElicitationRequest(server, cut_message(params.message), schema))
        action = _action(answer)
        if action != "accept":
            await self._audit.record(AuditKind.ELICITATION, {**record, "action": action})
            return types.ElicitResult(action=action)
        content = {k: v for k, v in (answer.content or {}).items() if v is not None}
        fields = sorted(str(name) for name in content)
        found = problems(content, schema)
        if found:
            note = "MCP Desk did not send the answer because it did not fit the form: " + " ".join(found)
            await self._audit.record(
                AuditKind.ELICITATION, {**record, "action": "decline", "fields": fields, "note": note}
            )
            return types.ElicitResult(action="decline", _meta={NOTE_KEY: note})
        await self._audit.record(AuditKind.ELICITATION, {**record, "action": "accept", "fields": fields})
        return types.ElicitResult(action="accept", content=content)

    async def _elicit_url(
        self, server: str, params: types.ElicitRequestURLParams
    ) -> types.ElicitResult | types.ErrorData:
        record = {"server": server, "mode": "url", "message": params.message[:AUDIT_MESSAGE]}
        problem = url_problem(params.url)
        if problem:
            return await self._refuse_elicitation(record, problem)
        record["site"] = urlsplit(params.url).hostname or ""
        answer = await self._asker.elicit(
            ElicitationRequest(server, cut_message(params.message), url=params.url)
        )
        action = _action(answer)
        await self._audit.record(AuditKind.ELICITATION, {**record, "action": action})
        return types.ElicitResult(action=action)

    async def _refuse_elicitation(self, record: dict[str, Any], message: str) -> types.ErrorData:
        await self._audit.record(AuditKind.ELICITATION, {**record, "action": "refused", "note": message})
        return types.ErrorData(code=types.INVALID_PARAMS, message=message)

    # -- sampling ----------------------------------------------------------------

    async def sample(
        self, server: str, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        record: dict[str, Any] = {"server": server, "stage": "request"}
        if not self._rules.policy(server).allow_sampling:
            return await self._refuse(record, "refused", SAMPLING_OFF)
        if params.tools or params.tool_choice:
            return await self._refuse(record, "refused", SAMPLING_TOOLS)
        try:
            request = sampling_request(server, params)
        except RequestProblem as problem:
            return await self._refuse(record, "refused", str(problem))
        record |= {"messages": len(request.messages), "max_tokens": request.max_tokens}
        if not (await self._asker.review_sampling(request, None)).approved:
            return await self._refuse(record, "declined", SAMPLING_DECLINED)
        await self._audit.record(AuditKind.SAMPLING, {**record, "decision": "approved"})
        record = {"server": server, "stage": "answer"}
        try:
            answer = await self._answer(request)
        except Problem as problem:
            return await self._refuse(record, "failed", NO_MODEL, problem.message)
        review = await self._asker.review_sampling(request, answer)
        if not review.approved:
            return await self._refuse(record, "declined", ANSWER_DECLINED)
        sent = {"decision": "approved", "edited": review.text != answer, "model": self.model_name}
        await self._audit.record(AuditKind.SAMPLING, {**record, **sent})
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=review.text),
            model=self.model_name,
            stop_reason="endTurn",
        )

    async def _answer(self, request: SamplingRequest) -> str:
        """The model's answer; raises `Problem` when there is no model to ask."""
        if self.sampler is None:
            raise Problem("No model is attached to answer servers yet.")
        return await self.sampler.sample(request)

    async def _refuse(
        self, record: dict[str, Any], decision: str, message: str, reason: str = ""
    ) -> types.ErrorData:
        data = {**record, "decision": decision, "note": message}
        if reason:
            data["reason"] = reason
        await self._audit.record(AuditKind.SAMPLING, data)
        return types.ErrorData(code=types.INVALID_REQUEST, message=message)


def _action(answer: ElicitationAnswer) -> Action:
    """The user's answer as the protocol's action; anything unexpected counts as cancel."""
    match answer.action:
        case "accept" | "decline" | "cancel" as action:
            return action
    return "cancel"


def cut_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text`, or its start with a sentence saying how much was left out."""
    if len(text) <= limit:
        return text
    return (
        f"{text[:limit]}\n\n[MCP Desk cut this short: the server sent {len(text):,} characters "
        f"and only the first {limit:,} are kept.]"
    )


def url_problem(url: str) -> str:
    """Why MCP Desk won't offer to open `url`, or "" when it may."""
    if len(url) > MAX_URL:
        return f"MCP Desk does not open addresses longer than {MAX_URL:,} characters."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "MCP Desk only opens web pages (http or https addresses)."
    return ""


def form_schema(raw: Any) -> dict[str, Any]:
    """The requested form, reduced to what MCP Desk shows and checks; raises `RequestProblem`."""
    if not isinstance(raw, dict) or raw.get("type", "object") != "object":
        raise RequestProblem("MCP Desk can only show a form whose schema is an object of fields.")
    properties = raw.get("properties", {})
    if not isinstance(properties, dict):
        raise RequestProblem("MCP Desk can only show a form whose “properties” is an object of fields.")
    if len(properties) > MAX_FIELDS:
        raise RequestProblem(f"MCP Desk shows forms of at most {MAX_FIELDS} fields.")
    fields = {str(name): _field(str(name), spec) for name, spec in properties.items()}
    required = raw.get("required", [])
    if not isinstance(required, list):
        raise RequestProblem("MCP Desk can only show a form whose “required” is a list of field names.")
    schema: dict[str, Any] = {"type": "object", "properties": fields, "additionalProperties": False}
    names = [name for name in required if isinstance(name, str) and name in fields]
    schema["required"] = list(dict.fromkeys(names))
    return schema


def _field(name: str, spec: Any) -> dict[str, Any]:
    shown = name[:MAX_LABEL]
    if len(name) > MAX_LABEL or not isinstance(spec, dict):
        raise RequestProblem(f"MCP Desk can't show the form field “{shown}”.")
    if "oneOf" in spec:
        spec = {**spec, **_titled_choices(shown, spec["oneOf"])}
    kind = spec.get("type")
    if kind not in _FIELD_TYPES:
        raise RequestProblem(
            f"MCP Desk can only show simple form fields (text, numbers, yes/no, one choice); "
            f"“{shown}” is of type {str(kind)[:MAX_LABEL]!r}."
        )
    field = {key: spec[key] for key in _FIELD_KEYS if key in spec}
    field |= {key: spec[key] for key in _BOUNDS if _is_number(spec.get(key))}
    for key in ("title", "description"):
        if isinstance(spec.get(key), str):
            field[key] = cut_message(spec[key], MAX_LABEL)
    if field.get("format") not in (None, *_FORMATS):
        del field["format"]
    _check_choices(shown, field)
    if "default" in spec and not problems(spec["default"], field):
        field["default"] = spec["default"]
    return field


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _titled_choices(name: str, options: Any) -> dict[str, Any]:
    """A titled single choice (`oneOf` of `const` and `title`) as `enum` and `enumNames`."""
    if not isinstance(options, list) or not all(isinstance(o, dict) and "const" in o for o in options):
        raise RequestProblem(f"MCP Desk can't show the choices of the form field “{name}”.")
    return {
        "type": "string",
        "enum": [o["const"] for o in options],
        "enumNames": [str(o.get("title", o["const"])) for o in options],
    }


def _check_choices(name: str, field: dict[str, Any]) -> None:
    if "enum" in field:
        choices = field["enum"]
        if not isinstance(choices, list) or not choices or len(choices) > MAX_CHOICES:
            raise RequestProblem(f"The form field “{name}” must offer between 1 and {MAX_CHOICES} choices.")
        if not all(isinstance(c, str) and len(c) <= MAX_LABEL for c in choices):
            raise RequestProblem(f"The choices of the form field “{name}” must be short pieces of text.")
    names = field.pop("enumNames", None)
    if isinstance(names, list) and len(names) == len(field.get("enum", ())):
        field["enumNames"] = [cut_message(str(n), MAX_LABEL) for n in names]


def sampling_request(server: str, params: types.CreateMessageRequestParams) -> SamplingRequest:
    """What the user is shown and the model is given: text only, long parts cut.

    Raises `RequestProblem` for more messages than MCP Desk passes on.
    """
    if len(params.messages) > MAX_SAMPLING_MESSAGES:
        raise RequestProblem(f"MCP Desk passes at most {MAX_SAMPLING_MESSAGES} messages to its model.")
    return SamplingRequest(
        server,
        tuple((message.role, _sampling_text(message)) for message in params.messages),
        cut_message(params.system_prompt or "", MAX_SAMPLING_TEXT),
        max(1, min(params.max_tokens, MAX_SAMPLING_TOKENS)),
    )


def _sampling_text(message: types.SamplingMessage) -> str:
    parts = [
        block.text
        if isinstance(block, types.TextContent)
        else f"[{block.type} left out: the model reads text only]"
        for block in message.content_as_list
    ]
    return cut_message("\n".join(parts), MAX_SAMPLING_TEXT)
