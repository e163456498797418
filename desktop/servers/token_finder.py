"""Finding API keys and tokens written straight into imported server settings.

An import offers to move each one into the keyring and leave a `${secret:NAME}` reference
behind; this module only finds them and says where they are.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from desktop.core.config import ServerConfig
from desktop.core.secret_refs import REFERENCE, reference

Place = Literal["env", "headers", "args"]

_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
_TOKEN_SHAPES = re.compile(
    r"^(gh[pousr]_|github_pat_|sk-|sk_live_|sk_test_|rk_live_|xox[abposr]-|glpat-|AKIA|AIza|hf_|"
    r"pplx-|ya29\.|eyJ)[A-Za-z0-9._\-]{8,}"
)
_SCHEME = re.compile(r"^(Bearer|Basic|Token)\s+", re.IGNORECASE)
_FLAG_VALUE = re.compile(
    r"^(--?[A-Za-z0-9-]*(?:key|token|secret|password)[A-Za-z0-9-]*=)(.+)$", re.IGNORECASE
)
RANDOM_MIN_CHARS = 32
RANDOM_MIN_BITS_PER_CHAR = 3.5


@dataclass(frozen=True)
class FoundSecret:
    place: Place
    key: str
    """The variable or header name, or the argument's position."""
    value: str
    """The secret itself (without a `Bearer ` scheme or a `--flag=` in front)."""
    secret: str
    """The name it would get in the keyring."""

    @property
    def where(self) -> str:
        """Where it was, for the user: “environment variable GITHUB_TOKEN”."""
        if self.place == "env":
            return f"environment variable {self.key}"
        if self.place == "headers":
            return f"header {self.key}"
        return f"argument {int(self.key) + 1}"


def looks_like_token(value: str, name: str = "") -> bool:
    """A value that is (or whose name says it is) a key, token or password."""
    value = value.strip()
    if not value or REFERENCE.search(value) or " " in value:
        return False
    if _TOKEN_SHAPES.match(value):
        return True
    if name and _SECRET_NAME.search(name) and len(value) >= 8:
        return True
    return (
        len(value) >= RANDOM_MIN_CHARS
        and "/" not in value
        and _bits_per_char(value) >= RANDOM_MIN_BITS_PER_CHAR
    )


def _bits_per_char(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def find_tokens(server: str, config: ServerConfig, taken: set[str]) -> list[FoundSecret]:
    """Keys and tokens in `config`, each with an unused secret name (names go into `taken`)."""
    found: list[FoundSecret] = []

    def add(place: Place, key: str, value: str, wanted: str) -> None:
        name = _unused(_name_from(wanted), taken)
        taken.add(name)
        found.append(FoundSecret(place, key, value, name))

    for variable, value in config.env.items():
        if looks_like_token(value, variable):
            add("env", variable, value, variable)
    for header, value in config.headers.items():
        token = _SCHEME.sub("", value)
        if looks_like_token(token, header):
            add("headers", header, token, f"{server}_{header}")
    for index, arg in enumerate(config.args):
        flag = _FLAG_VALUE.match(arg)
        if flag and looks_like_token(flag[2], flag[1]):
            add("args", str(index), flag[2], f"{server}_{flag[1].strip('-=')}")
        elif not flag and looks_like_token(arg):
            add("args", str(index), arg, f"{server}_ARG{index + 1}")
    return found


def with_references(config: ServerConfig, found: list[FoundSecret]) -> ServerConfig:
    """`config` with each found value replaced by a reference to its secret."""
    env, headers, args = dict(config.env), dict(config.headers), list(config.args)
    for item in found:
        ref = reference(item.secret)
        if item.place == "env":
            env[item.key] = env[item.key].replace(item.value, ref)
        elif item.place == "headers":
            headers[item.key] = headers[item.key].replace(item.value, ref)
        else:
            args[int(item.key)] = args[int(item.key)].replace(item.value, ref)
    return config.model_copy(update={"env": env, "headers": headers, "args": args})


def _name_from(wanted: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", wanted).strip("_.-")[:60]
    return name.upper() if name else "IMPORTED_SECRET"


def _unused(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name}_{n}"
        n += 1
    return candidate
