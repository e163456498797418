"""A bundle's `user_config`: the form it asks for, and the user's answers checked against it."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.catalogue.bundle_launch import Places
from desktop.catalogue.control import CatalogueProblem, FieldKind, InstallField
from desktop.catalogue.mcpb_manifest import Default, Manifest, UserOption

_KINDS = {
    "string": FieldKind.TEXT,
    "number": FieldKind.NUMBER,
    "boolean": FieldKind.BOOLEAN,
    "directory": FieldKind.FOLDER,
    "file": FieldKind.FILE,
}
_YES = ("true", "yes", "on", "1")
_NO = ("false", "no", "off", "0")


@dataclass(frozen=True)
class Given:
    values: dict[str, list[str]]
    """Each option's values (several only with `multiple`), checked, written as the server reads them."""
    sensitive: tuple[str, ...]
    """The options whose (one) value belongs in the keyring."""


def fields_of(manifest: Manifest, places: Places) -> tuple[InstallField, ...]:
    return tuple(
        InstallField(
            key=key,
            label=option.title,
            description=_description(option),
            kind=FieldKind.SECRET if option.sensitive else _KINDS[option.type],
            required=option.required,
            default=default_text(option.default, places),
            multiple=option.multiple,
        )
        for key, option in manifest.user_config.items()
    )


def values_of(manifest: Manifest, values: dict[str, str], places: Places) -> Given:
    """The user's `values` (the form's text; several, one per line), or a sentence on the first wrong."""
    given: dict[str, list[str]] = {}
    for key, option in manifest.user_config.items():
        raw = values.get(key)
        text = default_text(option.default, places) if raw is None else raw
        items = [line.strip() for line in text.splitlines()] if option.multiple else [text.strip()]
        items = [item for item in items if item]
        if option.required and not items:
            raise CatalogueProblem(f"Fill in “{option.title}”: this bundle needs it to run.")
        given[key] = [_checked(option, item) for item in items]
    sensitive = tuple(key for key, option in manifest.user_config.items() if option.sensitive and given[key])
    return Given(given, sensitive)


def default_text(default: Default | None, places: Places) -> str:
    """A default as the form shows it, `${HOME}` and the like filled in."""
    if default is None:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, float | int):
        return _number(float(default))
    if isinstance(default, list):
        return "\n".join(places.fill(item) for item in default)
    return places.fill(default)


def _checked(option: UserOption, text: str) -> str:
    if option.type == "boolean":
        if text.lower() in _YES + _NO:
            return "true" if text.lower() in _YES else "false"
        raise CatalogueProblem(f"“{option.title}” must be yes or no.", details=f"{text!r} is not a boolean")
    if option.type != "number":
        return text
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    low = option.min if option.min is not None else float("-inf")
    high = option.max if option.max is not None else float("inf")
    if not low <= number <= high:  # NaN fails here too
        raise CatalogueProblem(f"“{option.title}” must be a number{_range(option)}.", details=f"{text!r}")
    return _number(number)


def _description(option: UserOption) -> str:
    if option.type == "number" and (option.min is not None or option.max is not None):
        return f"{option.description} (a number{_range(option)})".strip()
    return option.description


def _range(option: UserOption) -> str:
    if option.min is not None and option.max is not None:
        return f" from {_number(option.min)} to {_number(option.max)}"
    if option.min is not None:
        return f" of at least {_number(option.min)}"
    if option.max is not None:
        return f" of at most {_number(option.max)}"
    return ""


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)
