"""How a planned install becomes a server's settings once the user has filled in its form.

A `Recipe` holds the command line, environment, address and headers as `Template`s: text in
which `{key}` stands for the value of the form's field `key`. A secret field's value goes to the
keyring; the settings get `${secret:NAME}` in its place. An optional field left empty drops
what it was for (the argument, the variable, the header), never leaves a hole in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from desktop.catalogue.control import CatalogueProblem, FieldKind, InstallField
from desktop.core.config import CatalogueOrigin, ServerConfig
from desktop.core.secret_refs import REFERENCE, reference

_KEY = re.compile(r"\{([A-Za-z0-9_.-]+)\}")
_YES = ("true", "yes", "1", "on")


@dataclass(frozen=True)
class Template:
    text: str
    """Literal text with `{key}` for each field's value (a literal brace is written `{{`)."""
    optional: bool = False
    """Left out entirely when a field in it is empty."""
    only_if_true: str | None = None
    """A flag given only when this (yes/no) field says yes."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(_KEY.findall(self.text.replace("{{", "").replace("}}", "")))

    def render(self, values: Mapping[str, str]) -> str | None:
        if self.optional and any(not values.get(key) for key in self.keys):
            return None
        if self.only_if_true and values.get(self.only_if_true, "").lower() not in _YES:
            return None
        return (
            _KEY.sub(lambda match: values.get(match.group(1), ""), self.text)
            .replace("{{", "{")
            .replace("}}", "}")
        )


def literal(text: str) -> Template:
    return Template(text.replace("{", "{{").replace("}", "}}"))


@dataclass(frozen=True)
class ArgGroup:
    """Arguments that come or go together (a flag and its value); `repeated` takes one per line."""

    parts: tuple[Template, ...]
    repeated: str | None = None
    env_flags: bool = False
    """In place of the parts: `-e NAME` for each variable set (a container reads it from the runner)."""


@dataclass(frozen=True)
class Recipe:
    fields: tuple[InstallField, ...]
    command: str | None = None
    args: tuple[ArgGroup, ...] = ()
    env: dict[str, Template] = field(default_factory=dict)
    url: Template | None = None
    headers: dict[str, Template] = field(default_factory=dict)
    runtime: bool = False
    """Run with MCP Desk's own Node.js or uv (`ServerConfig.runtime = "mcp-desk"`)."""
    origin: CatalogueOrigin | None = None


@dataclass(frozen=True)
class Built:
    config: ServerConfig
    secrets: dict[str, str]
    """Keyring name → value, to be stored before the settings are saved."""


def build(recipe: Recipe, values: Mapping[str, str], secret_name: Callable[[str], str]) -> Built:
    """The server's settings from `values`; a `CatalogueProblem` names required fields left empty."""
    filled = _filled(recipe.fields, values)
    secrets: dict[str, str] = {}
    rendered = dict(filled)
    for item in recipe.fields:
        if item.kind is FieldKind.SECRET and filled.get(item.key) and not _is_reference(filled[item.key]):
            name = secret_name(item.key)
            secrets[name] = filled[item.key]
            rendered[item.key] = reference(name)
    env = _rendered_map(recipe.env, rendered)
    config = ServerConfig(
        command=recipe.command,
        args=[arg for group in recipe.args for arg in _group(group, rendered, env)],
        env=env,
        url=recipe.url.render(rendered) if recipe.url else None,
        headers=_rendered_map(recipe.headers, rendered),
        runtime="mcp-desk" if recipe.runtime else None,
        origin=_given(recipe, filled, rendered),
    )
    return Built(config, secrets)


def _given(recipe: Recipe, filled: Mapping[str, str], rendered: Mapping[str, str]) -> CatalogueOrigin | None:
    """The origin with what the user gave (a secret as its reference): not the defaults, which
    a newer version may change."""
    if recipe.origin is None:
        return None
    given = {item.key: rendered[item.key] for item in recipe.fields if filled[item.key] != item.default}
    return recipe.origin.model_copy(update={"values": given})


def _is_reference(text: str) -> bool:
    """A secret field holding a keyring reference already (an update): kept, not stored again."""
    return REFERENCE.fullmatch(text) is not None


def _filled(fields: tuple[InstallField, ...], values: Mapping[str, str]) -> dict[str, str]:
    filled = {item.key: (values.get(item.key) or item.default).strip() for item in fields}
    missing = [item.label for item in fields if item.required and not filled[item.key]]
    if missing:
        raise CatalogueProblem(f"Fill in {_listed(missing)} before installing.")
    for item in fields:
        if item.kind is FieldKind.CHOICE and filled[item.key] and filled[item.key] not in item.choices:
            raise CatalogueProblem(f"Choose “{item.label}” from: {', '.join(item.choices)}.")
    return filled


def _group(group: ArgGroup, values: Mapping[str, str], env: Mapping[str, str]) -> list[str]:
    if group.env_flags:
        return [arg for name in env for arg in ("-e", name)]
    if group.repeated is None:
        parts = [part.render(values) for part in group.parts]
        return [] if any(part is None for part in parts) else [part for part in parts if part is not None]
    lines = [line.strip() for line in values.get(group.repeated, "").splitlines() if line.strip()]
    one = ArgGroup(group.parts)
    return [arg for line in lines for arg in _group(one, {**values, group.repeated: line}, env)]


def _rendered_map(templates: dict[str, Template], values: Mapping[str, str]) -> dict[str, str]:
    rendered = {name: template.render(values) for name, template in templates.items()}
    return {name: text for name, text in rendered.items() if text is not None}


def _listed(labels: list[str]) -> str:
    quoted = [f"“{label}”" for label in labels]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
