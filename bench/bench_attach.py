"""Attaching a 1 MB text resource and sending it, vs pasting the same text by hand: time to first token.

A fixture server (`tests/fixtures/servers/big_resource.py`) offers 1 MB of plain text. MCP Desk's
side: `ChatControl.attach` (the read over MCP, audited; counting and cutting it to half the context)
then `send`, until the first streamed text. The baseline: `send` of the very message the attachment
made, as if the user had pasted it, until its first text. Same services, same generated model (the
one bench_chat uses, context 2048), each turn in a new chat from an empty model cache; rounds
alternate so drift hits both alike. Goal: <= 1.1x.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_chat import BENCH_SHAPE
from common import ROOT, quick_rounds, report, services_in_fresh_home

from desktop.core.config import ServerConfig
from desktop.core.events import Event
from desktop.llm.backends.backend import ChatParams, ToolChoice
from desktop.llm.chat.attachments import with_attachments
from desktop.llm.chat.control import ChatSettings, ChatTextArrived, ChatTurnChanged
from desktop.llm.models.fit import LoadShape
from desktop.services import Services
from tests.fixtures.tiny_gguf import HERMES_TOOLS_TEMPLATE, write_gguf

CONTEXT = 2048
"""Half of it, about 1k tokens, is what the attachment may take: a turn of a few seconds on a CPU."""
QUESTION = "What is this text about?"
ATTACHING: list[float] = []
"""Seconds each attach took (the read, counting and cutting), before its send."""
SETTINGS = ChatSettings(params=ChatParams(temperature=0.0, max_tokens=4), tool_choice=ToolChoice.NONE)


class FirstText:
    """When each chat's first text arrived, and when its turn ended."""

    def __init__(self) -> None:
        self.first: dict[str, asyncio.Future[float]] = {}
        self.ended: dict[str, asyncio.Future[None]] = {}

    def watch(self, chat_id: str) -> None:
        loop = asyncio.get_running_loop()
        self.first[chat_id], self.ended[chat_id] = loop.create_future(), loop.create_future()

    def __call__(self, event: Event) -> None:
        if isinstance(event, ChatTextArrived) and not self.first[event.chat_id].done():
            self.first[event.chat_id].set_result(time.perf_counter())
        elif isinstance(event, ChatTurnChanged) and not event.busy and not self.ended[event.chat_id].done():
            self.ended[event.chat_id].set_result(None)


async def new_chat(services: Services, seen: FirstText) -> str:
    chat = await services.chats.create()
    await services.chats.save_settings(chat.id, SETTINGS)
    await services.models.run_on_model(lambda llama: llama.reset())  # type: ignore[no-untyped-call]
    seen.watch(chat.id)
    return chat.id


async def attached(services: Services, seen: FirstText) -> tuple[float, str]:
    chat_id = await new_chat(services, seen)
    started = time.perf_counter()
    attachment = await services.chats.attach("big", "big://text")
    ATTACHING.append(time.perf_counter() - started)
    message = with_attachments(QUESTION, [attachment])
    await services.chats.send(chat_id, message)
    first = await seen.first[chat_id]
    await seen.ended[chat_id]
    return first - started, message


async def pasted(services: Services, seen: FirstText, message: str) -> float:
    chat_id = await new_chat(services, seen)
    started = time.perf_counter()
    await services.chats.send(chat_id, message)
    first = await seen.first[chat_id]
    await seen.ended[chat_id]
    return first - started


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=quick_rounds(5))
    parser.add_argument("--quick", action="store_true", help="two rounds")
    args = parser.parse_args()
    services = services_in_fresh_home()
    seen = FirstText()
    services.events.subscribe(seen)
    with tempfile.TemporaryDirectory(prefix="mcp-desk-bench-") as folder:
        model = write_gguf(Path(folder) / "attach-bench.gguf", BENCH_SHAPE, template=HERMES_TOOLS_TEMPLATE)
        server = ServerConfig(
            command=sys.executable, args=[str(ROOT / "tests/fixtures/servers/big_resource.py")]
        )
        try:
            await services.manager.add(
                "big", server.model_copy(update={"trusted_launch": server.launch_hash()})
            )
            await services.manager.start("big")
            await services.models.load(model, LoadShape(context=CONTEXT))
            _warm, message = await attached(services, seen)
            print(f"the message: {len(message):,} characters of the 1 MB resource, context {CONTEXT}")
            ours, baseline = [], []
            for round_ in range(args.rounds):
                if round_ % 2 == 0:
                    baseline.append(await pasted(services, seen, message))
                ours.append((await attached(services, seen))[0])
                if round_ % 2 == 1:
                    baseline.append(await pasted(services, seen, message))
                print(f"  round: attached {ours[-1]:.3f} s, pasted {baseline[-1]:.3f} s")
            took = statistics.median(ATTACHING) * 1000
            print(f"of which attaching (read 1 MB over MCP, count, cut): {took:.0f} ms")
            report("Attach 1 MB and send vs paste, time to first token", ours, baseline, "s", "<= 1.1x")
        finally:
            await services.close()


if __name__ == "__main__":
    asyncio.run(main())
