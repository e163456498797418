"""Every user-visible string in `desktop/ui` is ready for translation: `pyside6-lupdate` can find it.

Read without running anything: the syntax tree of each module under `desktop/ui`. Two rules.

1. No words go straight to the screen. A string literal with letters in it (or an f-string whose
   literal parts have letters, or a sum or choice of such) is a miss when it is an argument of
   - a Qt text setter: setText, setToolTip, setPlaceholderText, setWindowTitle, setAccessibleName,
     setAccessibleDescription, setStatusTip, setWhatsThis, setTitle, addAction, addItem, addTab,
     setTabText, setInformativeText;
   - a Qt constructor that takes text: QLabel, QPushButton, QCheckBox, QRadioButton, QGroupBox,
     QAction, QToolButton;
   - the project's text helpers: heading, hint, labelled_button (`style.py`), EmptyState,
     Collapsible, and InlineMessage's show_problem and show_info.
   Strings with no letters once markup and placeholders are taken out pass (`""`, `"×"`,
   `"<b>%1</b>"`, `"{}: {}"`), and so do f-strings whose literal parts are only punctuation.
2. `tr()` and `translate()` get their text as a literal, because lupdate reads only literals: a
   home-made wrapper such as `def _tr(text): return translate("Page", text)` hides every string
   passed to it, and so does translating a label looked up in a table. Translate each label where
   it is written (a function that returns the table, translated, does that).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "desktop" / "ui"
SETTERS = frozenset(
    {
        "setText",
        "setToolTip",
        "setPlaceholderText",
        "setWindowTitle",
        "setAccessibleName",
        "setAccessibleDescription",
        "setStatusTip",
        "setWhatsThis",
        "setTitle",
        "addAction",
        "addItem",
        "addTab",
        "setTabText",
        "setInformativeText",
    }
)
CONSTRUCTORS = frozenset(
    {"QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QToolButton"}
)
HELPERS = frozenset(
    {"heading", "hint", "labelled_button", "EmptyState", "Collapsible", "show_problem", "show_info"}
)
SHOWS_TEXT = SETTERS | CONSTRUCTORS | HELPERS
NOT_WORDS = re.compile(r"<[^>]*>|&\w+;|%\d+|%[sd]|\{[^}]*\}")


def called(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def has_words(text: str) -> bool:
    return any(char.isalpha() for char in NOT_WORDS.sub("", text))


def literals(node: ast.expr) -> list[str]:
    """The words a user would read that `node` spells out literally, without a translation call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if has_words(node.value) else []
    if isinstance(node, ast.JoinedStr):
        parts = "".join(str(part.value) for part in node.values if isinstance(part, ast.Constant))
        return [ast.unparse(node)] if has_words(parts) else []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return literals(node.left) + literals(node.right)
    if isinstance(node, ast.IfExp):
        return literals(node.body) + literals(node.orelse)
    return []


def is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def hidden_text(call: ast.Call) -> str | None:
    """What lupdate can't read in a `tr()`/`translate()` call, or None when it reads it all."""
    name = called(call)
    if name == "tr" and call.args and not is_literal(call.args[0]):
        return ast.unparse(call.args[0])
    if name == "translate" and len(call.args) >= 2:  # one argument: str.translate
        context, text = call.args[:2]
        if not is_literal(context):
            return ast.unparse(context)
        if not is_literal(text):
            return ast.unparse(text)
    return None


def untranslated(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = called(node)
        if name in SHOWS_TEXT:
            for argument in (*node.args, *(keyword.value for keyword in node.keywords)):
                found.extend(
                    (node.lineno, f"{name}({text!r}) is not translated") for text in literals(argument)
                )
        elif (hidden := hidden_text(node)) is not None:
            found.append((node.lineno, f"{name}({hidden}) hides its text from lupdate"))
    return [f"{where}:{line}: {problem}" for line, problem in sorted(found)]


def test_the_rules_catch_what_lupdate_would_miss(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "label = QLabel('Hello')\n"
        "button.setToolTip(f'Start {name}')\n"
        "box.setTitle('Tools: ' + count)\n"
        "hint(self.tr('Fine'))\n"
        "label.setText(QCoreApplication.translate('Page', 'Fine'))\n"
        "close.setText('×')\n"
        "cell.setText(f'{a} — {b}')\n"
        "label.setText('<b>%1</b>')\n"
        "edit.setObjectName('search_box')\n"
        "def _tr(text): return QCoreApplication.translate('Page', text)\n"
        "label.setText(self.tr(message))\n"
        "title = QCoreApplication.translate('Table', WORDS[0])\n"
        "safe = text.translate(escapes)\n"
    )
    assert [line.split(": ", 1)[1] for line in untranslated(module)] == [
        "QLabel('Hello') is not translated",
        "setToolTip(\"f'Start {name}'\") is not translated",
        "setTitle('Tools: ') is not translated",
        "translate(text) hides its text from lupdate",
        "tr(message) hides its text from lupdate",
        "translate(WORDS[0]) hides its text from lupdate",
    ]


def test_every_visible_string_in_the_ui_is_translatable() -> None:
    found = [line for path in sorted(UI.rglob("*.py")) for line in untranslated(path)]
    assert not found, f"{len(found)} strings are not ready for translation:\n" + "\n".join(found)
