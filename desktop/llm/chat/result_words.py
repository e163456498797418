"""What the model is told of a tool's result: its text, and a sentence for each part it can't take in.

An image goes to the model itself only where the user said the endpoint's model takes images
(Settings › Chat model): after the tool's answer, in a message of its own, as OpenAI's API
takes images only from the user. Otherwise, and always for the local model (loaded without a
vision part) and for sounds, it is described: “[an image the model cannot see: image/png, 120 KB]”.
"""

from __future__ import annotations

import base64
from typing import Any

from desktop.llm.backends.backend import Message
from desktop.llm.chat.control import ToolCard
from desktop.servers.control import ToolCallOutcome
from desktop.servers.result_parts import EmbeddedPart, LinkPart, MediaPart, ResultPart, TextPart, size_words


def for_model(outcome: ToolCallOutcome, sees_images: bool = False) -> str:
    """The outcome's text with each image, sound and resource said in words, in the order sent."""
    if not outcome.parts:
        return outcome.text
    return "\n".join(_words(part, sees_images) for part in outcome.parts)


def image_messages(cards: list[ToolCard], sees_images: bool) -> list[Message]:
    """The images these calls returned, in one message after their answers, for a model that sees them."""
    content: list[dict[str, Any]] = []
    for card in cards if sees_images else ():
        images = [p for p in card.parts if isinstance(p, MediaPart) and p.kind == "image" and p.kept]
        if images:
            content.append(
                {"type": "text", "text": f"The image(s) {card.tool} returned (call {card.call_id}):"}
            )
        for image in images:
            url = f"data:{image.mime_type};base64,{base64.b64encode(image.data).decode('ascii')}"
            content.append({"type": "image_url", "image_url": {"url": url}})
    return [{"role": "user", "content": content}] if content else []


def _words(part: ResultPart, sees_images: bool) -> str:
    if isinstance(part, TextPart):
        return part.text
    if isinstance(part, MediaPart) and sees_images and part.kind == "image" and part.kept:
        return f"[an image: {part.mime_type}, {size_words(part.size)}; it follows this message]"
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
