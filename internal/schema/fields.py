"""Field types several request models share: a display name (trimmed, not blank) and an icon URL.

Length limits stay with each model (the course's limits differ per resource):
`name: Name = Field(min_length=1, max_length=40)`."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("name must not be blank")
    return value


def _icon_url(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("icon must not be blank")
    if not (value.startswith(("https://", "http://")) or value.startswith("/")):
        raise ValueError("icon must be an image URL")
    return value


Name = Annotated[str, AfterValidator(_name)]
IconUrl = Annotated[str, AfterValidator(_icon_url)]
