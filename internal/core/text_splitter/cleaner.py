"""Cleaning rules applied before splitting."""
from __future__ import annotations

import re
import unicodedata

from .process_rule import ProcessRule

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"'，。！？、；）)】]+|www\.[^\s<>\"'，。！？、；）)】]+", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u3000\u00a0\f\v]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_SPACE_AROUND_NEWLINE = re.compile(r"[ \t]*\n[ \t]*")


def clean_text(text: str, rule: ProcessRule) -> str:
    """Always: normalise newlines, drop control/invisible characters and NFC-normalise.
    ``remove_extra_space``: collapse runs of spaces (incl. full-width) and of blank lines.
    ``remove_url_and_email``: delete URLs and e-mail addresses."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    if rule.enabled("remove_url_and_email"):
        text = _EMAIL.sub("", text)
        text = _URL.sub("", text)
    if rule.enabled("remove_extra_space"):
        text = _SPACES.sub(" ", text)
        text = _SPACE_AROUND_NEWLINE.sub("\n", text)
        text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()
