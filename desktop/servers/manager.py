"""All configured servers, and the one place that changes the server list.

`ServerManager` implements `ServerControl` for the UI and the CLI. It runs on the
service loop; `pulse()` pushes batched output and process stats a few times a second
so widgets never poll.
"""

from __future__ import annotations

import contextlib
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import mcp_types as types
from mcp.shared.dispatcher import ProgressFnT

from desktop.core.audit_records import AuditKind, AuditWriter, ConsentHow
from desktop.core.config import ServerConfig, check_server_name
from desktop.core.consent import CallContext, Choice, ConsentGate, Decision
from desktop.core.events import (
    EventSink,
    SecretsChanged,
    ServersChanged,
    ServerState,
    ServerStatus,
    ServerStatusChanged,
    ServerToolsChanged,
    ToolInfo,
)
from desktop.core.paths import AppPaths
from desktop.core.redact import Redactor
from desktop.core.rpc_log import RpcLog
from desktop.core.secret_refs import SecretsError
from desktop.core.settings import Settings
from desktop.servers.app_links import AppLinks
from desktop.servers.call_records import SentCall, call_data, denied_outcome, result_data, server_data
from desktop.servers.catalogue import split_qualified
from desktop.servers.control import Approver, ServerProblem, ToolCallOutcome, TrustRequest, TrustRequired
from desktop.servers.experimental_tasks import REVISION as TASKS_2025
from desktop.servers.experimental_tasks import resume as resume_2025
from desktop.servers.experimental_tasks import send_tool_call
from desktop.servers.importers import ImportPlan, ImportSource, apply_plan, default_paths, read_plan
from desktop.servers.last_failures import LastFailures
from desktop.servers.launch import resolve
from desktop.servers.leftovers import LeftoverRegistry
from desktop.servers.oauth import forget, keep_client_secret
from desktop.servers.patient_call import send_patiently
from desktop.servers.prompts import CompletionRef, PromptInfo, PromptResult
from desktop.servers.resources import ResourceInfo, ResourceRead, ResourceTemplateInfo
from desktop.servers.restart_policy import DEFAULT_POLICY, RestartPolicy
from desktop.servers.revisions import Revisions
from desktop.servers.runtime_control import RuntimePreparer
from desktop.servers.runtimes import ManagedRuntimes, own_runtime_words
from desktop.servers.server_content import ServerContent
from desktop.servers.server_requests import ServerRequests
from desktop.servers.supervisor import Credentials, Supervisor
from desktop.servers.task_extension import TaskWatch, resume, task_watch
from desktop.servers.wire_tap import current_call

OUTPUT_EVERY = 0.1
STATS_EVERY = 2.0


@dataclass(frozen=True)
class Recording:
    """Where the server side writes down what it does: the wire, the decisions, the secrets to hide."""

    rpc_log: RpcLog
    audit: AuditWriter
    redactor: Redactor


class ServerManager:
    def __init__(
        self,
        settings: Settings,
        events: EventSink,
        leftovers: LeftoverRegistry,
        recording: Recording,
        credentials: Credentials,
        consent: ConsentGate,
        policy: RestartPolicy = DEFAULT_POLICY,
        *,
        requests: ServerRequests | None = None,
        failures: LastFailures | None = None,
        revisions: Revisions | None = None,
        on_removed: Callable[[ServerConfig], None] | None = None,
        runtimes: RuntimePreparer | None = None,
    ) -> None:
        self._on_removed = on_removed
        """Told (in a worker thread) each removed server's settings, for what it left: a bundle's folder."""
        self._consent = consent
        self._runtimes = runtimes
        self._failures = failures or LastFailures()
        self._revisions = revisions or Revisions()
        self._requests = requests
        self._recording = recording
        self._credentials = credentials
        self._audit = recording.audit
        self._settings = settings
        self._events = events
        self._leftovers = leftovers
        self._policy = policy
        self._supervisors = {
            name: self._supervisor(name, cfg) for name, cfg in settings.config.servers.items()
        }
        self._content = ServerContent(self._get, consent, recording.audit)
        self._links = AppLinks(consent, recording.audit)

    # -- reading -----------------------------------------------------------------

    def statuses(self) -> list[ServerStatus]:
        # The UI reads this from the Qt thread; list() copies the dict in one GIL-held step.
        return [sup.status for sup in list(self._supervisors.values())]

    def config_of(self, name: str) -> ServerConfig:
        return self._get(name).config

    def tools(self, server: str | None = None) -> list[ToolInfo]:
        sups = [self._get(server)] if server else list(self._supervisors.values())
        return [tool for sup in sups for tool in sup.tools]

    def output_of(self, name: str) -> list[str]:
        return self._get(name).output.lines()

    def secret_users(self) -> dict[str, list[str]]:
        """Each secret referred to, and the servers whose settings refer to it."""
        users: dict[str, list[str]] = {}
        for name, sup in list(self._supervisors.items()):
            for secret in sup.config.secret_names():
                users.setdefault(secret, []).append(name)
        return users

    def trust_request(self, name: str) -> TrustRequest:
        config = self._get(name).config
        command_line = config.display_command()
        if config.command:
            with contextlib.suppress(ServerProblem):
                command_line = shlex.join(resolve(config).argv)
        return TrustRequest(
            server=name,
            command_line=command_line,
            env_names=tuple(sorted(config.env)),
            header_names=tuple(sorted(config.headers)),
            cwd=config.cwd,
            launch_hash=config.launch_hash(),
            changed=config.trusted_launch is not None and not config.is_trusted,
            origin=config.origin,
            runs_on=_runs_on(config),
        )

    # -- running -----------------------------------------------------------------

    async def start(self, name: str, once: bool = False) -> ServerStatus:
        """Start `name` and return once its first attempt settled; `once`: never start it again."""
        sup = self._get(name)
        if not sup.config.is_trusted:
            raise TrustRequired(self.trust_request(name))
        if not sup.config.enabled:
            raise ServerProblem(f"“{name}” is turned off. Turn it on in its settings, then start it.")
        return await sup.start(once)

    async def stop(self, name: str) -> None:
        await self._get(name).stop()

    async def restart(self, name: str) -> None:
        await self.stop(name)
        await self.start(name)

    async def start_all(self) -> None:
        """Start every enabled, approved server marked "start with MCP Desk", side by side.

        A remote server that failed last time in a way that lasts is not tried again unasked:
        its status says why, until the user presses Start.
        """
        async with anyio.create_task_group() as tasks:
            for sup in self._supervisors.values():
                cfg = sup.config
                if not (cfg.enabled and cfg.start_with_app and cfg.is_trusted):
                    continue
                last = self._failures.of(sup.name, cfg)
                if last is None:
                    tasks.start_soon(sup.start)
                else:
                    self._recording.rpc_log.lifecycle(sup.name, last.held_back)
                    sup.publish(state=ServerState.FAILED, reason=last.held_back, details=last.details)

    async def shutdown(self) -> None:
        async with anyio.create_task_group() as tasks:
            for sup in self._supervisors.values():
                tasks.start_soon(sup.stop)

    async def pulse(self) -> None:
        """Forever: batched output ten times a second, CPU and memory every two seconds."""
        last_stats = 0.0
        while True:
            for sup in list(self._supervisors.values()):
                sup.output.flush_pending_into(self._events, sup.name)
            if time.monotonic() - last_stats >= STATS_EVERY:
                last_stats = time.monotonic()
                await self._sample_usage()
            await anyio.sleep(OUTPUT_EVERY)

    async def _sample_usage(self) -> None:
        running = [
            s for s in self._supervisors.values() if s.status.state is ServerState.RUNNING and s.transport
        ]
        usages = await anyio.to_thread.run_sync(
            lambda: [s.transport.tree.usage() if s.transport and s.transport.tree else None for s in running]
        )
        for sup, usage in zip(running, usages, strict=True):
            if usage is not None and sup.status.state is ServerState.RUNNING:
                sup.publish(cpu_percent=usage.cpu_percent, memory_bytes=usage.memory_bytes)

    async def call_tool(
        self, qualified_name: str, arguments: dict[str, Any], context: CallContext
    ) -> ToolCallOutcome:
        """Ask the consent gate; the decision is on disk before the request goes out, if it goes out.

        With a remembered rule, one synced commit per call is the whole cost on the call's path.
        """
        sup, tool = self._tool(qualified_name)
        try:
            decision = await self._consent.decide(tool, arguments, context)
        except BaseException:
            stopped = Decision(Choice.DENY, arguments, ConsentHow.STOPPED)
            self._audit.append(AuditKind.TOOL_CALL, call_data(tool, arguments, stopped, context))
            raise
        record = await self._audit.record(AuditKind.TOOL_CALL, call_data(tool, arguments, decision, context))
        if not decision.allowed:
            return denied_outcome(tool, decision, record.seq)
        call = SentCall(sup.config, tool, record.seq, decision.arguments)
        # Only a caller that follows progress or keeps tasks hears of a task (`task_extension`).
        follows = context.progress is not None or context.tasks is not None
        watch = TaskWatch(context.progress, context.tasks, record.seq)
        told = task_watch.set(watch) if follows else None
        try:
            if context.patience is None:
                result = await _send(sup, call, context.progress)
            else:
                result = await send_patiently(sup, call, context.progress, context.patience)
        except BaseException as stopped:  # cancelled: its result record says so, and it goes on
            if not watch.left_running():  # else the next start follows the task and records its end
                self._ended(call, stopped)
            raise
        finally:
            if told is not None:
                task_watch.reset(told)
        return self._ended(call, result)

    async def resume_task(
        self,
        qualified_name: str,
        task_id: str,
        decision_seq: int,
        arguments: dict[str, Any],
        context: CallContext,
    ) -> ToolCallOutcome:
        """A task an earlier run of MCP Desk left running, followed to its end; its result record points
        at that run's decision."""
        sup, tool = self._tool(qualified_name)
        call = SentCall(sup.config, tool, decision_seq, arguments)
        try:
            with sup.calling() as client:
                follow = resume_2025 if client.protocol_version == TASKS_2025 else resume
                result: types.CallToolResult | Exception = await follow(
                    client.session, task_id, context.progress
                )
        except Exception as exc:  # the task is gone, the server failed it, ...: a sentence, as for a call
            result = exc
        except BaseException as stopped:
            self._ended(call, stopped)
            raise
        return self._ended(call, result)

    def _ended(self, call: SentCall, result: types.CallToolResult | BaseException) -> ToolCallOutcome:
        """The call's one result record, whatever happened; the outcome for its caller."""
        outcome = call.outcome(result)
        # Only the decision has to be on disk before the call; the result follows in the background.
        self._audit.append(AuditKind.TOOL_RESULT, result_data(outcome, result, call.started_at))
        return outcome

    def _tool(self, qualified_name: str) -> tuple[Supervisor, ToolInfo]:
        server, name = split_qualified(qualified_name)
        sup = self._get(server)
        for tool in sup.tools:
            if tool.name == name:
                return sup, tool
        raise ServerProblem(f"“{server}” has no tool called “{name}”.")

    # -- resources and prompts (`server_content`) ---------------------------------

    async def resources(self, name: str) -> list[ResourceInfo]:
        return await self._content.resources(name)

    async def resource_templates(self, name: str) -> list[ResourceTemplateInfo]:
        return await self._content.resource_templates(name)

    async def read_resource(
        self, name: str, uri: str, by_user: bool, context: CallContext | None = None
    ) -> ResourceRead:
        return await self._content.read_resource(name, uri, by_user, context)

    async def watch_resource(self, name: str, uri: str) -> bool:
        """Be told (`ResourceChanged`) when `uri` changes; False where the server does not offer that."""
        return await self._content.watch_resource(name, uri)

    async def unwatch_resource(self, name: str, uri: str) -> None:
        await self._content.unwatch_resource(name, uri)

    async def complete(
        self, name: str, ref: CompletionRef, argument: str, value: str, context: dict[str, str] | None = None
    ) -> list[str]:
        return await self._content.complete(name, ref, argument, value, context)

    async def prompts(self, name: str) -> list[PromptInfo]:
        return await self._content.prompts(name)

    async def get_prompt(self, name: str, prompt: str, args: dict[str, str]) -> PromptResult:
        return await self._content.get_prompt(name, prompt, args)

    async def allow_link(self, server: str, url: str, context: CallContext) -> bool:
        """An app view's link, through the consent gate and the audit (`app_links`)."""
        return await self._links.allow(server, url, context)

    # -- changing the list -------------------------------------------------------

    async def trust(self, name: str, launch_hash: str, by: Approver = Approver.USER) -> None:
        config = self._get(name).config
        if launch_hash != config.launch_hash():
            raise ServerProblem(f"“{name}” changed while you were looking at it. Review it again.")
        self._replace(name, config.model_copy(update={"trusted_launch": launch_hash}))
        data = {**server_data(name, config), "launch_hash": launch_hash, "approved_by": by.value}
        await self._audit.record(AuditKind.TRUST, data)

    async def add(self, name: str, config: ServerConfig) -> None:
        check_server_name(name)
        if name in self._supervisors:
            raise ServerProblem(f"There is already a server called “{name}”. Choose another name.")
        config = await self._keep_client_secret(name, config)
        self._replace(name, config)
        await self._audit.record(AuditKind.SERVER_ADDED, server_data(name, config))

    async def _keep_client_secret(self, name: str, config: ServerConfig) -> ServerConfig:
        """A client secret typed into the settings goes to the keyring; the settings keep its name."""
        vault, redactor = self._credentials.vault, self._recording.redactor
        config, kept = await keep_client_secret(name, config, vault, redactor)
        if kept is not None:
            await self._audit.record(AuditKind.SECRET_ADDED, {"secret": kept, "server": name})
            self._events.publish(SecretsChanged((kept,)))
        return config

    async def update(self, name: str, config: ServerConfig, new_name: str | None = None) -> None:
        old = self._get(name)
        target = new_name or name
        if target != name:
            check_server_name(target)
            if target in self._supervisors:
                raise ServerProblem(f"There is already a server called “{target}”. Choose another name.")
        config = await self._keep_client_secret(target, config)
        was_running = old.active
        await old.stop()
        self._failures.forget(name)
        if target != name:
            self._drop(name)
        # The old approval stays attached: it still matches an unchanged launch, and for a
        # changed one it lets the trust prompt say "this changed since you approved it".
        self._replace(target, config.model_copy(update={"trusted_launch": old.config.trusted_launch}))
        await self._audit.record(AuditKind.SERVER_CHANGED, {**server_data(target, config), "old_name": name})
        if was_running and self._supervisors[target].config.is_trusted:
            await self.start(target)

    async def remove(self, name: str) -> None:
        config = self._get(name).config
        await self._get(name).stop()
        self._failures.forget(name)
        self._revisions.forget(name)
        with contextlib.suppress(SecretsError):  # a keyring that is not there holds no sign-in either
            await anyio.to_thread.run_sync(forget, name, self._credentials.vault)
        self._drop(name)
        self._settings.save()
        if self._on_removed is not None:
            await anyio.to_thread.run_sync(self._on_removed, config)
        self._events.publish(ServersChanged(tuple(self._supervisors)))
        await self._audit.record(AuditKind.SERVER_REMOVED, {"server": name})

    async def preview_import(self, source: ImportSource, path: Path | None) -> ImportPlan:
        if path is None:
            found = [p for p in default_paths(source) if p.exists()]
            if not found:
                raise ServerProblem(
                    f"No {source.label} settings were found on this computer. "
                    "Choose the file yourself with “Choose file…”."
                )
            path = found[0]
        try:
            held = await anyio.to_thread.run_sync(self._credentials.vault.names)
        except SecretsError:
            held = []  # the keyring's problem is told when moving is asked for
        return read_plan(source, path, self._settings.config, frozenset([*held, *self.secret_users()]))

    async def apply_import(self, plan: ImportPlan, move_secrets: bool = True) -> list[str]:
        """Add the plan's servers; with `move_secrets`, found keys and tokens go to the keyring first."""
        found = [item for entry in plan.to_import for item in entry.found_secrets] if move_secrets else []
        for item in found:
            self._recording.redactor.add(item.value)
            await anyio.to_thread.run_sync(self._credentials.vault.set, item.secret, item.value)
            await self._audit.record(
                AuditKind.SECRET_ADDED, {"secret": item.secret, "imported_from": str(plan.path)}
            )
        config, added = apply_plan(plan, self._settings.config, move_secrets)
        for name in added:
            self._replace(name, config.servers[name], save=False)
        self._settings.save()
        for name in added:
            data = {**server_data(name, config.servers[name]), "imported_from": str(plan.path)}
            await self._audit.record(AuditKind.SERVER_ADDED, data)
        if found:
            self._events.publish(SecretsChanged(tuple(item.secret for item in found)))
        return added

    def _replace(self, name: str, config: ServerConfig, save: bool = True) -> None:
        sup = self._supervisors.get(name)
        if sup is not None and sup.active:
            raise ServerProblem(f"Stop “{name}” before changing it.")
        self._settings.put_server(name, config, save=save)
        self._supervisors[name] = self._supervisor(name, config)
        self._events.publish(ServersChanged(tuple(self._supervisors)))
        self._events.publish(ServerStatusChanged(self._supervisors[name].status))

    def _drop(self, name: str) -> None:
        self._settings.drop_server(name)
        self._supervisors.pop(name, None)

    def _supervisor(self, name: str, config: ServerConfig) -> Supervisor:
        rec = self._recording
        return Supervisor(
            name,
            config,
            self._events,
            self._leftovers,
            rec.rpc_log,
            rec.redactor,
            self._credentials,
            self._policy,
            self._on_tools,
            requests=self._requests.callbacks(name) if self._requests else None,
            failures=self._failures,
            revisions=self._revisions,
            runtimes=self._runtimes,
        )

    def _on_tools(self, name: str, tools: tuple[ToolInfo, ...]) -> None:
        self._events.publish(ServerToolsChanged(name, tools))
        if name in self._supervisors:
            self._events.publish(ServerStatusChanged(self._supervisors[name].status))

    def _get(self, name: str) -> Supervisor:
        try:
            return self._supervisors[name]
        except KeyError:
            raise ServerProblem(f"There is no server called “{name}”.") from None


def _runs_on(config: ServerConfig) -> str:
    if config.runtime != "mcp-desk" or not config.command:
        return ""
    return own_runtime_words(config.command, ManagedRuntimes.of(AppPaths.from_environment())) or ""


async def _send(
    sup: Supervisor, call: SentCall, progress: ProgressFnT | None
) -> types.CallToolResult | Exception:
    """The server's result, or what went wrong on the way (a server gone, a garbled answer, …);
    the server's progress notifications to `progress`, where the caller wants them."""
    token = current_call.set(call.trace)
    try:
        with sup.calling() as client:
            return await send_tool_call(
                client, call.tool, call.arguments, sup.config.request_timeout, progress
            )
    except Exception as exc:  # whatever it was, the call ends in a result record and a sentence
        return exc
    finally:
        current_call.reset(token)
