"""Resources, templates, completions and prompts of real servers, through `ServerManager`.

npm's reference server `server-everything` offers them all; the SDK-built well-behaved fixture
offers none, and must give empty lists rather than errors.
"""

from __future__ import annotations

import pytest

from desktop.core.audit import AuditTrail
from desktop.core.audit_records import AuditFilter, AuditKind
from desktop.core.config import ServerConfig
from desktop.core.events import ServerState
from desktop.servers.control import ServerProblem
from desktop.servers.manager import Recording, ServerManager
from desktop.servers.prompts import CompletionRef, RefKind
from desktop.servers.resources import size_words
from tests.e2e.conftest import ASKED, ScriptedAsker, Spawned, deny, fixture_server

pytestmark = pytest.mark.anyio

World = tuple[ServerManager, object, Spawned]


async def _everything(world: World, command_line: list[str]) -> ServerManager:
    manager, _events, spawned = world
    command, *args = command_line
    config = ServerConfig(command=command, args=args)
    await manager.add("everything", config.model_copy(update={"trusted_launch": config.launch_hash()}))
    status = await manager.start("everything")
    spawned.note()
    assert status.state is ServerState.RUNNING, status.reason
    return manager


async def _reads(recording: Recording) -> list[dict[str, object]]:
    trail = recording.audit
    assert isinstance(trail, AuditTrail)
    return [r.data for r in await trail.query(AuditFilter(kind=AuditKind.RESOURCE_READ))]


async def test_a_users_read_of_a_listed_resource_is_its_text_and_is_audited(
    world: World, everything_server: list[str], recording: Recording
) -> None:
    manager = await _everything(world, everything_server)
    resources = await manager.resources("everything")
    markdown = next(r for r in resources if r.mime_type == "text/markdown")

    read = await manager.read_resource("everything", markdown.uri, by_user=True)

    assert read.contents[0].is_text and read.text.startswith("#")
    assert read.size == len(read.text.encode())
    (record,) = await _reads(recording)
    assert record["by"] == "the user" and record["uri"] == markdown.uri and record["size"] == read.size
    sent = [e for e in recording.rpc_log.recent() if e.method == "resources/read"]
    assert sent, "the read crossed the wire unseen by the log"


async def test_a_template_filled_in_reads_binary_as_type_and_size(
    world: World, everything_server: list[str]
) -> None:
    manager = await _everything(world, everything_server)
    templates = await manager.resource_templates("everything")
    blob = next(t for t in templates if "blob" in t.uri_template)
    assert blob.variables == ("resourceId",)

    read = await manager.read_resource("everything", blob.filled({"resourceId": "3"}), by_user=True)

    (part,) = read.contents
    assert not part.is_text and part.size > 0
    assert part.describe() == f"{part.mime_type}, {size_words(part.size)}"


async def test_completion_suggests_a_prompts_values_and_the_prompt_gives_messages(
    world: World, everything_server: list[str]
) -> None:
    manager = await _everything(world, everything_server)
    prompts = {p.name: p for p in await manager.prompts("everything")}
    assert [a.name for a in prompts["args-prompt"].arguments] == ["city", "state"]
    assert prompts["args-prompt"].arguments[0].required

    ref = CompletionRef(RefKind.PROMPT, "completable-prompt")
    assert "Engineering" in await manager.complete("everything", ref, "department", "Eng")

    result = await manager.get_prompt("everything", "args-prompt", {"city": "Lisbon"})
    assert result.messages and "Lisbon" in result.text


async def test_the_models_read_is_asked_first_and_a_no_sends_nothing(
    world: World, everything_server: list[str], recording: Recording, asker: ScriptedAsker
) -> None:
    manager = await _everything(world, everything_server)
    uri = (await manager.resources("everything"))[0].uri
    asker.will(deny())

    with pytest.raises(ServerProblem, match="did not allow the model to read"):
        await manager.read_resource("everything", uri, by_user=False, context=ASKED)

    (question,) = asker.asked
    assert question.tool.description == f"The model wants to read {uri} from everything."
    assert not [e for e in recording.rpc_log.recent() if e.method == "resources/read"]
    (record,) = await _reads(recording)
    assert record["decision"] == "denied" and record["by"] == "the model"

    read = await manager.read_resource("everything", uri, by_user=False, context=ASKED)
    assert read.text
    decided, done = (await _reads(recording))[1:]
    assert decided["decision"] == "allowed" and done["status"] == "ok"


async def test_a_server_without_resources_or_prompts_has_empty_lists(world: World) -> None:
    manager, _events, spawned = world
    await manager.add("plain", fixture_server("well_behaved"))
    await manager.start("plain")
    spawned.note()

    assert await manager.resources("plain") == []
    assert await manager.resource_templates("plain") == []
    assert await manager.prompts("plain") == []
    assert await manager.complete("plain", CompletionRef(RefKind.PROMPT, "x"), "a", "") == []


async def test_a_stopped_server_says_to_start_it(world: World) -> None:
    manager, _events, _spawned = world
    await manager.add("plain", fixture_server("well_behaved"))

    with pytest.raises(ServerProblem, match=r"not running\. Start it first"):
        await manager.resources("plain")
