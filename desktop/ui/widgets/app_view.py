"""An MCP App's view: the server's HTML in a sandboxed Qt WebEngine page (imported only where the
web view part is installed, `ui/web_part`).

The fence: one off-the-record profile for every view (no disk cache, no cookies kept); the HTML
served from MCP Desk's own scheme (`mcp-app://<view>/`), never a file, with its CSP first in the
document; a request interceptor that lets out only what the resource declared (`may_load`); no
navigation away from that one address, no new windows, every permission (camera, microphone,
location, clipboard, notifications) denied. The view talks to MCP Desk as to an iframe's parent:
a script put in before its own replaces `window.parent` with a port whose messages reach
`message_posted` through QWebChannel, and `post` delivers MCP Desk's as `message` events.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QFile,
    QIODevice,
    QObject,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEnginePermission,
    QWebEngineProfile,
    QWebEngineScript,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlSchemeHandler,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from desktop.servers.app_views import (
    AppDomains,
    AppResource,
    content_security_policy,
    may_load,
    with_policy,
)
from desktop.servers.web_part_folder import VIEW_SCHEME
from desktop.ui.web_part import register_view_scheme

BRIDGE_SCRIPT = """
(function () {
  const port = new MessageChannel().port1;
  const waiting = [];
  let host = null;
  port.postMessage = function (message) {
    const text = JSON.stringify(message);
    if (host) { host.receive(text); } else { waiting.push(text); }
  };
  Object.defineProperty(window, "parent", { value: port, configurable: false });
  Object.defineProperty(window, "__mcpDeskDeliver", {
    value: function (message) {
      window.dispatchEvent(new MessageEvent("message", { data: message, source: port }));
    },
  });
  new QWebChannel(qt.webChannelTransport, function (channel) {
    host = channel.objects.host;
    waiting.splice(0).forEach(function (text) { host.receive(text); });
  });
})();
"""
"""The view's `window.parent`: its messages go to MCP Desk, and MCP Desk's come from it."""
_OFF = (
    QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls,
    QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls,
    QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows,
    QWebEngineSettings.WebAttribute.JavascriptCanAccessClipboard,
    QWebEngineSettings.WebAttribute.JavascriptCanPaste,
    QWebEngineSettings.WebAttribute.PluginsEnabled,
    QWebEngineSettings.WebAttribute.AllowRunningInsecureContent,
    QWebEngineSettings.WebAttribute.AllowGeolocationOnInsecureOrigins,
    QWebEngineSettings.WebAttribute.ScreenCaptureEnabled,
    QWebEngineSettings.WebAttribute.PdfViewerEnabled,
    QWebEngineSettings.WebAttribute.NavigateOnDropEnabled,
)


class ViewScheme(QWebEngineUrlSchemeHandler):
    """Serves each view's document at `mcp-app://<view id>/`, and nothing else."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._documents: dict[str, bytes] = {}

    def serve(self, view_id: str, document: str) -> None:
        self._documents[view_id] = document.encode()

    def forget(self, view_id: str) -> None:
        self._documents.pop(view_id, None)

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        document = self._documents.get(url.host())
        if document is None or url.path() not in ("", "/"):
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        buffer = QBuffer(job)
        buffer.setData(QByteArray(document))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(b"text/html;charset=utf-8", buffer)


class DeclaredOnly(QWebEngineUrlRequestInterceptor):
    """Blocks every request to an address the view's resource did not declare."""

    def __init__(self, domains: AppDomains, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._domains = domains
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl().toString()
        if not may_load(url, self._domains):
            self.blocked.append(url)
            info.block(True)


class SandboxedPage(QWebEnginePage):
    """Stays on its one address, opens no window, and is granted no permission."""

    def __init__(self, profile: QWebEngineProfile, home: QUrl, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self._home = home
        self.refused: list[str] = []
        self.permissionRequested.connect(self._on_page_permission_requested)

    def acceptNavigationRequest(
        self, url: QUrl | str, navigation: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        target = QUrl(url)
        home = self._home
        if is_main_frame and (target.scheme(), target.host(), target.path() or "/") == (
            home.scheme(),
            home.host(),
            "/",
        ):
            return True
        self.refused.append(target.toString())
        return False

    def javaScriptConsoleMessage(
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        """The view's console (CSP refusals included) is the server's business, not MCP Desk's log."""

    def createWindow(self, _kind: QWebEnginePage.WebWindowType) -> QWebEnginePage | None:  # type: ignore[override]
        return None

    def _on_page_permission_requested(self, permission: QWebEnginePermission) -> None:
        permission.deny()


class ViewPort(QObject):
    """The object the page's bridge script talks to."""

    received = Signal(str)

    @Slot(str)
    def receive(self, text: str) -> None:
        self.received.emit(text)


class AppView(QWebEngineView):
    """One app view. Signals: `message_posted(dict)`, a JSON-RPC message from the view."""

    message_posted = Signal(dict)

    def __init__(self, resource: AppResource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_id = uuid.uuid4().hex
        self.home = QUrl(f"{VIEW_SCHEME}://{self.view_id}/")
        profile, scheme = _profile()
        self.interceptor = DeclaredOnly(resource.domains, self)
        self.sandboxed = SandboxedPage(profile, self.home, self)
        self.sandboxed.setUrlRequestInterceptor(self.interceptor)
        self._port = ViewPort(self)
        self._port.received.connect(self._on_port_received)
        channel = QWebChannel(self.sandboxed)
        channel.registerObject("host", self._port)
        self.sandboxed.setWebChannel(channel)
        self.sandboxed.scripts().insert(_bridge_script())
        self.setPage(self.sandboxed)
        self._scheme = scheme
        scheme.serve(self.view_id, with_policy(resource.html, content_security_policy(resource.domains)))
        view_id = self.view_id
        self.destroyed.connect(lambda: scheme.forget(view_id))
        self.load(self.home)

    def post(self, message: dict[str, Any]) -> None:
        """Deliver one JSON-RPC message to the view, as if from its parent frame."""
        self.sandboxed.runJavaScript(f"window.__mcpDeskDeliver({json.dumps(message)})")

    def _on_port_received(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            return
        if isinstance(message, dict):
            self.message_posted.emit(message)


def _bridge_script() -> QWebEngineScript:
    channel_js = QFile(":/qtwebchannel/qwebchannel.js")
    channel_js.open(QIODevice.OpenModeFlag.ReadOnly)
    script = QWebEngineScript()
    script.setName("mcp-desk-bridge")
    script.setSourceCode(bytes(channel_js.readAll().data()).decode() + BRIDGE_SCRIPT)
    script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
    script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
    script.setRunsOnSubFrames(False)
    return script


def _profile() -> tuple[QWebEngineProfile, ViewScheme]:
    """The one off-the-record profile every view shares, made on first use and kept with the app."""
    app = QCoreApplication.instance()
    profile = app.findChild(QWebEngineProfile, "mcpDeskAppViews") if app is not None else None
    if profile is None:
        register_view_scheme()
        profile = QWebEngineProfile(app)
        profile.setObjectName("mcpDeskAppViews")
        profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
        profile.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
        for attribute in _OFF:
            profile.settings().setAttribute(attribute, False)
        profile.installUrlSchemeHandler(VIEW_SCHEME.encode(), ViewScheme(profile))
    scheme = profile.urlSchemeHandler(VIEW_SCHEME.encode())
    assert isinstance(scheme, ViewScheme)
    return profile, scheme
