"""What a flow answers, independent of Telegram: text, buttons, a file, a location request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    """An inline button: its label and the callback data it sends back."""

    label: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Document:
    """A file to send."""

    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class Reply:
    """One message to the runner."""

    text: str
    buttons: Keyboard = ()
    ask_location: bool = False
    document: Document | None = None
    # A PNG sent as a photo; `text` becomes its caption.
    photo: bytes | None = None


def row(*buttons: Button) -> tuple[Button, ...]:
    """A keyboard row."""
    return buttons
