"""URL converters that never match a NUL character, so a path parameter holding one (issue 9)
answers "not found" in the surface's convention instead of reaching the database, which
refuses NUL in text."""
from __future__ import annotations

from werkzeug.routing import PathConverter, UnicodeConverter


class NulFreeStringConverter(UnicodeConverter):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


class NulFreePathConverter(PathConverter):
    regex = "[^/\\x00][^\\x00]*?"


NUL_FREE_CONVERTERS = {"default": NulFreeStringConverter, "string": NulFreeStringConverter,
                       "path": NulFreePathConverter}
