"""The form an install asks: one field per input the publisher left open in `server.json`.

An input (`Input` in the registry's schema) with a `value` is fixed by the publisher, except
for the `{variables}` in it, each of which is a field; one without is a field itself. The same
name asked twice (a URL variable and a header's, an argument's `valueHint` and a variable) is
one field: the schema resolves such names against each other.
"""

from __future__ import annotations

import re
from typing import Any

from desktop.catalogue.control import FieldKind, InstallField
from desktop.catalogue.entries import is_folder_like
from desktop.catalogue.install_recipe import ArgGroup, Template, literal

_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WORD = re.compile(r"[A-Z]+[0-9]*(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")
_SPELLED = {
    **{
        word: word.upper()
        for word in ("api", "url", "uri", "id", "mcp", "ssh", "aws", "gcp", "http", "https")
    },
    **{
        word: word.upper()
        for word in ("json", "sql", "db", "ip", "tls", "ssl", "jwt", "llm", "ai", "dns", "utc")
    },
    **{
        word: word.upper()
        for word in ("smtp", "imap", "pat", "cli", "sdk", "pdf", "csv", "html", "xml", "s3")
    },
    "oauth": "OAuth",
    "github": "GitHub",
    "gitlab": "GitLab",
    "openai": "OpenAI",
    "dir": "folder",
}


def readable_label(name: str) -> str:
    """A registry's raw key in words: `AIRTABLE_API_KEY` → “Airtable API key”, `--api-key` → “API key”."""
    bare = re.sub(r"^[Xx]-(?=.)", "", name.lstrip("-"))
    words = _WORD.findall(re.sub("(?i)oauth", "Oauth", bare))  # one word, however it is written
    if not words:
        return name
    spelled = [_SPELLED.get(word.lower(), word.lower()) for word in words]
    return " ".join([spelled[0][:1].upper() + spelled[0][1:], *spelled[1:]])


class FormBuilder:
    def __init__(self) -> None:
        self._fields: dict[str, InstallField] = {}

    def fields(self) -> tuple[InstallField, ...]:
        return tuple(self._fields.values())

    def arguments(self, raw: object) -> tuple[ArgGroup, ...]:
        items = [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
        return tuple(self._argument(item, n) for n, item in enumerate(items, 1))

    def key_values(self, raw: object) -> dict[str, Template]:
        """Environment variables or headers: name → what it is set to."""
        items = [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
        pairs = {}
        for item in items:
            name = str(item.get("name") or "")
            if name:
                pairs[name] = self._value(item, name, name)
        return pairs

    def with_variables(
        self, text: str, variables: object, optional: bool, parent: dict[str, Any] | None = None
    ) -> Template:
        """`text` with each `{name}` it has a variable for made a field; other braces stay as they are.

        With `parent` (the input whose value `text` is), a `{name}` with no variable is a field too,
        described by the parent: publishers write `"Bearer {api_key}"` for a secret header, and
        the schema's "leave it unchanged" would send the braces instead of the key.
        """
        known = variables if isinstance(variables, dict) else {}
        parts: list[str] = []
        end = 0
        for match in _VARIABLE.finditer(text):
            parts.append(_escaped(text[end : match.start()]))
            spec = known.get(match.group(1), parent)
            if isinstance(spec, dict):
                parts.append("{" + self._field(spec, match.group(1), match.group(1)) + "}")
            else:
                parts.append(_escaped(match.group(0)))
            end = match.end()
        parts.append(_escaped(text[end:]))
        return Template("".join(parts), optional=optional)

    def _argument(self, item: dict[str, Any], n: int) -> ArgGroup:
        required = bool(item.get("isRequired"))
        if item.get("type") == "named":
            name = str(item.get("name") or "")
            flag = literal(name)
            if "value" not in item and item.get("format") == "boolean":
                key = self._field(item, name.lstrip("-") or f"option-{n}", name)
                return ArgGroup((Template(flag.text, only_if_true=key),))
            return ArgGroup((flag, self._value(item, name.lstrip("-") or f"option-{n}", name)))
        preferred = str(item.get("valueHint") or item.get("name") or f"argument-{n}")
        if "value" in item or not item.get("isRepeated"):
            return ArgGroup((self._value(item, preferred, preferred),))
        key = self._field(item, preferred, preferred)
        return ArgGroup((Template("{" + key + "}", optional=not required),), repeated=key)

    def _value(self, item: dict[str, Any], preferred: str, technical: str) -> Template:
        optional = not item.get("isRequired")
        if "value" in item:
            return self.with_variables(str(item["value"]), item.get("variables"), optional, parent=item)
        return Template("{" + self._field(item, preferred, technical) + "}", optional=optional)

    def _field(self, spec: dict[str, Any], preferred: str, technical: str) -> str:
        key = re.sub(r"[^A-Za-z0-9_.-]+", "-", preferred).strip("-") or "value"
        if key not in self._fields:
            self._fields[key] = _install_field(spec, key, technical)
        return key


def _install_field(spec: dict[str, Any], key: str, technical: str) -> InstallField:
    choices = tuple(str(choice) for choice in spec.get("choices") or [])
    return InstallField(
        key=key,
        label=readable_label(technical or key),
        technical=technical,
        description=str(spec.get("description") or ""),
        kind=_kind(spec, choices),
        required=bool(spec.get("isRequired")),
        default=str(spec.get("default") or ""),
        choices=choices,
        multiple=bool(spec.get("isRepeated")),
    )


def _kind(spec: dict[str, Any], choices: tuple[str, ...]) -> FieldKind:
    if spec.get("isSecret"):
        return FieldKind.SECRET
    if choices:
        return FieldKind.CHOICE
    if spec.get("format") == "boolean":
        return FieldKind.BOOLEAN
    if spec.get("format") == "number":
        return FieldKind.NUMBER
    if is_folder_like(spec):
        return FieldKind.FOLDER
    return FieldKind.FILE if spec.get("format") == "filepath" else FieldKind.TEXT


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")
