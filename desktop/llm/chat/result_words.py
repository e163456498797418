"""What the model is told of a tool's result: its text, and a sentence for each part it can't take in.

No backend says yet that it takes images or sound (the local model is loaded without a vision
projector, and an OpenAI-compatible endpoint does not declare it), so an image or a sound is
described, never sent: “[an image the model cannot see: image/png, 120 KB]”.
"""

from __future__ import annotations

from desktop.servers.control import ToolCallOutcome
from desktop.servers.result_parts import EmbeddedPart, LinkPart, MediaPart, ResultPart, TextPart, size_words


def for_model(outcome: ToolCallOutcome) -> str:
    """The outcome's text with each image, sound and resource said in words, in the order sent."""
    if not outcome.parts:
        return outcome.text
    return "\n".join(_words(part) for part in outcome.parts)


def _words(part: ResultPart) -> str:
    if isinstance(part, TextPart):
        return part.text
    if isinstance(part, MediaPart):
        what = "an image the model cannot see" if part.kind == "image" else "a sound the model cannot hear"
        return f"[{what}: {part.mime_type}, {size_words(part.size)}]"
    if isinstance(part, LinkPart):
        named = f"“{part.title}” ({part.name})" if part.title else f"“{part.name}”"
        kind = f", {part.mime_type}" if part.mime_type else ""
        return f"[a link to the resource {named}: {part.uri}{kind}]"
    return _embedded(part)


def _embedded(part: EmbeddedPart) -> str:
    if part.text is not None:
        return f"[the resource {part.uri} ({part.mime_type}) follows]\n{part.text}"
    kind = part.mime_type or "unknown type"
    return f"[a file the model cannot read: {part.uri}, {kind}, {size_words(part.size)}]"
