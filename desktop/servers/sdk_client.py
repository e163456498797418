"""The SDK's `Client` for one run of a server, as MCP Desk opens it."""

from __future__ import annotations

import mcp_types as types
from mcp import Client
from mcp.client._transport import Transport
from mcp.client.client import ConnectMode
from mcp.client.session import MessageHandlerFnT

from desktop.core.config import ServerConfig
from desktop.servers.server_requests import RequestCallbacks
from desktop.servers.task_extension import TasksExtension

CLIENT_INFO = types.Implementation(name="mcp-desk", version="0.1.0")


def new_client(
    transport: Transport,
    config: ServerConfig,
    mode: ConnectMode,
    on_message: MessageHandlerFnT,
    requests: RequestCallbacks | None,
) -> Client:
    """A client that begins as `mode` says (see `revisions`), caches nothing (the catalogue is
    kept current by `tool_watch`), hands a server's questions to `requests`, and follows a call the
    server turns into a task (`task_extension`)."""
    return Client(
        transport,
        message_handler=on_message,
        client_info=CLIENT_INFO,
        cache=None,
        read_timeout_seconds=config.request_timeout,
        mode=mode,
        elicitation_callback=requests.elicitation if requests else None,
        sampling_callback=requests.sampling if requests else None,
        sampling_capabilities=requests.sampling_capabilities if requests else None,
        extensions=[TasksExtension()],
    )
