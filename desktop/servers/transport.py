"""The stdio transport MCP Desk hands to the SDK's `Client`.

The SDK does all of JSON-RPC; this module only runs the server's program and moves
newline-framed messages between its pipes and the session, with the guards a
desktop app needs that the SDK's own `stdio_client` leaves to its caller: the
process (and its pid) stays in our hands for stats and stopping, stderr is captured
instead of inherited, and stdout junk, huge lines and floods are contained.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
import mcp_types as types
from anyio.abc import ByteReceiveStream, Process
from anyio.streams.memory import MemoryObjectSendStream
from mcp.client._transport import TransportStreams
from mcp.shared.message import SessionMessage

from desktop.servers.launch import Launch
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.proctree import ProcessTree
from desktop.servers.result_type import complete_by_default
from desktop.servers.wire_tap import CallTrace, WireTap, current_call

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
MAX_OUTPUT_LINE_CHARS = 4000
STDIN_CLOSE_GRACE = 2.0
TERMINATE_GRACE = 2.0
STDOUT_DRAIN_GRACE = 0.5
"""After the program ended, how long its last output may take to arrive (a grandchild can hold the pipe)."""
_EXIT_POLL = 0.05
_JUNK_SHOWN = 20
UNHEARD = frozenset({"notifications/message"})
"""Notifications nothing behind the session listens to (`sdk_client` gives the SDK no logging
callback): the wire tap logs them, and the session is spared a flood of them, which would
cost it a task and a second validation each."""

OutputSink = Callable[[str], None]
_Outgoing = tuple[SessionMessage, CallTrace | None]


class LineSplitter:
    """Splits a byte stream into lines, dropping any line longer than `limit`."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._buffer = bytearray()
        self._discarding = False
        self.dropped = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        lines: list[bytes] = []
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            if self._discarding:
                self._discarding = False
            elif len(self._buffer) + end - start <= self._limit:
                self._buffer += chunk[start:end]
                lines.append(bytes(self._buffer).rstrip(b"\r"))
            else:
                self.dropped += 1
            self._buffer.clear()
            start = end + 1
        if not self._discarding:
            self._buffer += chunk[start:]
            if len(self._buffer) > self._limit:
                self._buffer.clear()
                self._discarding = True
                self.dropped += 1
        return lines


class StdioTransport:
    """One run of a server program; `open()` is the `Transport` the SDK's `Client` takes.

    Every line written and read is shown to `tap` as it is. `exited` is set as soon as
    the program ends, for whatever reason.
    """

    def __init__(self, launch: Launch, output: OutputSink, leftovers: LeftoverRegistry, tap: WireTap) -> None:
        self._server = tap.server
        self._launch = launch
        self._output = output
        self._leftovers = leftovers
        self._tap = tap
        self._junk = 0
        self._stdout_done = anyio.Event()
        # Shielded so the reader outlives a stop and records the server's last words; the
        # shutdown ends it explicitly.
        self._stdout_reading = anyio.CancelScope(shield=True)
        self.exited = anyio.Event()
        self.exit_code: int | None = None
        self.tree: ProcessTree | None = None

    @property
    def pid(self) -> int | None:
        return self.tree.pid if self.tree else None

    @asynccontextmanager
    async def open(self) -> AsyncIterator[TransportStreams]:
        process = await _spawn(self._launch)
        self.tree = ProcessTree(process.pid)
        self._leftovers.record(self._server, process.pid)
        to_session, from_server = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        outgoing, from_session = anyio.create_memory_object_stream[_Outgoing](0)
        to_server = _TracedSender(outgoing)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._read_stdout, process, to_session)
            tasks.start_soon(self._read_stderr, process)
            tasks.start_soon(self._write_stdin, process, from_session)
            tasks.start_soon(self._watch_exit, process)
            try:
                yield from_server, to_server
            finally:
                with anyio.CancelScope(shield=True):
                    await from_server.aclose()
                    await self._shut_down(process)
                    with anyio.move_on_after(STDOUT_DRAIN_GRACE):
                        await self._stdout_done.wait()
                    self._stdout_reading.cancel()
                    for stream in (to_server, to_session, from_session):
                        await stream.aclose()
                tasks.cancel_scope.cancel()

    async def _read_stdout(
        self, process: Process, to_session: MemoryObjectSendStream[SessionMessage | Exception]
    ) -> None:
        assert process.stdout is not None
        splitter = LineSplitter(MAX_MESSAGE_BYTES)
        session_open = True
        with self._stdout_reading:
            async for chunk in _chunks(process.stdout):
                for line in splitter.feed(chunk):
                    message = self._parse(line)
                    if message is None:
                        continue
                    self._tap.received(message.message, line)
                    if not session_open or _unheard(message):
                        continue
                    try:
                        await to_session.send(complete_by_default(message))
                    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                        # Keep reading after the session left: the log sees the last words
                        # too, and a server never blocks writing to a full pipe.
                        session_open = False
                if splitter.dropped:
                    self._note(
                        f"dropped a line of more than {MAX_MESSAGE_BYTES // 2**20} MiB from its output"
                    )
                    splitter.dropped = 0
        self._stdout_done.set()
        to_session.close()

    def _parse(self, line: bytes) -> SessionMessage | None:
        if not line.strip():
            return None
        try:
            return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
        except ValueError:
            self._tap.junk(line)
            self._junk += 1
            if self._junk <= _JUNK_SHOWN or self._junk % 1000 == 0:
                preview = line[:200].decode("utf-8", "replace")
                self._note(f"ignored output that is not an MCP message ({self._junk} so far): {preview}")
            return None

    async def _read_stderr(self, process: Process) -> None:
        assert process.stderr is not None
        splitter = LineSplitter(MAX_OUTPUT_LINE_CHARS * 4)
        async for chunk in _chunks(process.stderr):
            for line in splitter.feed(chunk):
                text = line.decode("utf-8", "replace")[:MAX_OUTPUT_LINE_CHARS]
                self._output(text)
                self._tap.stderr(text)

    async def _write_stdin(
        self, process: Process, from_session: anyio.abc.ObjectReceiveStream[_Outgoing]
    ) -> None:
        assert process.stdin is not None
        with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
            async with from_session:
                async for message, trace in from_session:
                    data = message.message.model_dump_json(by_alias=True, exclude_unset=True).encode()
                    self._tap.sent(message.message, data, trace)
                    await process.stdin.send(data + b"\n")

    async def _watch_exit(self, process: Process) -> None:
        # Not process.wait(): it also waits for pipe EOF, which a grandchild can hold open.
        while process.returncode is None:  # noqa: ASYNC110
            await anyio.sleep(_EXIT_POLL)
        self.exit_code = process.returncode
        self.exited.set()

    async def _shut_down(self, process: Process) -> None:
        """Close stdin, give the program time to leave, then end its whole tree."""
        assert process.stdin is not None and self.tree is not None
        self.tree.alive()
        with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.stdin.aclose()
        with anyio.move_on_after(STDIN_CLOSE_GRACE):
            await self.exited.wait()
        killed = await anyio.to_thread.run_sync(self.tree.end, TERMINATE_GRACE)
        if process.pid in killed:
            self._note("did not stop when asked and was ended by force")
        with anyio.move_on_after(1.0):
            await self.exited.wait()
        self._leftovers.forget(process.pid)
        if sys.platform == "win32":
            from mcp.os.win32.utilities import close_process_job

            close_process_job(process)
        with contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            await process.aclose()

    def _note(self, text: str) -> None:
        self._output(f"[MCP Desk] The server {text}.")


class _TracedSender:
    """The session's write stream: carries the caller's `CallTrace` along with each message.

    The SDK writes a request in the task of whoever made it, so `current_call` here is
    that caller's; the writer task that puts it on the pipe runs elsewhere.
    """

    def __init__(self, inner: anyio.abc.ObjectSendStream[_Outgoing]) -> None:
        self._inner = inner

    async def send(self, item: SessionMessage, /) -> None:
        await self._inner.send((item, current_call.get()))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _TracedSender:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _unheard(message: SessionMessage) -> bool:
    inner = message.message
    return isinstance(inner, types.JSONRPCNotification) and inner.method in UNHEARD


async def _chunks(stream: ByteReceiveStream) -> AsyncIterator[bytes]:
    with contextlib.suppress(
        anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError
    ):
        while True:
            yield await stream.receive(65536)


async def _spawn(launch: Launch) -> Process:
    if sys.platform == "win32":
        from mcp.os.win32.utilities import create_windows_process

        return await create_windows_process(  # type: ignore[return-value]
            launch.program,
            list(launch.args),
            launch.env,
            subprocess.PIPE,
            launch.cwd,  # type: ignore[arg-type]
        )
    return await anyio.open_process(
        launch.argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=launch.env,
        cwd=launch.cwd,
        start_new_session=True,
    )
