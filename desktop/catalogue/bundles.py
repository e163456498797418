"""Installing an MCPB bundle (a `.mcpb` file, once called a Claude Desktop extension).

`plan` checks the file's signature, unpacks it into staging (`bundle_files`), reads its manifest
and says what it is, what it needs and whether it can run here. `install` finishes that same staged
copy (the plan's `token`) with the user's values: the folder moves to `<data>/bundles/<server>/<version>/`,
sensitive values go to the keyring through `store_secret`, and the server's settings come back.
`remove` deletes a removed server's folder. Everything here blocks: callers run it off the loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from pathlib import Path

from desktop.catalogue.bundle_compatibility import Python, find_python, fit
from desktop.catalogue.bundle_files import BundleFolders
from desktop.catalogue.bundle_launch import Places, launch_of
from desktop.catalogue.bundle_signature import check_signature
from desktop.catalogue.bundle_values import fields_of, values_of
from desktop.catalogue.control import CatalogueProblem, InstallPlan
from desktop.catalogue.install_sandbox import in_sandbox
from desktop.catalogue.mcpb_manifest import Manifest, read_manifest
from desktop.core.config import CatalogueOrigin, ServerConfig, check_server_name, suggest_server_name

StoreSecret = Callable[[str, str], str]
"""Keeps a value in the keyring under about that name; returns its `${secret:NAME}` reference."""

_MANIFEST_BYTES = 1 << 20
_ABILITIES = (
    "A program that runs on this computer with your permissions: like any app you install, it can "
    "read and change your files, start other programs and reach the internet."
)


class BundleInstaller:
    def __init__(
        self,
        folders: BundleFolders,
        places: Places | None = None,
        python: Callable[[], Python | None] = find_python,
    ) -> None:
        self._folders = folders
        self._places = places or Places.of_this_user()
        self._python = python

    def plan(self, path: Path, taken_names: Collection[str]) -> InstallPlan:
        """What installing the bundle at `path` would do; its unpacked copy is kept for `install`."""
        if not path.is_file():
            raise CatalogueProblem(
                f"MCP Desk can't find the bundle “{path.name}”. Check that the file is still there.",
                details=str(path),
            )
        try:
            signature = check_signature(path)
            token = self._folders.unpack(path)
        except OSError as error:
            raise CatalogueProblem(
                f"MCP Desk couldn't read or unpack the bundle “{path.name}”. Check that the file can be "
                "opened and that the disk isn't full, then try again.",
                details=str(error),
            ) from error
        try:
            manifest = self._manifest(token)
            need = fit(manifest, self._python)
        except BaseException:
            self._folders.drop(token)
            raise
        if need.blocked is not None:
            self._folders.drop(token)
        plan = InstallPlan(
            suggested_name=suggest_server_name(manifest.name, frozenset(taken_names)),
            title=manifest.title,
            publisher=manifest.author.name,
            verified=False,  # a signer's name is not checked with an authority (bundle_signature)
            package=f"bundle {path.name}",
            source=str(path),
            abilities=f"{manifest.description.strip()}\n\n{_ABILITIES}".strip(),
            fields=fields_of(manifest, self._places),
            notes=(*((signature.note,) if signature.trusted else ()), *need.notes),
            cautions=() if signature.trusted else (signature.note,),
            tools=_declared(manifest),
            blocked=need.blocked,
            token="" if need.blocked else token,
        )
        return plan if need.blocked else in_sandbox(plan, about=manifest.description.strip())

    def install(self, plan: InstallPlan, values: dict[str, str], store_secret: StoreSecret) -> ServerConfig:
        """The server for the planned bundle, its folder in place and its secrets in the keyring."""
        if plan.blocked:
            raise CatalogueProblem(plan.blocked)
        manifest = self._manifest(plan.token)
        given = values_of(manifest, values, self._places)
        name = _usable(plan.suggested_name)
        need = fit(manifest, self._python)
        if need.blocked is not None:  # e.g. the computer's Python went away since the plan
            raise CatalogueProblem(need.blocked)
        try:
            folder = self._folders.install(plan.token, name, manifest.version)
        except OSError as error:
            raise CatalogueProblem(
                "MCP Desk couldn't put the bundle in place. Check that the disk isn't full, then try again.",
                details=str(error),
            ) from error
        try:
            for key in given.sensitive:  # a sensitive value is one string (MANIFEST.md, user_config)
                given.values[key] = [store_secret(_secret_name(name, key), given.values[key][0])]
            config = launch_of(manifest, folder, given.values, self._places, need.python)
            if manifest.server.type == "binary":
                _runnable(Path(config.command or ""), folder)
            return config.model_copy(update={"origin": _origin(manifest, plan)})
        except BaseException:
            self._folders.discard(folder.parent)
            raise

    def drop(self, plan: InstallPlan) -> None:
        """Forget a plan that won't be installed (its staged copy goes now, not later)."""
        if plan.token:
            self._folders.drop(plan.token)

    def remove(self, config: ServerConfig) -> None:
        """Delete the unpacked bundle a removed server ran from (nothing if it came from none)."""
        self._folders.remove(config)

    def _manifest(self, token: str) -> Manifest:
        staged = self._folders.staged(token)
        if not staged.is_dir():
            raise CatalogueProblem(
                "This bundle's prepared copy is gone (it waited too long, or MCP Desk was restarted). "
                "Open the bundle again.",
                details=f"no staging folder {staged}",
            )
        file = staged / "manifest.json"
        if not file.is_file():
            raise CatalogueProblem(
                "This file is not an MCP bundle: it has no manifest.json inside. "
                "Check that you opened the right file, or ask its publisher for a new copy.",
                details="no manifest.json at the archive's top level",
            )
        if file.stat().st_size > _MANIFEST_BYTES:
            raise CatalogueProblem(
                "This bundle's description (manifest.json) is far larger than any bundle's, so MCP Desk "
                "won't read it. Ask its publisher for a new copy of the bundle.",
                details=f"manifest.json is {file.stat().st_size} bytes",
            )
        manifest = read_manifest(file.read_bytes())
        entry = (staged / manifest.server.entry_point).resolve()
        if not entry.is_relative_to(staged.resolve()) or not entry.is_file():
            raise CatalogueProblem(
                f"This bundle is incomplete: the program it should run ({manifest.server.entry_point}) "
                "isn't in it. Ask its publisher for a new copy of the bundle.",
                details=f"entry_point {manifest.server.entry_point!r} is not a file in the bundle",
            )
        return manifest


def _origin(manifest: Manifest, plan: InstallPlan) -> CatalogueOrigin:
    """A bundle file's own account of itself (no registry to ask for a newer version)."""
    return CatalogueOrigin(
        registry="",
        name=manifest.name,
        version=manifest.version,
        title=plan.title,
        publisher=manifest.author.name,
        package=f"bundle {manifest.name} {manifest.version}",
        source=plan.source,
    )


def _declared(manifest: Manifest) -> tuple[str, ...]:
    tools = [f"{tool.name}: {tool.description}" if tool.description else tool.name for tool in manifest.tools]
    prompts = [f"{prompt.name} (prompt)" for prompt in manifest.prompts]
    return (*tools, *prompts)


def _usable(name: str) -> str:
    try:
        return check_server_name(name)
    except ValueError as error:
        raise CatalogueProblem(str(error)) from error


def _runnable(program: Path, folder: Path) -> None:
    """A bundle's own program made runnable: a zip made on Windows carries no such permission."""
    if program.resolve().is_relative_to(folder.resolve()) and program.is_file():
        program.chmod(0o755)


def _secret_name(server: str, key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{server}.{key}")[:64]
