"""A link an app view asks to open: through the consent gate, its decision in the audit trail.

The gate sees it as a tool of the view's server (`open_link`, one per address, never read-only),
so the user's Never, their remembered answers and the server's defaults hold for it as for a call.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from desktop.core.audit_records import AuditKind, AuditWriter
from desktop.core.consent import CallContext, ConsentGate
from desktop.core.events import ToolInfo
from desktop.servers.call_records import call_data
from desktop.servers.control import ServerProblem

OPEN_LINK = "open_link"
"""The name a view's link goes by at the consent gate and in the audit trail."""


def link_tool(server: str, url: str, asker: str) -> ToolInfo:
    return ToolInfo(
        server,
        OPEN_LINK,
        f"{asker} wants to open {url} in your web browser.",
        {"type": "object", "properties": {"url": {"type": "string", "const": url}}},
        title=f"Open {url} in the browser",
        annotations={"readOnlyHint": False, "openWorldHint": True},
    )


class AppLinks:
    def __init__(self, consent: ConsentGate, audit: AuditWriter) -> None:
        self._consent = consent
        self._audit = audit

    async def allow(self, server: str, url: str, context: CallContext) -> bool:
        """Whether the user lets the view open `url`; only web addresses are ever asked about."""
        if urlsplit(url).scheme not in ("https", "http"):
            raise ServerProblem(
                "The app asked to open something that is not a web address, so MCP Desk did not open it.",
                f"refused link: {url[:200]}",
            )
        tool = link_tool(server, url, context.app or "The app")
        asked = {"url": url}
        decision = await self._consent.decide(tool, asked, context)
        await self._audit.record(AuditKind.TOOL_CALL, call_data(tool, asked, decision, context))
        return decision.allowed
