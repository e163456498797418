"""Chat answers from any OpenAI-compatible server: llama.cpp's server, vLLM, Ollama, LM Studio.

`OpenAIBackend` posts `{base}/chat/completions` with `stream: true` and reads the server-sent
events as they come (see `openai_stream`): prose goes to `on_text`, tool-call fragments are put
together by index and their arguments parsed once the answer is complete. Everything the server
sends is hostile until read: lines that are not events are skipped, an answer past `max_bytes` is
cut off, and a call whose arguments are not a JSON object comes back with `arguments=None` and a
`problem`, never an exception. Every failure a user can act on is a `ChatProblem`, with the key
scrubbed from it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx2

from desktop.llm.backends.backend import (
    ChatParams,
    ChatProblem,
    Completion,
    Message,
    TextListener,
    ToolChoice,
    ToolSpec,
)
from desktop.llm.backends.openai_stream import (
    DETAIL_BYTES,
    StreamedAnswer,
    json_text,
    short,
    strict_json,
    too_big,
)

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""The most one answer (or one model list) may send before MCP Desk stops reading."""
TIMEOUT_S = 300.0
"""How long the server may stay silent; a long prompt on a slow machine takes minutes."""
CHARS_PER_TOKEN = 4
IMAGE_TOKENS = 1_100
"""About what one image costs a vision model (OpenAI's high detail: 85 + 170 a 512-pixel tile)."""
_CONNECT_S = 10.0
_CANCEL_POLL_S = 0.05
_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id")


def normalise_base_url(url: str) -> str:
    """The API root for what a user typed: a bare host gets `/v1`, any other path is kept.

    `localhost:8080` is read as http, and a pasted `.../chat/completions` or `.../models` is taken off.
    """
    text = url.strip()
    if not text:
        return ""
    text = (text if "://" in text else "http://" + text).rstrip("/")
    for tail in ("/chat/completions", "/models"):
        text = text.removesuffix(tail)
    return text + "/v1" if urlsplit(text).path in ("", "/") else text


def request_body(
    model: str, messages: list[Message], tools: list[ToolSpec], params: ChatParams, choice: ToolChoice
) -> dict[str, Any]:
    """What goes on the wire; tools and tool_choice are left out when no tool is offered."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [_wire_message(message) for message in messages],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": params.temperature,
        "top_p": params.top_p,
        "max_tokens": params.max_tokens,
    }
    if tools:
        body["tools"] = list(tools)
        body["tool_choice"] = choice.value
    return body


def _without_images(messages: list[Message]) -> tuple[list[Message], int]:
    """The messages with their images taken out (their base64 is not text), and how many there were."""
    texts, images = [], 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            kept = [
                part for part in content if not (isinstance(part, dict) and part.get("type") == "image_url")
            ]
            images += len(content) - len(kept)
            message = {**message, "content": kept}
        texts.append(message)
    return texts, images


def _wire_message(message: Message) -> dict[str, Any]:
    wire = {key: value for key, value in message.items() if key in _MESSAGE_KEYS}
    if wire.get("role") == "tool" and not isinstance(wire.get("content", ""), str):
        wire["content"] = json_text(wire["content"])
    if isinstance(wire.get("tool_calls"), list):
        wire["tool_calls"] = [_wire_call(call) for call in wire["tool_calls"] if isinstance(call, dict)]
    return wire


def _wire_call(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function")
    function = function if isinstance(function, dict) else {}
    arguments = function.get("arguments")
    text = arguments if isinstance(arguments, str) else json_text(arguments or {})
    return {"id": call.get("id", ""), "type": "function", "function": {**function, "arguments": text}}


class OpenAIBackend:
    """A `ChatBackend` for an OpenAI-compatible endpoint; one HTTP client per request, none kept open.

    `key` is asked for the API key at each request (None or "" sends none). `count_tokens` is an
    estimate, the JSON's characters over four: these servers share no way to count exactly.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        key: Callable[[], str | None],
        context: int = 8192,
        transport: httpx2.AsyncBaseTransport | None = None,
        *,
        timeout_s: float = TIMEOUT_S,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.model = model.strip()
        self._key = key
        self._context = context
        self._transport = transport
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes

    def ready(self) -> str | None:
        if self.base_url and not self.model:
            return "Choose the model to use on the server in Settings."
        return self._address_problem()

    def context_limit(self) -> int:
        return self._context

    async def count_tokens(self, messages: list[Message], tools: list[ToolSpec]) -> int:
        texts, images = _without_images(messages)
        return -(-len(json_text([texts, tools])) // CHARS_PER_TOKEN) + images * IMAGE_TOKENS

    async def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        params: ChatParams,
        tool_choice: ToolChoice,
        on_text: TextListener,
        cancel: threading.Event,
    ) -> Completion:
        if problem := self.ready():
            raise ChatProblem(problem)
        body = request_body(self.model, messages, tools, params, tool_choice)
        answer = StreamedAnswer(self.base_url, on_text, self._max_bytes, time.perf_counter())
        task = asyncio.ensure_future(self._stream(body, answer, cancel))
        try:
            while not task.done() and not cancel.is_set():
                await asyncio.wait({task}, timeout=_CANCEL_POLL_S)
        finally:
            task.cancel()
        outcome = (await asyncio.gather(task, return_exceptions=True))[0]
        if cancel.is_set():
            return answer.completion(cancelled=True)
        if isinstance(outcome, BaseException):
            raise outcome
        return answer.completion()

    async def warm_up(self, messages: list[Message], tools: list[ToolSpec]) -> None:
        """Nothing to prepare: the endpoint reads the prompt its own way."""

    async def list_models(self) -> list[str]:
        """The model names the server offers, in its order; empty, long or unprintable names left out."""
        if problem := self._address_problem():
            raise ChatProblem(problem)
        async with self._reply("GET", f"{self.base_url}/models") as reply:
            data = await self._read(reply)
        try:
            listing = strict_json(data.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            listing = None
        if not isinstance(listing, dict) or not isinstance(listing.get("data"), list):
            raise ChatProblem(
                f"The server at {self.base_url} did not answer like an OpenAI-compatible server. "
                "Check the address in Settings; it usually ends in /v1.",
                self._scrub(data[:DETAIL_BYTES].decode("utf-8", "replace")),
            )
        names = [entry.get("id") for entry in listing["data"] if isinstance(entry, dict)]
        good = [
            name for name in names if isinstance(name, str) and 0 < len(name) <= 256 and name.isprintable()
        ]
        return list(dict.fromkeys(good))[:1000]

    async def check(self) -> str:
        """A sentence saying the server answered and how many models it offers; raises ChatProblem."""
        models = await self.list_models()
        count = f"{len(models)} model{'' if len(models) == 1 else 's'} available"
        if not models:
            return "Connected, but the server lists no models."
        if not self.model:
            return f"Connected: {count}. Pick one of them in Settings."
        if self.model not in models:
            return f'Connected: {count}, but none is named "{short(self.model)}". Pick one in Settings.'
        return f"Connected: {count}."

    async def _stream(self, body: dict[str, Any], answer: StreamedAnswer, cancel: threading.Event) -> None:
        async with self._reply("POST", f"{self.base_url}/chat/completions", body) as reply:
            if reply.headers.get("content-type", "").startswith("application/json"):
                answer.whole(await self._read(reply))
                return
            async for piece in reply.aiter_bytes():
                answer.feed(piece)
                if cancel.is_set():
                    return
            answer.end()

    @asynccontextmanager
    async def _reply(
        self, method: str, url: str, body: dict[str, Any] | None = None
    ) -> AsyncIterator[httpx2.Response]:
        """A reply with a 2xx status; what goes wrong, here or in the caller's block, as a ChatProblem."""
        headers = {"Content-Type": "application/json"}
        if key := (self._key() or "").strip():
            headers["Authorization"] = f"Bearer {key}"
        content = None if body is None else json_text(body).encode()
        timeout = httpx2.Timeout(self._timeout_s, connect=min(_CONNECT_S, self._timeout_s))
        try:
            async with (
                httpx2.AsyncClient(transport=self._transport, timeout=timeout) as client,
                client.stream(method, url, content=content, headers=headers) as reply,
            ):
                if not 200 <= reply.status_code < 300:
                    head = (await self._read(reply, DETAIL_BYTES)).decode("utf-8", "replace")
                    sentence = _status_sentence(reply.status_code, self.base_url, self.model, body is None)
                    raise ChatProblem(sentence, f"HTTP {reply.status_code} from {method} {url}\n{head}")
                yield reply
        except ChatProblem as problem:
            raise ChatProblem(problem.message, self._scrub(problem.details)) from None
        except (httpx2.TransportError, httpx2.InvalidURL) as error:
            details = self._scrub(f"{type(error).__name__}: {error}")
            raise ChatProblem(_transport_sentence(error, self.base_url, self._timeout_s), details) from None

    async def _read(self, reply: httpx2.Response, cut_at: int | None = None) -> bytes:
        """The whole body: cut at `cut_at`, or refused past `max_bytes` when no cut is asked for."""
        data = bytearray()
        async for piece in reply.aiter_bytes():
            data += piece
            if cut_at is not None and len(data) >= cut_at:
                return bytes(data[:cut_at])
            if len(data) > self._max_bytes:
                raise too_big(self.base_url, self._max_bytes)
        return bytes(data)

    def _scrub(self, text: str) -> str:
        key = (self._key() or "").strip()
        return text.replace(key, "***") if key else text

    def _address_problem(self) -> str | None:
        if not self.base_url:
            return "Enter the address of the OpenAI-compatible server in Settings."
        parts = urlsplit(self.base_url)
        return _BAD_ADDRESS if parts.scheme not in ("http", "https") or not parts.hostname else None


_BAD_ADDRESS = "The server address in Settings should look like http://localhost:8080/v1; check it."
_KEY_REFUSED = "The server at {where} did not accept the API key. Check the key in Settings."
_STATUS = {
    401: _KEY_REFUSED,
    403: _KEY_REFUSED,
    404: 'The server at {where} does not know the model "{model}" or this address. '
    "Check the model name and the address in Settings.",
    429: "The server at {where} is limiting requests right now. Wait a moment and try again.",
    400: "The server at {where} refused the request (HTTP {status}). Open the details to see why; a "
    "conversation too long for the model, or a model without tool support, are common causes.",
    500: "The server at {where} failed with an internal error (HTTP {status}). "
    "Check its log, then try again.",
    300: "The server at {where} answered in a way MCP Desk did not expect (HTTP {status}). "
    "Check the address in Settings; it usually ends in /v1.",
}
_NO_LIST = (
    "The server at {where} has no model list here. Check the address in Settings; it usually ends in /v1."
)


def _status_sentence(status: int, where: str, model: str, listing: bool) -> str:
    fallback = _STATUS[500 if status >= 500 else 400 if status >= 400 else 300]
    sentence = _NO_LIST if status == 404 and listing else _STATUS.get(status, fallback)
    return sentence.format(where=where, model=short(model), status=status)


def _transport_sentence(error: Exception, where: str, timeout_s: float) -> str:
    if isinstance(error, httpx2.UnsupportedProtocol | httpx2.InvalidURL):
        return _BAD_ADDRESS
    if isinstance(error, httpx2.TimeoutException) and not isinstance(error, httpx2.ConnectTimeout):
        return (
            f"The server at {where} sent nothing for {timeout_s:g} seconds, so MCP Desk stopped waiting. "
            "Check the server's log, then try again."
        )
    if isinstance(error, httpx2.RemoteProtocolError | httpx2.ReadError | httpx2.DecodingError):
        return (
            f"The connection to {where} broke off in the middle of the answer. "
            "Check the server's log, then try again."
        )
    return (
        f"MCP Desk could not reach {where}. Check that the server is running and the address in Settings "
        "is right."
    )
