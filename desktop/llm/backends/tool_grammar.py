"""GBNF grammars that hold a local model's answer to the tool calls it may make.

The grammar spells each call the way its `ToolFormat` writes it, names only the offered tools,
and follows each tool's input schema where llama.cpp can: patterns and large bounds are dropped,
and a schema it still can't follow (too big, too deep, refused by llama.cpp) allows any JSON object.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from desktop.llm.backends.backend import ToolChoice, ToolSpec
from desktop.llm.backends.tool_formats import HERMES_CLOSE, HERMES_OPEN, ToolFormat

NEWLINE = "\n"
FALLBACK_OPEN = '{"tool_calls": ['


class GrammarCheck(Protocol):
    def __call__(self, grammar: str) -> bool:
        """Whether llama.cpp accepts `grammar` (its root rule is `root`)."""
        ...


MAX_SCHEMA_CHARS = 20_000
MAX_SCHEMA_DEPTH = 12
MAX_BOUND = 64
"""Length and count limits above this are left out: llama.cpp spells each step as a rule."""
BOUND_KEYS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
MAX_GRAMMAR_CHARS = 200_000
MAX_CALLS = 8
"""Calls one answer may hold under a grammar, where the model chooses to call (REQUIRED makes one)."""
MORE_CALLS = f"{{0,{MAX_CALLS - 1}}}"
LEAD = r"[ \n]?"
PROSE = r"[^{ \t\r\n] [^\x00]*"


def call_grammar(
    fmt: ToolFormat,
    tools: list[ToolSpec],
    choice: ToolChoice,
    compiles: GrammarCheck | None = None,
    schemas: bool = True,
) -> str | None:
    """A GBNF grammar for the answer, or None when the model may write freely.

    REQUIRED allows only one call; AUTO needs a grammar only in the FALLBACK format, where it
    keeps calls and prose apart. Tool names are held to the offered ones and arguments to
    each tool's input schema where llama.cpp can express it (otherwise any JSON object).
    """
    if choice is ToolChoice.NONE or not tools or (choice is ToolChoice.AUTO and fmt.native):
        return None
    from llama_cpp.llama_grammar import SchemaConverter

    converter: Any = SchemaConverter(  # type: ignore[no-untyped-call]
        prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False
    )
    generic = str(converter.visit({"type": "object"}, "desk-any-object"))
    alternatives = []
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str):
            continue
        parameters = function.get("parameters") if schemas and isinstance(function, dict) else None
        arguments = _arguments_rule(converter, parameters, f"desk-arguments-{index}", compiles) or generic
        opening = '{"name": ' + json.dumps(name) + ', "' + fmt.arguments_key + '": '
        alternatives.append(f"{_literal(opening)} {arguments} {_literal('}')}")
    if not alternatives:
        return None
    rules = [f"root ::= {LEAD} {_root(fmt, choice)}", f"desk-call ::= {' | '.join(alternatives)}"]
    rules += [f"desk-prose ::= {PROSE}", converter.format_grammar()]
    return "\n".join(rules)


def _root(fmt: ToolFormat, choice: ToolChoice) -> str:
    """The answer's shape. A required call is one call: a small model made to call a tool tends to
    repeat the call over and over, and what the result says should decide any next one."""
    required = choice is ToolChoice.REQUIRED
    if fmt is ToolFormat.HERMES:
        one = f"{_literal(HERMES_OPEN)} desk-call {_literal(HERMES_CLOSE)}"
        return one if required else f"{one} ({_literal(NEWLINE)} {one}){MORE_CALLS}"
    if fmt is ToolFormat.LLAMA3:
        return "desk-call"
    if fmt is ToolFormat.MISTRAL:
        more = "" if required else f" ({_literal(', ')} desk-call){MORE_CALLS}"
        return f'"[" desk-call{more} "]"'
    if required:
        return f"{_literal(FALLBACK_OPEN)} desk-call {_literal(']}')}"
    calls = f"{_literal(FALLBACK_OPEN)} desk-call ({_literal(', ')} desk-call){MORE_CALLS} {_literal(']}')}"
    return f"({calls} | desk-prose)"


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _arguments_rule(converter: Any, schema: Any, rule: str, compiles: GrammarCheck | None) -> str | None:
    """The rule for one tool's arguments, or None when its schema is too exotic to follow."""
    tame = _tame(schema)
    if tame is None:
        return None
    saved = dict(converter._rules), dict(converter._refs)
    try:
        name = str(converter.visit(converter.resolve_refs(tame, rule), rule))
        grammar = f"root ::= {name}\n{converter.format_grammar()}"
        if len(grammar) > MAX_GRAMMAR_CHARS or (compiles is not None and not compiles(grammar)):
            raise ValueError("llama.cpp can't follow this schema")
    except Exception:  # the converter asserts, raises and recurses on schemas it can't handle
        converter._rules, converter._refs = saved
        converter._refs_being_resolved = set()
        return None
    return name


def _tame(schema: Any) -> dict[str, Any] | None:
    """A copy of an object schema without what llama.cpp's grammars can't hold, or None."""
    if not isinstance(schema, dict):
        return None
    try:
        text = json.dumps(schema)
    except (TypeError, ValueError, RecursionError):
        return None
    if len(text) > MAX_SCHEMA_CHARS:
        return None
    copy: dict[str, Any] = json.loads(text)
    if copy.get("type", "object") != "object" or not _simplify(copy, 0):
        return None
    return copy


def _simplify(node: Any, depth: int) -> bool:
    """Drop patterns and large bounds in place; False when the schema nests too deep."""
    if depth > MAX_SCHEMA_DEPTH:
        return False
    if isinstance(node, dict):
        node.pop("pattern", None)
        for key in BOUND_KEYS:
            bound = node.get(key)
            if bound is not None and not (isinstance(bound, int) and 0 <= bound <= MAX_BOUND):
                del node[key]
        return all(_simplify(value, depth + 1) for value in node.values())
    if isinstance(node, list):
        return all(_simplify(value, depth + 1) for value in node)
    return True
