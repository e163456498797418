"""Spotting text from a server that may be aimed at the model rather than the user.

Tool descriptions and tool results are the server's words. Hidden characters and
instruction-like phrases in them are flagged for the user; nothing is removed, and
flagged text never stops the user from being asked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

INSTRUCTION_PATTERNS = (
    r"\bignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier|other) (?:instructions|rules|messages)",
    r"\b(?:disregard|forget) (?:all |any )?(?:the )?(?:previous|prior|above|your) (?:instructions|rules)",
    r"\bdo not (?:tell|inform|mention|show)(?: this to)? the user",
    r"\bwithout (?:telling|asking|informing) the user",
    r"\b(?:you|the assistant|the model) (?:must (?:always |first |now )?|should (?:always|first|now) )"
    r"(?:call|use|run|send|read)",
    r"\bbefore (?:using|calling) (?:this|any) (?:other )?tool",
    r"\bsystem prompt\b",
    r"</?(?:important|system|instructions?|secret)>",
    r"\b(?:send|upload|forward|post) (?:the |all |any )?"
    r"(?:contents?|files?|keys?|tokens?|passwords?|secrets?)",
    r"(?:~|\$HOME)/\.(?:ssh|aws|gnupg|config)|\bid_rsa\b|\.env\b",
)
_INSTRUCTIONS = re.compile(
    "|".join(f"(?:{p})" for p in INSTRUCTION_PATTERNS).replace(" ", r"\s+"), re.IGNORECASE
)
_VISIBLE_FORMAT = {"\n", "\r", "\t"}
MAX_PHRASES = 5


@dataclass(frozen=True)
class Flag:
    kind: str
    """"hidden characters" or "instructions"."""
    excerpt: str
    """What was found, made visible (hidden characters as U+XXXX)."""

    def sentence(self) -> str:
        if self.kind == "hidden characters":
            return f"Contains characters you can't see: {self.excerpt}"
        return f"Reads like an instruction to the model: “{self.excerpt}”"


def scan(text: str) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    hidden = sorted({ch for ch in text if _is_hidden(ch)})
    if hidden:
        flags.append(Flag("hidden characters", " ".join(f"U+{ord(ch):04X}" for ch in hidden[:8])))
    phrases = dict.fromkeys(" ".join(m.group().split()) for m in _INSTRUCTIONS.finditer(text))
    flags.extend(Flag("instructions", reveal(phrase)) for phrase in list(phrases)[:MAX_PHRASES])
    return tuple(flags)


def reveal(text: str) -> str:
    """`text` with every hidden character written out, for showing to the user."""
    return "".join(f"⟦U+{ord(ch):04X}⟧" if _is_hidden(ch) else ch for ch in text)


def _is_hidden(ch: str) -> bool:
    if ch in _VISIBLE_FORMAT:
        return False
    category = unicodedata.category(ch)
    # Cf: zero-width and direction marks, tag characters; Co/Cn: private and unassigned.
    # Variation selectors 17-256 can carry bytes after an emoji without showing anything.
    return category in ("Cf", "Co", "Cn", "Cc", "Cs") or 0xE0100 <= ord(ch) <= 0xE01EF
